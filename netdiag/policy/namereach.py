"""Can a pod reach a DNS name? The resolver walk, the DNS path, then each address. Pure.

Three hops, each of which can be the blocker, judged in order:

1. **the walk**: the name is resolved exactly as the pod's resolver would
   (:func:`netdiag.dns.resolver.trace.trace_name`: its resolv.conf, search list, ndots,
   library); a name that does not resolve is the first blocker;
2. **DNS egress**: the pod must reach a nameserver it queries on UDP 53, and on
   TCP 53 where the walk needs it (a truncated reply repeated over TCP,
   ``use-vc``). The packet's destination is what answers it
   (:mod:`netdiag.dns.resolver.dnspath`): through the kube-dns Service's DNAT to the
   CoreDNS pods (both sides judged), or NodeLocal DNSCache on the node, which
   no pod selector matches — only an ipBlock covering its address (policy on
   pod-to-own-node traffic is implementation-defined: Calico and Cilium police
   it, kubernetes/kubernetes#70555, projectcalico/calico#3795);
3. **each address** the name returned: a Service ClusterIP judged per backend
   after DNAT, a pod IP, or an external address against ipBlocks.

The connection is allowed when every hop is: the client may use any of the
returned addresses, as traffic to a Service may land on any backend.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netdiag.cluster.meta import Protocol
from netdiag.cluster.model import ClusterSnapshot, Pod, Service
from netdiag.dns.resolver.dnspath import DnsServer, dns_server
from netdiag.dns.resolver.driver import Zone
from netdiag.dns.resolver.resolvconf import ResolvConf
from netdiag.dns.resolver.trace import Trace, trace_name
from netdiag.errors import InputError
from netdiag.policy.endpoints import Endpoint, backend_pods, pod_endpoint, resolve_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.memo import SnapshotMemo
from netdiag.policy.namereach_fix import dns_fix, is_ip, path_fix, target_ports
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import ConnectionVerdict, Direction, Verdict

#: CNIs reported to apply egress policy to a pod's traffic to its own node (the
#: NodeLocal DNSCache address): projectcalico/calico#3795 (Calico, Canal), Cilium
#: (the ``host`` entity must be allowed). Elsewhere the outcome is implementation-defined.
POLICES_HOST_TRAFFIC = frozenset({"calico", "canal", "cilium"})

evaluator_for = SnapshotMemo(Evaluator)


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsHop:
    """The pod's packets to one nameserver on one protocol."""

    server: DnsServer
    protocol: Protocol
    #: Why the walk sends this protocol (``every query``, ``use-vc``, a truncated reply…).
    needed_by: str
    verdict: Verdict
    connection: ConnectionVerdict
    #: Why the verdict is implementation-defined or what qualifies it.
    note: str = ""
    #: Set for the node cache's own forward to the cluster DNS: the address of
    #: the NodeLocal DNSCache this hop sits behind (the packets are the node's).
    behind: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressVerdict:
    """One address the name returned, and the connection to it."""

    address: str
    #: ``service`` | ``pod`` | ``external``.
    kind: str
    #: ``ns/service``, ``ns/pod`` or the address.
    target: str
    connection: ConnectionVerdict

    @property
    def verdict(self) -> Verdict:
        return self.connection.verdict


@dataclass(frozen=True, slots=True, kw_only=True)
class NameReach:
    src: str
    name: str
    query: PortSet | None
    trace: Trace
    dns: tuple[DnsHop, ...]
    dns_verdict: Verdict
    addresses: tuple[AddressVerdict, ...]
    verdict: Verdict
    #: The first hop that blocks (or is implementation-defined), ``""`` when allowed.
    blocker: str = ""
    #: Which hop that is: ``dns-udp``, ``dns-tcp``, ``dns-node`` (the node cache's
    #: forward to CoreDNS), ``name``, ``address`` (``""``: none).
    hop: str = ""
    #: The one change that would fix the blocker.
    fix: str = ""
    #: The same change as a NetworkPolicy rule (YAML), when it is one.
    fix_yaml: str = ""
    notes: tuple[str, ...] = ()


