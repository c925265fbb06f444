"""Judge observed connections against a snapshot, and group what it would deny.

Each address is mapped to what the snapshot knows at it: a pod (by IP, or by
the ``ns/pod`` the observer named when the IP is not in the snapshot), a
Service ClusterIP (judged after DNAT on every backend and its targetPort,
DESIGN trap 7), a node (hostNetwork traffic: implementation-defined, trap 8),
or an external address. An address inside a node's pod CIDR, or private
(RFC 1918, ULA, …) without being declared external, is *unknown*: reported,
never guessed. Verdicts are memoised per (source, destination, protocol,
port), so a million flows cost a few thousand evaluations.
Pure: flows in, a :class:`Replay` out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from netdiag.cluster.model import ClusterSnapshot, Pod, Protocol, Service
from netdiag.diff.reach import reason
from netdiag.policy.compile import Network, parse_network
from netdiag.policy.endpoints import Endpoint, pod_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Verdict
from netdiag.replay.flows import Flow

#: What an address is: ("pod", ns/name), ("service", ns/name), ("external", ip),
#: ("node", name) or ("unknown", why).
Where = tuple[str, str]


@dataclass(slots=True)
class Group:
    """Connections with the same source workload, destination, protocol, port and verdict."""

    source: str
    destination: str
    protocol: str
    port: int
    verdict: str
    why: str
    flows: int = 0
    #: An observed pair (``src -> dst``) as the snapshot names it.
    example: tuple[str, str] = ("", "")


@dataclass(slots=True)
class Unknown:
    address: str
    side: str  # "source" | "destination"
    why: str
    flows: int = 0


@dataclass(slots=True)
class Replay:
    """Counters and groups; :attr:`denied` is what makes ``replay`` exit 1."""

    connections: int = 0
    allowed: int = 0
    denied_flows: int = 0
    undefined_flows: int = 0
    unknown_flows: int = 0
    groups: dict[tuple[str, str, str, int, str], Group] = field(default_factory=dict)
    unknown: dict[tuple[str, str], Unknown] = field(default_factory=dict)

    def _sorted(self, verdict: str) -> list[Group]:
        found = [g for g in self.groups.values() if g.verdict == verdict]
        return sorted(found, key=lambda g: (-g.flows, g.source, g.destination, g.port))

    @property
    def denied(self) -> list[Group]:
        return self._sorted("denied")

    @property
    def implementation_defined(self) -> list[Group]:
        return self._sorted("implementation-defined")

    @property
    def unknowns(self) -> list[Unknown]:
        return sorted(self.unknown.values(), key=lambda u: (-u.flows, u.side, u.address))


_PROTOCOLS = {"TCP": Protocol.TCP, "UDP": Protocol.UDP, "SCTP": Protocol.SCTP}


class Judge:
    """Maps addresses and judges connections for one snapshot (memoised)."""

    def __init__(self, snapshot: ClusterSnapshot, externals: Sequence[str] = ()) -> None:
        self.snapshot = snapshot
        self.evaluator = Evaluator(snapshot)
        self.pods_by_ip: dict[str, Pod] = {}
        self.nodes_by_ip: dict[str, str] = {}
        for node in snapshot.nodes:
            for address in node.addresses:
                self.nodes_by_ip[address] = node.name
        for pod in snapshot.pods:
            for ip in pod.ips:
                if pod.host_network:
                    self.nodes_by_ip.setdefault(ip, pod.node_name or f"node of {pod.key}")
                elif not pod.synthetic_ip:
                    self.pods_by_ip[ip] = pod
        self.pods_by_name = {p.key: p for p in snapshot.pods if not p.host_network}
        self.services_by_ip = {ip: s for s in snapshot.services for ip in s.cluster_ips}
        self.services_by_name = {s.key: s for s in snapshot.services}
        self.pod_cidrs: list[Network] = [
            parse_network(c) for n in snapshot.nodes for c in n.pod_cidrs
        ]
        self.externals: list[Network] = [parse_network(c) for c in externals]
        self._where: dict[tuple[str, str, str], Where] = {}
        self._verdicts: dict[tuple[Where, Where, str, int], tuple[str, str, str]] = {}

    # -- addresses ---------------------------------------------------------------
    def where(self, ip: str, pod_hint: str = "", service_hint: str = "") -> Where:
        key = (ip, pod_hint, service_hint)
        hit = self._where.get(key)
        if hit is None:
            hit = self._where[key] = self._locate(ip, pod_hint, service_hint)
        return hit

    def _locate(self, ip: str, pod_hint: str, service_hint: str) -> Where:
        pod = self.pods_by_ip.get(ip)
        if pod is not None:
            return ("pod", pod.key)
        svc = self.services_by_ip.get(ip)
        if svc is not None:
            return ("service", svc.key)
        if ip in self.nodes_by_ip:
            return ("node", self.nodes_by_ip[ip])
        if pod_hint in self.pods_by_name:
            return ("pod", pod_hint)
        if service_hint in self.services_by_name:
            return ("service", service_hint)
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return ("unknown", "not an IP address")
        if any(addr in net for net in self.externals):
            return ("external", ip)
        if any(addr in net for net in self.pod_cidrs):
            return ("unknown", "in a node's pod CIDR but no pod in the snapshot has it")
        if not addr.is_global:
            return ("unknown", "a private address no pod, Service or node has (--external?)")
        return ("external", ip)

    # -- verdicts ----------------------------------------------------------------
    def _endpoint(self, where: Where) -> Endpoint | Service:
        kind, name = where
        if kind == "pod":
            return pod_endpoint(self.pods_by_name[name])
        if kind == "service":
            return self.services_by_name[name]
        return Endpoint(text=name, network=parse_network(name))

    def verdict(self, src: Where, dst: Where, protocol: str, port: int) -> tuple[str, str, str]:
        """(verdict, why, example destination) for one connection, memoised."""
        key = (src, dst, protocol, port)
        hit = self._verdicts.get(key)
        if hit is None:
            hit = self._verdicts[key] = self._judge(src, dst, protocol, port)
        return hit

    def _judge(self, src: Where, dst: Where, protocol: str, port: int) -> tuple[str, str, str]:
        if "node" in (src[0], dst[0]):
            # Trap 8: whether policies see hostNetwork traffic depends on the CNI.
            return ("implementation-defined", "hostNetwork (node) traffic", dst[1])
        if src[0] == "service":
            return ("implementation-defined", "a ClusterIP as source address", dst[1])
        query = PortSet.of(_PROTOCOLS[protocol], port)
        v = self.evaluator.connection(self._endpoint(src), self._endpoint(dst), query)
        verdict = {
            Verdict.ALLOWED: "allowed",
            Verdict.DENIED: "denied",
            Verdict.UNKNOWN: "implementation-defined",
        }[v.verdict]
        why = reason(v) if v.paths else "; ".join(v.notes) or verdict
        return verdict, why, dst[1]

    def workload(self, where: Where) -> str:
        kind, name = where
        if kind == "pod":
            pod = self.pods_by_name[name]
            return f"{pod.namespace}/{pod.owner.name}" if pod.owner else pod.key
        if kind == "service":
            return f"service {name}"
        return name if kind == "external" else f"{kind} {name}"


def replay(judge: Judge, flows: Iterable[Flow], into: Replay | None = None) -> Replay:
    """Judge every flow (streamed: only counters and groups are kept)."""
    out = into or Replay()
    where, verdict, workload = judge.where, judge.verdict, judge.workload
    groups, unknown = out.groups, out.unknown
    for f in flows:
        out.connections += 1
        src = where(f.src, f.src_pod)
        dst = where(f.dst, f.dst_pod, f.dst_service)
        if src[0] == "unknown" or dst[0] == "unknown":
            out.unknown_flows += 1
            for side, w, ip in (("source", src, f.src), ("destination", dst, f.dst)):
                if w[0] == "unknown":
                    u = unknown.get((side, ip))
                    if u is None:
                        u = unknown[(side, ip)] = Unknown(address=ip, side=side, why=w[1])
                    u.flows += 1
            continue
        v, why, _ = verdict(src, dst, f.protocol, f.port)
        if v == "allowed":
            out.allowed += 1
            continue
        if v == "denied":
            out.denied_flows += 1
        else:
            out.undefined_flows += 1
        key = (workload(src), workload(dst), f.protocol, f.port, v)
        g = groups.get(key)
        if g is None:
            g = groups[key] = Group(
                source=key[0],
                destination=key[1],
                protocol=f.protocol,
                port=f.port,
                verdict=v,
                why=why,
                example=(src[1], dst[1]),
            )
        g.flows += 1
    return out
