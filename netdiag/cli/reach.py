"""``netdiag reach SRC DST``: can SRC open a connection to DST, and which rules decide it."""

from __future__ import annotations

import json
import shutil
from typing import Any

import click

from netdiag.cli.dnsopts import upstream_options
from netdiag.cli.matrix import use_color
from netdiag.cli.options import open_session, snapshot_options
from netdiag.cli.output import write_lines
from netdiag.errors import ExitCode
from netdiag.visible import visible_lines


@click.command()
@click.argument("src")
@click.argument("dst")
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="PORT/PROTO",
    help="Ask about this port (80, 53/UDP, 8000-8080/TCP); default: every port.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--name",
    "as_name",
    is_flag=True,
    help="DST is a DNS name (the default for anything not ns/x, an IP or a CIDR).",
)
@click.option(
    "--resolver",
    default="glibc",
    metavar="glibc|musl|go",
    show_default=True,
    help="For a name: the stub resolver SRC uses.",
)
@click.option(
    "--family",
    default="unspec",
    metavar="unspec|inet|inet6",
    show_default=True,
    help="For a name: getaddrinfo family.",
)
@click.option(
    "--resolv-conf",
    "resolv_conf",
    default=None,
    metavar="FILE",
    help="For a name: use this resolv.conf instead of the one kubelet gives SRC.",
)
@upstream_options
@snapshot_options
@click.pass_context
def reach(ctx: click.Context, /, src: str, dst: str, **kwargs: Any) -> None:
    """Evaluate SRC → DST: ns/pod, ns/service, an IP, a CIDR, or a DNS name.

    Shows the egress side of SRC and the ingress side of DST: which policies
    select each, which rule (policy, rule index, peer index, port) allowed it,
    or the nearest miss. A Service is judged per backend pod after DNAT to
    its targetPort. A name is resolved as SRC's resolver would, then the DNS
    path (SRC to its nameservers on 53) and each returned address are judged.
    Exit status: 0 allowed, 1 denied or implementation-defined.
    """
    if kwargs["as_name"] or is_name(dst):
        ctx.exit(_reach_name(src, dst, kwargs))
    from netdiag.policy.render import Style, verdict_lines
    from netdiag.policy.verdict import Verdict, verdict_document

    v = open_session(kwargs).reach(src, dst, ports=kwargs["ports"])
    if kwargs["output"] == "json":
        click.echo(json.dumps(verdict_document(v), indent=2))
    else:
        color = use_color()
        width = shutil.get_terminal_size((120, 24)).columns
        lines = verdict_lines(v, Style(color=color, unicode=color, width=width))
        write_lines(visible_lines(line, sgr=color) for line in lines)
    ctx.exit(int(ExitCode.OK if v.verdict is Verdict.ALLOWED else ExitCode.NEGATIVE))


def is_name(dst: str) -> bool:
    """Not ``ns/x``, not a CIDR, not an IP address: a DNS name."""
    import ipaddress

    if "/" in dst:
        return False
    try:
        ipaddress.ip_address(dst)
    except ValueError:
        return True
    return False


def _reach_name(src: str, name: str, kwargs: dict[str, Any]) -> int:
    from netdiag.app.inputs import read_resolv_conf
    from netdiag.policy.namereach_report import name_reach_document, name_reach_lines
    from netdiag.policy.render import Style
    from netdiag.policy.verdict import Verdict

    conf = read_resolv_conf(kwargs["resolv_conf"]) if kwargs["resolv_conf"] else None
    result = open_session(kwargs).reach_name(
        src,
        name,
        ports=kwargs["ports"],
        resolver=kwargs["resolver"],
        family=kwargs["family"],
        resolv_conf=conf,
    )
    if kwargs["output"] == "json":
        click.echo(json.dumps(name_reach_document(result), indent=2))
    else:
        color = use_color()
        width = shutil.get_terminal_size((120, 24)).columns
        lines = name_reach_lines(result, Style(color=color, unicode=color, width=width))
        write_lines(visible_lines(line, sgr=color) for line in lines)
    return int(ExitCode.OK if result.verdict is Verdict.ALLOWED else ExitCode.NEGATIVE)