def _src_pod(snapshot: ClusterSnapshot, src: Pod | str) -> Pod:
    if isinstance(src, Pod):
        return src
    found = resolve_endpoint(snapshot, src)
    if isinstance(found, Service) or found.pod is None:
        raise InputError(
            f"SRC {src!r}: reach by name needs a pod as source (its resolver does the lookup)",
            hint="give SRC as NAMESPACE/POD",
        )
    return found.pod


def reach_name(
    snapshot: ClusterSnapshot,
    src: Pod | str,
    name: str,
    query: PortSet | None = None,
    *,
    resolver: str = "glibc",
    family: str = "unspec",
    resolv_conf: ResolvConf | None = None,
    zone: Zone | None = None,
    evaluator: Evaluator | None = None,
) -> NameReach:
    """Resolve ``name`` as ``src`` would, then judge the DNS path and every address."""
    pod = _src_pod(snapshot, src)
    ev = evaluator if evaluator is not None else evaluator_for(snapshot)
    trace = trace_name(
        snapshot,
        name,
        pod=pod,
        resolver=resolver,
        family=family,
        resolv_conf=resolv_conf,
        zone=zone,
    )
    src_ep = pod_endpoint(pod)
    hops = tuple(_dns_hops(snapshot, ev, src_ep, trace))
    dns_verdict, dns_notes = _dns_verdict(trace, hops)
    addresses = tuple(_addresses(snapshot, ev, src_ep, trace, query))
    verdict, hop, blocker, fix, fix_yaml = _overall(
        snapshot, pod, trace, hops, dns_verdict, addresses, query
    )
    notes = (*dns_notes, *ev.snapshot_notes())
    return NameReach(
        src=pod.key,
        name=name,
        query=query,
        trace=trace,
        dns=hops,
        dns_verdict=dns_verdict,
        addresses=addresses,
        verdict=verdict,
        blocker=blocker,
        hop=hop,
        fix=fix,
        fix_yaml=fix_yaml,
        notes=tuple(dict.fromkeys(notes)),
    )


# -- DNS egress ---------------------------------------------------------------


def needed_protocols(trace: Trace) -> list[tuple[Protocol, str]]:
    """The transports the walk used, each with the reason (in first-use order)."""
    out: dict[Protocol, str] = {}
    for q in trace.queries:
        if not q.tcp:
            out.setdefault(Protocol.UDP, "every query")
        elif trace.resolv_conf.has("use-vc"):
            out.setdefault(Protocol.TCP, "every query (options use-vc)")
        else:
            out.setdefault(Protocol.TCP, f"the truncated reply to {q.name} {q.type}, over TCP")
    return list(out.items())


def _dns_hops(
    snapshot: ClusterSnapshot, ev: Evaluator, src: Endpoint, trace: Trace
) -> list[DnsHop]:
    hops: list[DnsHop] = []
    protocols = needed_protocols(trace)
    for address in trace.nameservers:
        server = dns_server(snapshot, address)
        for proto, why in protocols:
            hops.append(_dns_hop(snapshot, ev, src, server, proto, why))
        if server.nodelocal is not None and protocols:
            upstream = _cache_forward(snapshot, ev, src, server, trace)
            if upstream is not None:
                hops.append(upstream)
    return hops


