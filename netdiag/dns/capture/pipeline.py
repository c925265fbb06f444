"""From captured packets to explained search chains: the steps ``netdiag dns capture`` runs.

Feed a :class:`~netdiag.dns.capture.chains.ChainBuilder` from a file or a live
interface, map client IPs to pods and the resolv.conf kubelet gives them, and
detect (and explain) each chain's resolver. Reading a file or an interface is
I/O; the rest is pure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from netdiag.dns.capture.chains import Chain, ChainBuilder
from netdiag.dns.capture.pcap import Stats, read_dns
from netdiag.dns.capture.profile import Detection, detect, infer_search
from netdiag.errors import InputError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.dns.resolver.resolvconf import ResolvConf


Fed = tuple[dict[str, Any], InputError | None]


def feed_file(builder: ChainBuilder, path: str, ports: frozenset[int], stats: Stats) -> Fed:
    """Chains from a file; a damaged file reports what was complete, then the error."""
    try:
        for pkt in read_dns(path, ports, stats):
            builder.feed(pkt)
    except InputError as e:
        return {"file": path}, e
    return {"file": path}, None


def feed_live(
    builder: ChainBuilder,
    iface: str,
    ports: frozenset[int],
    stats: Stats,
    live: tuple[float | None, int | None, str | None, str | None],
) -> Fed:
    """Chains from a live capture (saved to -w FILE as it arrives)."""
    from netdiag.dns.capture.live import Output, live_packets
    from netdiag.dns.capture.pcapwrite import format_for

    duration, count, write_file, write_format = live
    source: dict[str, Any] = {"interface": iface, "ports": sorted(ports)}
    out = Output(write_file, format_for(write_file, write_format)) if write_file else None
    for pkt in live_packets(iface, ports, duration, count, stats, out):
        builder.feed(pkt)
    if out is None:
        return source, None
    source["written"] = {"file": out.path, "format": out.fmt, "packets": out.packets}
    return source, out.error_or_none()


def counters(stats: Stats, builder: ChainBuilder) -> dict[str, int]:
    return {
        "total": stats.packets,
        "dns": stats.dns,
        "not_dns": stats.not_dns,
        "malformed": stats.malformed,
        "other": stats.other,
        "tcp_gaps": stats.tcp_gaps,
        "orphan_responses": builder.orphan_responses,
        "dropped_chains": builder.dropped_chains,
        "dropped_queries": builder.dropped_queries,
    }


def pod_map(snap: ClusterSnapshot) -> tuple[dict[str, str], dict[str, ResolvConf]]:
    """Pod IP → ``ns/pod`` and the resolv.conf kubelet gives that pod.

    Synthetic IPs (pods expanded from templates) never match a captured
    address; hostNetwork pods share the node's IP, so they are not mapped.
    """
    from netdiag.dns.resolver.kubelet import pod_resolv_conf

    names: dict[str, str] = {}
    confs: dict[str, ResolvConf] = {}
    for pod in snap.pods:
        if pod.synthetic_ip or pod.host_network:
            continue
        conf = pod_resolv_conf(snap, pod).resolv_conf
        for ip in pod.ips:
            names[ip], confs[ip] = pod.key, conf
    return names, confs


def detect_all(
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
