"""Equivalence classes of endpoints, so the matrix never loops pods × pods × rules.

Two endpoints that (a) are selected by the same policies in each direction,
(b) are matched by the same policy peers, (c) expose the same named ports and
(d) share the hostNetwork / ClusterIP flags are indistinguishable to every
NetworkPolicy rule (docs/architecture.md), so one evaluation per *class pair* decides
every pod pair. Classes are built in two passes: a cheap fine key (namespace,
labels, named ports, ipBlock membership, flags), then the signature above.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from netdiag.cluster.meta import Labels, Protocol
from netdiag.cluster.model import Pod
from netdiag.policy.compile import CompiledIPBlock, CompiledPeer, CompiledPolicy, Network


@dataclass(slots=True, kw_only=True)
class Member:
    """An endpoint of the matrix: a pod, or an external CIDR (``pod is None``)."""

    pod: Pod | None = None
    network: Network | None = None
    text: str = ""
    #: ``ns/svc`` when the CIDR overlaps a Service ClusterIP (trap 8).
    cluster_ip_of: str = ""


@dataclass(slots=True, kw_only=True)
class Classes:
    """``coarse[m]`` is the class of member ``m``; the rest describes each class."""

    coarse: list[int]
    #: Per class: egress-selecting policy indices, ingress ones (empty = not isolated).
    egress_policies: list[tuple[int, ...]]
    ingress_policies: list[tuple[int, ...]]
    named: list[dict[tuple[str, Protocol], int] | None]
    host_network: list[bool]
    cluster_ip: list[bool]
    is_pod: list[bool]
    #: Per peer index (into ``peers``): bitset of the classes it matches.
    peer_bits: list[int]
    peers: list[CompiledPeer] = field(default_factory=list)
    peer_index: dict[CompiledPeer, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.egress_policies)


def _ip_int(text: str) -> tuple[int, int] | None:
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return None
    return a.version, int(a)


def _block_members(blocks: Sequence[CompiledIPBlock], members: Sequence[Member]) -> list[set[int]]:
    """For each member, the ipBlocks holding one of its addresses (trap 4: pods by IP;
    synthetic IPs never), via sorted IPs and bisection instead of pods × blocks."""
    out: list[set[int]] = [set() for _ in members]
    ips: list[tuple[int, int, int]] = []  # (version, int, member)
    for m, mem in enumerate(members):
        if mem.pod is None or mem.pod.synthetic_ip:
            continue
        for ip in mem.pod.ips:
            v = _ip_int(ip)
            if v is not None:
                ips.append((v[0], v[1], m))
    ips.sort()
    cidrs = [m for m, mem in enumerate(members) if mem.network is not None]
    for b, block in enumerate(blocks):
        net = block.network
        lo = (net.version, int(net.network_address), -1)
        hi = (net.version, int(net.broadcast_address), len(members))
        for i in range(bisect.bisect_left(ips, lo), bisect.bisect_right(ips, hi)):
            _, addr, m = ips[i]
            if block.contains_address(ipaddress.ip_address(addr)):
                out[m].add(b)
        for m in cidrs:
            net_m = members[m].network
            if net_m is not None and block.contains_network(net_m):
                out[m].add(b)
    return out


def build_classes(
    members: Sequence[Member],
    policies: Sequence[CompiledPolicy],
    ns_labels: dict[str, Labels],
) -> Classes:
    peer_index: dict[CompiledPeer, int] = {}
    for pol in policies:
        for rules in (pol.ingress, pol.egress):
            for r in rules:
                for cp in r.peers:
                    peer_index.setdefault(cp, len(peer_index))
    peers = list(peer_index)
    blocks: list[CompiledIPBlock] = []
    block_id: dict[CompiledIPBlock, int] = {}
    for cp in peers:
        if cp.ip_block is not None and cp.ip_block not in block_id:
            block_id[cp.ip_block] = len(blocks)
            blocks.append(cp.ip_block)
    in_blocks = _block_members(blocks, members)
    # Pass 1: fine classes by a cheap key.
    fine_of: list[int] = []
    fine_key: dict[object, int] = {}
    fine_rep: list[Member] = []
    for m, mem in enumerate(members):
        key = _fine_key(mem, in_blocks[m])
        idx = fine_key.setdefault(key, len(fine_rep))
        if idx == len(fine_rep):
            fine_rep.append(mem)
        fine_of.append(idx)
    fine_blocks = {fine_of[m]: in_blocks[m] for m in range(len(members))}
    # Which fine classes each peer and each policy selects.
    by_ns: dict[str, list[int]] = {}
    for f, mem in enumerate(fine_rep):
        if mem.pod is not None:
            by_ns.setdefault(mem.pod.namespace, []).append(f)
    block_fine: dict[int, list[int]] = {}
    for f, bl in fine_blocks.items():
        for b in bl:
            block_fine.setdefault(b, []).append(f)
    peer_fine = [
        _peer_matches(cp, fine_rep, by_ns, ns_labels, block_fine, block_id) for cp in peers
    ]
    eg_sel: list[list[int]] = [[] for _ in fine_rep]
    in_sel: list[list[int]] = [[] for _ in fine_rep]
    for p, pol in enumerate(policies):
        for f in by_ns.get(pol.namespace, ()):
            pod = fine_rep[f].pod
            assert pod is not None
            if pol.pod_selector.matches(pod.labels):
                if pol.isolates_egress:
                    eg_sel[f].append(p)
                if pol.isolates_ingress:
                    in_sel[f].append(p)
    matched_by: list[list[int]] = [[] for _ in fine_rep]
    for p, fl in enumerate(peer_fine):
        for f in fl:
            matched_by[f].append(p)
    cls = _coarsen(members, fine_of, fine_rep, eg_sel, in_sel, matched_by, peer_fine, peers)
    cls.peer_index = peer_index
    return cls


def _fine_key(mem: Member, blocks: set[int]) -> object:
    if mem.pod is None:
        return ("cidr", mem.text, frozenset(blocks), mem.cluster_ip_of)
    pod = mem.pod
    named = frozenset(
        (cp.name, cp.protocol, cp.container_port) for cp in pod.container_ports if cp.name
    )
    return ("pod", pod.namespace, pod.labels, named, frozenset(blocks), pod.host_network)


def _peer_matches(
    cp: CompiledPeer,
    reps: list[Member],
    by_ns: dict[str, list[int]],
    ns_labels: dict[str, Labels],
    block_fine: dict[int, list[int]],
    block_id: dict[CompiledIPBlock, int],
) -> list[int]:
    if cp.ip_block is not None:
        return block_fine.get(block_id[cp.ip_block], [])
    out: list[int] = []
    for ns, fl in by_ns.items():
        if not cp.namespace_matches(ns, ns_labels.get(ns, Labels())):
            continue
        for f in fl:
            pod = reps[f].pod
            assert pod is not None
            if cp.pod_matches(pod.labels):
                out.append(f)
    return out


def _coarsen(
    members: Sequence[Member],
    fine_of: list[int],
    reps: list[Member],
    eg_sel: list[list[int]],
    in_sel: list[list[int]],
    matched_by: list[list[int]],
    peer_fine: list[list[int]],
    peers: list[CompiledPeer],
) -> Classes:
    """Pass 2: merge fine classes with the same signature (what every rule can see)."""
    coarse_key: dict[object, int] = {}
    coarse_of_fine: list[int] = []
    cls = Classes(
        coarse=[],
        egress_policies=[],
        ingress_policies=[],
        named=[],
        host_network=[],
        cluster_ip=[],
        is_pod=[],
        peer_bits=[],
        peers=peers,
    )
    for f, mem in enumerate(reps):
        pod = mem.pod
        named = (
            {(cp.name, cp.protocol): cp.container_port for cp in pod.container_ports if cp.name}
            if pod is not None
            else None
        )
        host = bool(pod and pod.host_network)
        cip = bool(mem.cluster_ip_of)
        key = (
            tuple(eg_sel[f]),
            tuple(in_sel[f]),
            tuple(matched_by[f]),
            None if named is None else frozenset(named.items()),
            host,
            cip,
            pod is not None,
        )
        c = coarse_key.setdefault(key, len(cls.egress_policies))
        if c == len(cls.egress_policies):
            cls.egress_policies.append(tuple(eg_sel[f]))
            cls.ingress_policies.append(tuple(in_sel[f]))
            cls.named.append(named)
            cls.host_network.append(host)
            cls.cluster_ip.append(cip)
            cls.is_pod.append(pod is not None)
        coarse_of_fine.append(c)
    cls.coarse = [coarse_of_fine[f] for f in fine_of]
    for fl in peer_fine:
        bits = 0
        for f in fl:
            bits |= 1 << coarse_of_fine[f]
        cls.peer_bits.append(bits)
    return cls
