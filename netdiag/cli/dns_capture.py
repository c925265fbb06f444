"""``netdiag dns capture``: search chains, cost and failures from real DNS traffic.

Offline (``-r FILE``) the lean reader in :mod:`netdiag.dns.pcap` streams the
file; live (``-i IFACE``) scapy captures through libpcap with a BPF filter on
the DNS ports and only copies raw frames — parsing happens after the capture
stops (research/dns-ecosystem.md §5.3). scapy is imported only here, inside
the function, and never ``scapy.all``.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from netdiag.cli.dns_capture_text import render_text
from netdiag.cli.options import load_snapshot, snapshot_options, source_from
from netdiag.dns.capture_report import build_report
from netdiag.dns.chainprofile import Detection, detect, infer_search
from netdiag.dns.chains import Chain, ChainBuilder
from netdiag.dns.pcap import DnsExtractor, DnsPacket, Stats, read_dns
from netdiag.errors import InputError, UsageError

if TYPE_CHECKING:
    from netdiag.dns.resolvconf import ResolvConf


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
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
@snapshot_options
def capture(
    read_file: str | None,
    iface: str | None,
    ports: tuple[int, ...],
    duration: float | None,
    count: int | None,
    resolv_conf: str | None,
    output: str,
    **snapshot: Any,
) -> None:
    """Group captured DNS queries into search chains per client and show their cost.

    Reads a capture (-r, tcpdump -w or Wireshark) or listens live (-i, needs root
    or CAP_NET_RAW) until Ctrl-C, --duration or --count. With --cluster/--context
    client IPs are shown as ns/pod.
    """
    if (read_file is None) == (iface is None):
        raise UsageError("give exactly one of -r FILE or -i IFACE")
    conf = _read_resolv_conf(resolv_conf) if resolv_conf else None
    # The snapshot first: a bad manifest must not throw away a live capture.
    pods, confs = _pod_map(snapshot) if _has_source(snapshot) else ({}, {})
    all_ports = frozenset((53, *ports))
    stats = Stats()
    builder = ChainBuilder(ports=all_ports)
    error: InputError | None = None
    if read_file is not None:
        source: dict[str, Any] = {"file": read_file}
        try:
            for pkt in read_dns(read_file, all_ports, stats):
                builder.feed(pkt)
        except InputError as e:
            error = e  # report what was complete, then the error
    else:
        assert iface is not None
        source = {"interface": iface, "ports": sorted(all_ports)}
        for pkt in _live(iface, all_ports, duration, count, stats):
            builder.feed(pkt)
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
    from netdiag.dns.kubelet import pod_resolv_conf

    snap = load_snapshot(source_from(snapshot))
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
    from netdiag.dns.resolvconf import parse_strict

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
    from netdiag.dns.chainpredict import predict

    inferred = infer_search(chains)
    out = []
    for chain in chains:
        known = conf or confs.get(chain.client)
        search = known.search if known else inferred.get(chain.client)
        ndots = known.ndots if known else None
        found = detect(chain, search=search, ndots=ndots, predict=predict)
        chain.asked = found.base
        out.append(found)
    return out


def _live(
    iface: str, ports: frozenset[int], duration: float | None, count: int | None, stats: Stats
) -> Iterator[DnsPacket]:
    """Capture raw frames until Ctrl-C/--duration/--count, then decode them."""
    frames = _sniff(iface, ports, duration, count)
    extractor = DnsExtractor(ports=ports, stats=stats)
    for ts, linktype, data in frames:
        yield from extractor.feed(ts, linktype, data)


def _sniff(
    iface: str, ports: frozenset[int], duration: float | None, count: int | None
) -> list[tuple[float, int, bytes]]:
    from scapy.sendrecv import AsyncSniffer

    bpf = " or ".join(f"port {p}" for p in sorted(ports))
    sock = _open_socket(iface, bpf)
    frames: list[tuple[float, int, bytes]] = []

    def keep(pkt: Any) -> None:
        frames.append((float(pkt.time), _linktype(pkt), bytes(pkt)))

    # scapy ≥ 2.6 refuses ``timeout`` on AsyncSniffer, and a Ctrl-C that
    # interrupts Thread.join() leaves CPython ≤ 3.11 believing the thread ended
    # while it still reads from libpcap (closing the socket then crashed the
    # process): so the main thread only ever sleeps, and joins after stop().
    started = threading.Event()
    sniffer = AsyncSniffer(
        opened_socket=sock, prn=keep, store=False, count=count or 0, started_callback=started.set
    )
    # Threads inherit the signal mask: the capture thread never takes SIGINT.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        sniffer.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    started.wait(10)
    try:
        _wait(iface, bpf, sniffer, duration)
    finally:
        if sniffer.running:
            sniffer.stop()
        else:
            sniffer.join()
        drops = _kernel_drops(sock)
        sock.close()
    if drops:
        click.echo(f"warning: the kernel dropped {drops} packets: the report is a sample", err=True)
    return frames


def _kernel_drops(sock: Any) -> int:
    """libpcap's ``ps_drop`` + ``ps_ifdrop`` for the capture socket (0 if unknown)."""
    try:
        from ctypes import byref

        from scapy.libs.winpcapy import pcap_stat, pcap_stats

        stat = pcap_stat()
        if pcap_stats(sock.pcap_fd.pcap, byref(stat)) != 0:
            return 0
        return int(stat.ps_drop) + int(stat.ps_ifdrop)
    except (AttributeError, ImportError, OSError):
        return 0


def _open_socket(iface: str, bpf: str) -> Any:
    import scapy.layers.l2  # noqa: F401 - registers Ether/cooked link types; IP and DNS
    from scapy.config import conf  # stay undissected (Raw): cheaper per packet
    from scapy.error import Scapy_Exception

    conf.use_pcap = True  # libpcap drops loopback duplicates (scapy#1702)
    try:
        return conf.L2listen(iface=iface, filter=bpf)
    except (OSError, ValueError, Scapy_Exception) as e:
        text = str(e).splitlines()[0] if str(e) else type(e).__name__
        if isinstance(e, PermissionError) or "permission" in str(e).lower():
            raise UsageError(
                f"capturing on {iface} needs root or CAP_NET_RAW",
                hint="run with sudo, or read a file written by tcpdump -w with -r FILE",
            ) from e
        raise UsageError(f"cannot capture on interface {iface!r}: {text}") from e


def _wait(iface: str, bpf: str, sniffer: Any, duration: float | None) -> None:
    """Sleep until Ctrl-C, SIGTERM, --duration, or the sniffer's --count."""
    # Also when started with SIGINT ignored (a background job inherits SIG_IGN).
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    click.echo(f"listening on {iface} ({bpf}); Ctrl-C to stop", err=True)
    deadline = time.monotonic() + duration if duration else float("inf")
    try:
        while sniffer.running and time.monotonic() < deadline:
            time.sleep(0.05)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _linktype(pkt: Any) -> int:
    """The pcap link type of the layer scapy dissected the frame as."""
    name = type(pkt).__name__
    return {"CookedLinux": 113, "CookedLinuxV2": 276, "IP": 228, "IPv6": 229}.get(name, 1)
