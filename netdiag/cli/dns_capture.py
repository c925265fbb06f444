"""``netdiag dns capture``: search chains, cost and failures from real DNS traffic.

Offline (``-r FILE``) the lean reader in :mod:`netdiag.dns.capture.pcap` streams the
file; live (``-i IFACE``, optionally saved with ``-w FILE``) is
:mod:`netdiag.dns.capture.live`; the steps are :mod:`netdiag.dns.capture.pipeline`.
"""

from __future__ import annotations

import json
from typing import Any

import click

from netdiag.app.inputs import read_resolv_conf
from netdiag.cli.dns_capture_text import render_text
from netdiag.cli.options import open_session, snapshot_options
from netdiag.dns.capture.chains import ChainBuilder
from netdiag.dns.capture.pcap import Stats
from netdiag.dns.capture.pipeline import counters, detect_all, feed_file, feed_live, pod_map
from netdiag.dns.capture.report import build_report
from netdiag.errors import UsageError
from netdiag.visible import visible_lines


@click.command()
@click.option("-r", "--read", "read_file", metavar="FILE", help="pcap or pcapng file to analyse.")
@click.option("-i", "--interface", "iface", metavar="IFACE", help="Capture live on IFACE.")
@click.option(
    "--port", "ports", multiple=True, type=click.IntRange(1, 65535), help="Extra DNS port."
)
@click.option("--duration", type=click.FloatRange(min=0, min_open=True), help="Stop after S s.")
@click.option("--count", type=click.IntRange(min=1), help="Stop after N packets.")
@click.option(
    "--resolv-conf",
    "resolv_conf",
    metavar="FILE",
    help="The clients' resolv.conf (search list, ndots) for resolver detection.",
)
@click.option(
    "-w",
    "--write",
    "write_file",
    metavar="FILE",
    help="With -i: also save the captured packets to FILE as they arrive (tcpdump -w).",
)
@click.option(
    "--write-format",
    type=click.Choice(["pcap", "pcapng"]),
    help="Format of -w FILE [default: pcapng for *.pcapng, else pcap, as tcpdump -w].",
)
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
@snapshot_options
def capture(
    read_file: str | None,
    iface: str | None,
    ports: tuple[int, ...],
    duration: float | None,
    count: int | None,
    resolv_conf: str | None,
    write_file: str | None,
    write_format: str | None,
    output: str,
    **snapshot: Any,
) -> None:
    """Group captured DNS queries into search chains per client and show their cost.

    Reads a capture (-r, tcpdump -w or Wireshark) or listens live (-i, needs root
    or CAP_NET_RAW) until Ctrl-C, --duration or --count; -w FILE saves what -i
    captured. With --cluster/--context client IPs are shown as ns/pod.
    """
    _check_usage(read_file, iface, write_file, write_format)
    conf = read_resolv_conf(resolv_conf) if resolv_conf else None
    # The snapshot first: a bad manifest must not throw away a live capture.
    pods, confs = pod_map(open_session(snapshot).snapshot) if _has_source(snapshot) else ({}, {})
    all_ports = frozenset((53, *ports))
    stats = Stats()
    from netdiag.limits import current

    builder = ChainBuilder(ports=all_ports, max_chains=current().capture_chains)
    if read_file is not None:
        source, error = feed_file(builder, read_file, all_ports, stats)
    else:
        assert iface is not None
        live = (duration, count, write_file, write_format)
        source, error = feed_live(builder, iface, all_ports, stats, live)
        written = source.get("written")
        if written:
            click.echo(
                f"note: wrote {written['packets']} packets to {written['file']} "
                f"({written['format']})",
                err=True,
            )
    chains = builder.finish()
    if builder.dropped_chains:
        click.echo(
            f"warning: dropped the {builder.dropped_chains} oldest chains "
            f"({builder.dropped_queries} queries) past the limit of {builder.max_chains} "
            "open query chains; raise it with NETDIAG_MAX_CAPTURE_CHAINS=N",
            err=True,
        )
    report = build_report(
        chains,
        detect_all(chains, conf, confs),
        source=source,
        counters=counters(stats, builder),
        pods=pods,
    )
    if output == "json":
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        click.echo(visible_lines(render_text(report)), nl=False)
    if error is not None:
        raise error


def _check_usage(
    read_file: str | None, iface: str | None, write_file: str | None, write_format: str | None
) -> None:
    if (read_file is None) == (iface is None):
        raise UsageError("give exactly one of -r FILE or -i IFACE")
    if write_file is not None and iface is None:
        raise UsageError(
            "-w FILE saves a live capture: it needs -i IFACE",
            hint="to keep only the DNS packets of a file: tcpdump -r IN -w OUT port 53",
        )
    if write_format is not None and write_file is None:
        raise UsageError("--write-format needs -w FILE")


def _has_source(snapshot: dict[str, Any]) -> bool:
    return bool(snapshot.get("cluster") or snapshot.get("context") or snapshot.get("live"))