def _cache_forward(
    snapshot: ClusterSnapshot, ev: Evaluator, src: Endpoint, server: DnsServer, trace: Trace
) -> DnsHop | None:
    """The node cache's forward of the walk's cluster names to the cluster DNS.

    The packets come from the node (hostNetwork), so only the CoreDNS pods'
    ingress policies can refuse them, and whether policy applies to traffic
    from a node is implementation-defined: a refusal is reported as ``unknown``.
    """
    nl = server.nodelocal
    assert nl is not None
    asked = [q.name for q in trace.queries]
    name = trace.winner or (asked[-1] if asked else "")
    zone = nl.zone_for(name)
    if zone is None:
        return None
    svc = next((s for s in snapshot.services for ip in zone.forward if ip in s.cluster_ips), None)
    if svc is None:
        return None  # forwarded outside the cluster (the node's resolv.conf)
    proto = Protocol.TCP if zone.force_tcp else Protocol.UDP
    node_ip = _node_ip(snapshot, src.pod)
    if not node_ip and not any(
        ev.selecting(b, Direction.INGRESS) for b in backend_pods(snapshot, svc)
    ):
        return None  # nothing can refuse it, whatever the node's address
    node = Endpoint(
        text=f"node {src.pod.node_name if src.pod else '?'} ({node_ip or 'address unknown'})",
        # Unknown address: "any address" (only an ipBlock of 0.0.0.0/0 covers it).
        network=ipaddress.ip_network(node_ip or "0.0.0.0/0"),
    )
    cv = ev.connection(node, svc, PortSet.of(proto, 53))
    verdict, note = cv.verdict, ""
    # With the address unknown, "allowed" means allowed for any address (a
    # rule without peers, or 0.0.0.0/0); "denied" may be a narrower ipBlock's miss.
    if verdict is Verdict.DENIED:
        verdict = Verdict.UNKNOWN
        note = (
            "the CoreDNS pods' ingress policy does not allow the node; whether policy "
            "applies to traffic from a node is implementation-defined"
            if node_ip
            else "the node's address is not in the snapshot and the CoreDNS pods are "
            "ingress-isolated: whether their policy lets the node cache in is unknown"
        )
    how = "force_tcp" if zone.force_tcp else "UDP"
    return DnsHop(
        server=DnsServer(address=svc.cluster_ips[0], kind="service", service=svc),
        protocol=proto,
        needed_by=f"NodeLocal DNSCache forwards {zone.zone} ({how}) from the node",
        verdict=verdict,
        connection=cv,
        note=note,
        behind=server.address,
    )


def _node_ip(snapshot: ClusterSnapshot, pod: Pod | None) -> str:
    if pod is None:
        return ""
    for node in snapshot.nodes:
        if node.name == pod.node_name:
            for address in node.addresses:
                if is_ip(address):
                    return address
    return ""


def _dns_hop(
    snapshot: ClusterSnapshot,
    ev: Evaluator,
    src: Endpoint,
    server: DnsServer,
    proto: Protocol,
    why: str,
) -> DnsHop:
    query = PortSet.of(proto, 53)
    note = ""
    if server.kind == "nodelocal":
        dst = Endpoint(
            text=f"{server.address} (NodeLocal DNSCache)",
            network=ipaddress.ip_network(server.address),
        )
        cv = ev.connection(src, dst, query)
        verdict = cv.verdict
        if verdict is Verdict.DENIED and not _polices_host_traffic(snapshot):
            verdict = Verdict.UNKNOWN
            note = (
                "the destination is a hostNetwork process on the pod's own node: whether "
                "egress policy applies to it is implementation-defined for this CNI"
            )
    elif server.service is not None:
        cv = ev.connection(src, server.service, query)
        verdict = cv.verdict
    else:
        cv = ev.connection(src, resolve_endpoint(snapshot, server.address), query)
        verdict = cv.verdict
    return DnsHop(
        server=server, protocol=proto, needed_by=why, verdict=verdict, connection=cv, note=note
    )


def _polices_host_traffic(snapshot: ClusterSnapshot) -> bool:
    return any(p in POLICES_HOST_TRAFFIC for p in snapshot.cni.plugins)


def _dns_verdict(trace: Trace, hops: tuple[DnsHop, ...]) -> tuple[Verdict, tuple[str, ...]]:
    """The walk works when some nameserver is reachable on every protocol it needs;
    the resolver gets there after the unreachable ones time out."""
    if not trace.queries:
        return Verdict.ALLOWED, ("no DNS query is sent for this name",)
    by_server: dict[str, list[DnsHop]] = {}
    for h in hops:
        by_server.setdefault(h.behind or h.server.address, []).append(h)
    results = {a: _worst(h.verdict for h in group) for a, group in by_server.items()}
    notes: list[str] = []
    first_ok = next((a for a, v in results.items() if v is Verdict.ALLOWED), None)
    if first_ok is not None:
        dropped = list(results)[: list(results).index(first_ok)]
        if dropped and trace.resolver == "musl":
            # res_msend asks every nameserver at once and takes the first answer.
            notes.append(f"queries to {', '.join(dropped)} are dropped; {first_ok} answers")
        elif dropped:
            notes.append(
                f"queries to {', '.join(dropped)} are dropped: each lookup waits for "
                f"them to time out before {first_ok} answers"
            )
        return Verdict.ALLOWED, tuple(notes)
    if Verdict.UNKNOWN in results.values():
        return Verdict.UNKNOWN, ()
    return Verdict.DENIED, ()


