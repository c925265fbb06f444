"""Judge observed connections against a snapshot, and group what it would deny.

Each address is mapped to what the snapshot knows at it: a pod (by IP, or by
the ``ns/pod`` the observer named when the IP is not in the snapshot), a
Service ClusterIP (judged after DNAT on every backend and its targetPort,
DESIGN trap 7), a node (hostNetwork traffic: implementation-defined, trap 8),
or an external address. An address inside a node's pod CIDR, or private
(RFC 1918, ULA, …) without being declared external, is *unknown*: reported,
never guessed. Pod-to-pod verdicts (Service backends included) are cell lookups
in the pod matrix's class table, memoised per class pair and port; the deciding
rules are evaluated only for the groups reported.
Pure: flows in, a :class:`Replay` out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from netdiag.cluster.meta import Protocol
from netdiag.cluster.model import ClusterSnapshot, Pod, Service
from netdiag.diff.reach import reason
from netdiag.policy.compile import Network, parse_network
from netdiag.policy.endpoints import Endpoint, pod_endpoint, service_backends
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
    #: The deciding policies and rules of the example (filled by :func:`explain`).
    why: str = ""
    flows: int = 0
    #: An observed pair (``src -> dst``) as the snapshot names it.
    example: tuple[str, str] = ("", "")
    where: tuple[Where, Where] = (("", ""), ("", ""))


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
#: Enum members looked up once (a class attribute access on an Enum is a descriptor call).
_DENIED = Verdict.DENIED
_VERDICT = {
    Verdict.ALLOWED: "allowed",
    Verdict.DENIED: "denied",
    Verdict.UNKNOWN: "implementation-defined",
}


class Judge:
    """Maps addresses and judges connections for one snapshot (memoised).

    Pod to pod (and pod to Service backend, after DNAT) is read from the pod
    matrix's class table (:meth:`Matrix.node_classes`): one lookup per flow, one
    evaluation per class pair and port at most. External addresses and ClusterIPs
    an ipBlock names (trap 8) go through the :class:`Evaluator`. The deciding rules
    are looked up only for the groups reported (:meth:`why`).
    """

    def __init__(self, snapshot: ClusterSnapshot, externals: Sequence[str] = ()) -> None:
        from netdiag.policy.matrix import Matrix

        self.snapshot = snapshot
        self.matrix = Matrix(snapshot, policy_cidrs=False)
        self.evaluator = self.matrix.evaluator
        cls, codes, cells = self.matrix.node_classes()
        self._cls, self._codes, self._cells = cls, codes, cells
        self.row = {n.id: i for i, n in enumerate(self.matrix.rows)}
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
        blocks = [
            cp.ip_block
            for pol in self.evaluator.policies
            for rule in pol.egress
            for cp in rule.peers
            if cp.ip_block is not None
        ]
        #: Services whose ClusterIP an egress ipBlock names: judged by the evaluator.
        self._named_cluster_ip = {
            s.key
            for s in snapshot.services
            for ip in s.cluster_ips
            if any(b.contains_address(ipaddress.ip_address(ip)) for b in blocks)
        }
        self._where: dict[tuple[str, str, str], Where] = {}
        self._verdicts: dict[tuple[object, ...], str] = {}
        self._backends: dict[
            tuple[str, str, int], tuple[list[tuple[int, int | None]], frozenset[int]]
        ] = {}
        self._why: dict[tuple[Where, Where, str, int], str] = {}
        self._workload: dict[Where, str] = {}
        self._rows: dict[tuple[str, str, int], frozenset[int]] = {}

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

    def _cell(self, i: int, j: int, protocol: Protocol, port: int) -> str:
        """Pod row ``i`` to pod row ``j`` on one port, from the class table."""
        if i == j:
            return "allowed"  # trap 8: a pod can always reach itself
        cell = self._cells[self._codes[self._cls[i]][self._cls[j]]]
        verdict = cell.verdict
        if verdict is _DENIED or not cell.ports.contains(protocol, port):
            return "denied"
        return _VERDICT[verdict]

    def verdict(self, src: Where, dst: Where, protocol: str, port: int) -> str:
        """``allowed``, ``denied`` or ``implementation-defined`` for one connection."""
        if src[0] == "pod" and dst[0] == "pod":
            i, j = self.row[src[1]], self.row[dst[1]]
            key: tuple[object, ...] = (self._cls[i], self._cls[j], i == j, protocol, port)
        elif src[0] == "pod" and dst[0] == "service" and dst[1] not in self._named_cluster_ip:
            i = self.row[src[1]]
            rows = self._rows.get((dst[1], protocol, port))
            if rows is None:
                rows = self._backends_of(dst[1], _PROTOCOLS[protocol], port)[1]
                self._rows[(dst[1], protocol, port)] = rows
            # A pod that is itself a backend reaches that backend: not its class's verdict.
            key = (self._cls[i], dst, protocol, port, i if i in rows else -1)
        else:
            key = (src, dst, protocol, port)
        hit = self._verdicts.get(key)
        if hit is None:
            hit = self._verdicts[key] = self._judge(src, dst, protocol, port)
        return hit

    def _judge(self, src: Where, dst: Where, protocol: str, port: int) -> str:
        if "node" in (src[0], dst[0]):
            # Trap 8: whether policies see hostNetwork traffic depends on the CNI.
            return "implementation-defined"
        if src[0] == "service":
            return "implementation-defined"  # a ClusterIP as a source address
        proto = _PROTOCOLS[protocol]
        if src[0] == "pod" and dst[0] == "pod":
            return self._cell(self.row[src[1]], self.row[dst[1]], proto, port)
        if src[0] == "pod" and dst[0] == "service" and dst[1] not in self._named_cluster_ip:
            return self._to_service(self.row[src[1]], dst[1], proto, port)
        v = self.evaluator.connection(
            self._endpoint(src), self._endpoint(dst), PortSet.of(proto, port)
        )
        return _VERDICT[v.verdict]

    def _to_service(self, i: int, svc: str, proto: Protocol, port: int) -> str:
        """Trap 7: after DNAT, on every backend and its targetPort; all must allow."""
        backends, _ = self._backends_of(svc, proto, port)
        # A backend without the named targetPort is in no EndpointSlice for that port
        # (the EndpointSlice controller skips it): traffic never lands there.
        seen = {self._cell(i, j, proto, t) for j, t in backends if t is not None}
        if not seen:
            return "denied"  # no backend serves that port: the connection fails
        for v in ("denied", "implementation-defined"):
            if v in seen:
                return v
        return "allowed"

    def _backends_of(
        self, svc: str, proto: Protocol, port: int
    ) -> tuple[list[tuple[int, int | None]], frozenset[int]]:
        """(backend row, targetPort) per backend of one Service port, and the rows."""
        key = (svc, proto.value, port)
        hit = self._backends.get(key)
        if hit is None:
            found = service_backends(self.snapshot, self.services_by_name[svc], (proto, port))
            pairs = [(self.row[b.pod.key], b.target_port) for b in found if b.pod.key in self.row]
            hit = self._backends[key] = (pairs, frozenset(j for j, _ in pairs))
        return hit

    def why(self, src: Where, dst: Where, protocol: str, port: int) -> str:
        """The deciding policies and rules of one connection (evaluated on demand)."""
        key = (src, dst, protocol, port)
        hit = self._why.get(key)
        if hit is None:
            if "node" in (src[0], dst[0]):
                hit = "hostNetwork (node) traffic: whether policies apply depends on the CNI"
            elif src[0] == "service":
                hit = "a ClusterIP as source address"
            else:
                v = self.evaluator.connection(
                    self._endpoint(src), self._endpoint(dst), PortSet.of(_PROTOCOLS[protocol], port)
                )
                hit = reason(v) if v.paths else "; ".join(v.notes) or _VERDICT[v.verdict]
            self._why[key] = hit
        return hit

    def workload(self, where: Where) -> str:
        hit = self._workload.get(where)
        if hit is None:
            hit = self._workload[where] = self._workload_of(where)
        return hit

    def _workload_of(self, where: Where) -> str:
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
    # Addresses seen before (the common case) by a plain dict lookup, not a call.
    seen = judge._where
    connections = allowed = 0
    try:
        for f in flows:
            connections += 1
            src = seen.get((f.src, f.src_pod, "")) or where(f.src, f.src_pod)
            dst = seen.get((f.dst, f.dst_pod, f.dst_service)) or where(
                f.dst, f.dst_pod, f.dst_service
            )
            if src[0] == "unknown" or dst[0] == "unknown":
                out.unknown_flows += 1
                _unknown(unknown, src, dst, f)
                continue
            v = verdict(src, dst, f.protocol, f.port)
            if v == "allowed":
                allowed += 1
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
                    example=(src[1], dst[1]),
                    where=(src, dst),
                )
            g.flows += 1
    finally:
        out.connections += connections
        out.allowed += allowed
    return out


def _unknown(unknown: dict[tuple[str, str], Unknown], src: Where, dst: Where, f: Flow) -> None:
    for side, w, ip in (("source", src, f.src), ("destination", dst, f.dst)):
        if w[0] == "unknown":
            u = unknown.get((side, ip))
            if u is None:
                u = unknown[(side, ip)] = Unknown(address=ip, side=side, why=w[1])
            u.flows += 1


def explain(judge: Judge, result: Replay, limit: int | None = None) -> None:
    """Fill ``why`` of the reported groups (the first ``limit`` per verdict, all if None)."""
    for groups in (result.denied, result.implementation_defined):
        for g in groups[:limit]:
            g.why = judge.why(g.where[0], g.where[1], g.protocol, g.port)
