"""``netdiag resolve NAME``: which names a pod's resolver tries, and who answers.

Exit 0 when the name resolved, 1 when it did not, 2 on bad input.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

from netdiag.cli.dnsopts import upstream_options
from netdiag.cli.options import open_session, snapshot_options
from netdiag.cli.resolve_pcap import pcap_option, write_trace_pcap
from netdiag.errors import InputError, UsageError


def _choice(value: str, allowed: tuple[str, ...], flag: str) -> str:
    if value not in allowed:
        raise UsageError(f"{flag} {value!r}: expected one of {', '.join(allowed)}")
    return value


def _read_resolv_conf(path: str) -> Any:
    from netdiag.dns.resolver.resolvconf import parse_strict

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"--resolv-conf {path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise InputError(f"--resolv-conf {path}: not UTF-8 text") from e
    return parse_strict(text, origin=path)


def _style() -> Any:
    if os.environ.get("NO_COLOR"):
        return lambda text, **_: text
    return click.style


@click.command()
@click.argument("name")
@click.option(
    "-n",
    "--namespace",
    "--ns",
    "namespace",
    default=None,
    metavar="NS",
    help="Resolve from a ClusterFirst pod in NS (default: default).",
)
@click.option("--pod", default=None, metavar="NS/POD", help="Resolve from this pod's resolv.conf.")
@click.option(
    "--resolver",
    default="glibc",
    metavar="glibc|musl|go",
    show_default=True,
    help="Stub resolver whose algorithm to follow.",
)
@click.option(
    "--family",
    default=None,
    metavar="unspec|inet|inet6",
    help="getaddrinfo family (default unspec: A and AAAA).",
)
@click.option(
    "--type",
    "rtype",
    default=None,
    metavar="RRTYPE",
    help="res_search of one type (SRV, TXT, …) instead of getaddrinfo.",
)
@click.option(
    "--resolv-conf",
    "resolv_conf",
    default=None,
    metavar="FILE",
    help="Use this resolv.conf instead of kubelet's.",
)
@click.option(
    "--backend",
    default="model",
    metavar="model|live",
    show_default=True,
    help="Answer from the cluster model, or send real queries.",
)
@click.option(
    "--nameserver",
    "nameservers",
    multiple=True,
    metavar="HOST[:PORT]",
    help="Nameserver for live queries (repeatable; implies --backend live).",
)
@click.option("-o", "--output", default="text", metavar="text|json", show_default=True)
@pcap_option
@upstream_options
@snapshot_options
def resolve(**params: Any) -> int:
    """Explain how NAME is resolved from a pod: every query, the winner, the cost."""
    from netdiag.dns.resolver.report import render_text, to_json

    name: str = params["name"]
    output = _choice(params["output"], ("text", "json"), "-o/--output")
    backend = _choice(params["backend"], ("model", "live"), "--backend")
    if params["family"] and params["rtype"]:
        raise UsageError("--family and --type are exclusive", hint="--type asks one RR type")
    conf = _read_resolv_conf(params["resolv_conf"]) if params["resolv_conf"] else None
    session = open_session(params, params["namespace"])
    trace = session.trace(
        name,
        namespace=params["namespace"],
        pod=params["pod"],
        resolver=params["resolver"],
        family=params["family"] or "unspec",
        rtype=params["rtype"],
        resolv_conf=conf,
        live=backend == "live",
        nameservers=tuple(params["nameservers"]),
    )
    snapshot = session.snapshot
    if conf is not None:
        trace = _with_origin(trace, f"--resolv-conf {params['resolv_conf']}")
    if params["pcap"]:
        write_trace_pcap(params["pcap"], trace, snapshot, params)
    if output == "json":
        click.echo(json.dumps(to_json(trace), indent=2, sort_keys=True))
    else:
        click.echo(render_text(trace, _style()), nl=False)
    return 0 if trace.resolved else 1


def _with_origin(trace: Any, origin: str) -> Any:
    return trace._replace(origin=origin)