def _worst(verdicts: Iterable[Verdict]) -> Verdict:
    seen = set(verdicts)
    if Verdict.DENIED in seen:
        return Verdict.DENIED
    return Verdict.UNKNOWN if Verdict.UNKNOWN in seen else Verdict.ALLOWED


# -- addresses ------------------------------------------------------------------


def _addresses(
    snapshot: ClusterSnapshot,
    ev: Evaluator,
    src: Endpoint,
    trace: Trace,
    query: PortSet | None,
) -> list[AddressVerdict]:
    out: list[AddressVerdict] = []
    seen: set[str] = set()
    for r in trace.result.records if trace.resolved else ():
        if r.type not in ("A", "AAAA") or r.data in seen:
            continue
        seen.add(r.data)
        kind, target, dst = _address_target(snapshot, r.data)
        out.append(
            AddressVerdict(
                address=r.data,
                kind=kind,
                target=target,
                connection=ev.connection(src, dst, query),
            )
        )
    return out


def _address_target(snapshot: ClusterSnapshot, address: str) -> tuple[str, str, Endpoint | Service]:
    """A pod IP (synthetic ones too: selectors still match them), a ClusterIP, or outside."""
    for pod in snapshot.pods:
        if address in pod.ips and not pod.host_network:
            return "pod", pod.key, pod_endpoint(pod)
    found = resolve_endpoint(snapshot, address)
    if isinstance(found, Service):
        return "service", found.key, found
    return "external", address, found


# -- the answer -------------------------------------------------------------------


def _overall(
    snapshot: ClusterSnapshot,
    pod: Pod,
    trace: Trace,
    hops: tuple[DnsHop, ...],
    dns_verdict: Verdict,
    addresses: tuple[AddressVerdict, ...],
    query: PortSet | None,
) -> tuple[Verdict, str, str, str, str]:
    if dns_verdict is not Verdict.ALLOWED:
        hop = next(h for h in hops if h.verdict is dns_verdict)
        what = f"DNS: {hop.protocol.value} 53 to {hop.server.address} ({hop.server.text})"
        if hop.behind:
            what = f"DNS: NodeLocal DNSCache {hop.behind} → {what[5:]}"
        fix, yaml = dns_fix(
            snapshot,
            pod,
            server=hop.server,
            protocol=hop.protocol,
            behind=hop.behind,
            verdict=hop.verdict,
            connection=hop.connection,
        )
        kind = "dns-node" if hop.behind else f"dns-{hop.protocol.value.lower()}"
        return dns_verdict, kind, what, fix, yaml
    if not trace.resolved:
        error = trace.result.error or "no answer"
        return (
            Verdict.DENIED,
            "name",
            f"name: {trace.name} does not resolve from {pod.key} ({error})",
            "use a name that resolves from this pod (see `netdiag resolve`)",
            "",
        )
    if not addresses:
        return Verdict.DENIED, "name", f"name: {trace.name} resolved to no address", "", ""
    for wanted in (Verdict.DENIED, Verdict.UNKNOWN):
        bad = next((a for a in addresses if a.verdict is wanted), None)
        if bad is not None:
            what = f"address {bad.address} ({bad.kind} {bad.target})"
            path = next((p for p in bad.connection.paths if p.verdict is wanted), None)
            if path is None:
                return wanted, "address", what + ": " + "; ".join(bad.connection.notes), "", ""
            external = tuple(
                a.address for a in addresses if a.kind == "external" and a.verdict is wanted
            )
            also = external if bad.kind == "external" else ()
            fix, yaml = path_fix(snapshot, pod, path, target_ports(path, query), also)
            side = (
                path.egress if path.egress.ports.is_empty or path.egress.unknown else path.ingress
            )
            where = f"{what}: {side.direction.value} of {side.subject}"
            return wanted, "address", where, fix, yaml
    return Verdict.ALLOWED, "", "", "", ""


__all__ = [
    "AddressVerdict",
    "DnsHop",
    "NameReach",
    "POLICES_HOST_TRAFFIC",
    "needed_protocols",
    "reach_name",
]
