"""``netdiag dns capture``: search chains, cost and failures from real DNS traffic.

Offline (``-r FILE``) the lean reader in :mod:`netdiag.dns.capture.pcap` streams the
file; live (``-i IFACE``, optionally saved with ``-w FILE``) is
:mod:`netdiag.cli.dns_capture_live`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from netdiag.cli.dns_capture_text import render_text
from netdiag.cli.options import open_session, snapshot_options
from netdiag.dns.capture.chains import Chain, ChainBuilder
from netdiag.dns.capture.pcap import Stats, read_dns
from netdiag.dns.capture.profile import Detection, detect, infer_search
from netdiag.dns.capture.report import build_report
from netdiag.errors import InputError, UsageError

if TYPE_CHECKING:
    from netdiag.dns.resolver.resolvconf import ResolvConf


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
    conf = _read_resolv_conf(resolv_conf) if resolv_conf else None
    # The snapshot first: a bad manifest must not throw away a live capture.
    pods, confs = _pod_map(snapshot) if _has_source(snapshot) else ({}, {})
    all_ports = frozenset((53, *ports))
    stats = Stats()
    builder = ChainBuilder(ports=all_ports)
    if read_file is not None:
        source, error = _feed_file(builder, read_file, all_ports, stats)
    else:
        assert iface is not None
        live = (duration, count, write_file, write_format)
        source, error = _feed_live(builder, iface, all_ports, stats, live)
    chains = builder.finish()
    report = build_report(
        chains,
        _detect_all(chains, conf, confs),
        source=source,
        counters=_counters(stats, builder),
        pods=pods,
    )
    if output == "json":
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        click.echo(render_text(report), nl=False)
    if error is not None:
        raise error


Fed = tuple[dict[str, Any], InputError | None]


def _feed_file(builder: ChainBuilder, path: str, ports: frozenset[int], stats: Stats) -> Fed:
    """Chains from a file; a damaged file reports what was complete, then the error."""
    try:
        for pkt in read_dns(path, ports, stats):
            builder.feed(pkt)
    except InputError as e:
        return {"file": path}, e
    return {"file": path}, None


def _feed_live(
    builder: ChainBuilder,
    iface: str,
    ports: frozenset[int],
    stats: Stats,
    live: tuple[float | None, int | None, str | None, str | None],
) -> Fed:
    """Chains from a live capture (saved to -w FILE as it arrives)."""
    from netdiag.cli.dns_capture_live import Output, live_packets
    from netdiag.dns.capture.pcapwrite import format_for

    duration, count, write_file, write_format = live
    source: dict[str, Any] = {"interface": iface, "ports": sorted(ports)}
    out = Output(write_file, format_for(write_file, write_format)) if write_file else None
    for pkt in live_packets(iface, ports, duration, count, stats, out):
        builder.feed(pkt)
    if out is None:
        return source, None
    source["written"] = {"file": out.path, "format": out.fmt, "packets": out.packets}
    click.echo(f"note: wrote {out.packets} packets to {out.path} ({out.fmt})", err=True)
    return source, out.error_or_none()


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


def _counters(stats: Stats, builder: ChainBuilder) -> dict[str, int]:
    return {
        "total": stats.packets,
        "dns": stats.dns,
        "not_dns": stats.not_dns,
        "malformed": stats.malformed,
        "other": stats.other,
        "tcp_gaps": stats.tcp_gaps,
        "orphan_responses": builder.orphan_responses,
    }


def _has_source(snapshot: dict[str, Any]) -> bool:
    return bool(snapshot.get("cluster") or snapshot.get("context") or snapshot.get("live"))


def _pod_map(snapshot: dict[str, Any]) -> tuple[dict[str, str], dict[str, ResolvConf]]:
    """Pod IP → ``ns/pod`` and the resolv.conf kubelet gives that pod.

    Synthetic IPs (pods expanded from templates) never match a captured
    address; hostNetwork pods share the node's IP, so they are not mapped.
    """
    from netdiag.dns.resolver.kubelet import pod_resolv_conf

    snap = open_session(snapshot).snapshot
    names: dict[str, str] = {}
    confs: dict[str, ResolvConf] = {}
    for pod in snap.pods:
        if pod.synthetic_ip or pod.host_network:
            continue
        conf = pod_resolv_conf(snap, pod).resolv_conf
        for ip in pod.ips:
            names[ip], confs[ip] = pod.key, conf
    return names, confs


def _read_resolv_conf(path: str) -> ResolvConf:
    from netdiag.dns.resolver.resolvconf import parse_strict

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"--resolv-conf {path}: cannot read: {e}") from e
    return parse_strict(text, origin=path)


def _detect_all(
    chains: list[Chain], conf: ResolvConf | None, confs: dict[str, ResolvConf]
) -> list[Detection]:
    """Detect each chain's resolver; the search list comes from --resolv-conf,
    the pod's kubelet resolv.conf, or the client's longest observed walk."""
    from netdiag.dns.capture.explain import explain
    from netdiag.dns.capture.predict import predict

    inferred = infer_search(chains)
    out = []
    for chain in chains:
        known = conf or confs.get(chain.client)
        search = known.search if known else inferred.get(chain.client)
        ndots = known.ndots if known else None
        found = detect(chain, search=search, ndots=ndots, predict=predict)
        why = explain(chain, found, search=search, ndots=ndots, predict=predict)
        chain.asked = found.base
        out.append(replace(found, explanation=why))
    return out
