"""Evaluate and explain one connection: egress of the source AND ingress of the destination.

networking.k8s.io/v1 NetworkPolicy semantics (docs/architecture.md traps 1–9): a pod is
isolated in a direction only by policies of its own namespace that select it
and whose effective policyTypes name that direction; then a connection is
allowed if any rule of any of those policies allows it (rules and policies
OR, trap 2); a connection needs both the source's egress and the
destination's ingress.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import TYPE_CHECKING

from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.policy.cnilayers import CniLayers
from netdiag.policy.compile import (
    CompiledPeer,
    CompiledPolicy,
    CompiledRule,
    NamedPorts,
    compile_policies,
    named_ports_of,
)
from netdiag.policy.endpoints import Endpoint, cluster_ips, namespace_labels
from netdiag.policy.layers import NETWORKPOLICY, NetworkPolicyLayer, PolicyLayer, run_chain
from netdiag.policy.ports import ALL, EMPTY, PortSet
from netdiag.policy.tiers import tier_layers
from netdiag.policy.verdict import Decision, Direction, RuleMatch, RuleMiss, Side

if TYPE_CHECKING:
    from netdiag.dns.zone.upstream import UpstreamZone


from netdiag.cluster.model import Service, ServicePort
from netdiag.policy.endpoints import (
    backend_pods,
    pod_endpoint,
    resolve_endpoint,
    service_backends,
)
from netdiag.policy.verdict import (
    ConnectionVerdict,
    PathVerdict,
    Verdict,
    combine,
    summarise,
)


def open_side(
    direction: Direction, subject: str, query: PortSet, note: str, *, applicable: bool = True
) -> Side:
    """A side no policy isolates: every queried port is open, for ``note``'s reason."""
    return Side(
        direction=direction,
        subject=subject,
        applicable=applicable,
        isolated=False,
        ports=query,
        notes=(note,),
    )


class Evaluator:
    """Compiled policies and lookup tables for one snapshot; ask it many questions.

    One side (``selecting``, ``side``, ``peer_miss``): is the subject isolated in a
    direction, and which rules of which layers allow the peer on which ports. The
    connections (``pods``, ``connection``): both sides, Services after DNAT, the
    snapshot's notes.
    """

    def __init__(self, snapshot: ClusterSnapshot, upstream: UpstreamZone | None = None) -> None:
        """``upstream``: the external DNS zone ``domainNames`` peers resolve through."""
        self.snapshot = snapshot
        self.policies: tuple[CompiledPolicy, ...] = compile_policies(snapshot.network_policies)
        self.ns_labels: dict[str, Labels] = namespace_labels(snapshot)
        self.cluster_ips = cluster_ips(snapshot)
        self._by_ns: dict[str, list[CompiledPolicy]] = {}
        for pol in self.policies:
            self._by_ns.setdefault(pol.namespace, []).append(pol)
        #: The tier layers around NetworkPolicy v1 (empty without tiered policies).
        self.admin, self.baseline = tier_layers(snapshot, self.ns_labels, upstream)
        #: The layer chain in evaluation order; ``None`` marks where the
        #: NetworkPolicy v1 layer goes (built per question from its verdict).
        #: A CNI policy layer is inserted here at its place.
        self.chain: tuple[PolicyLayer | None, ...] = (self.admin, None, self.baseline)
        #: Calico / Cilium layers the detected CNI enforces take their places in it.
        self.cni = CniLayers(
            snapshot, self.ns_labels, self.v1_isolates, self.v1_side, upstream=upstream
        )
        if self.cni.active:
            self.chain = self.cni.chain(self.admin, self.baseline)

    # -- one side ---------------------------------------------------------------
    def selecting(self, pod: Pod, direction: Direction) -> list[CompiledPolicy]:
        """Policies of the pod's own namespace that select it in ``direction`` (trap 1)."""
        egress = direction is Direction.EGRESS
        return [
            p
            for p in self._by_ns.get(pod.namespace, ())
            if (p.isolates_egress if egress else p.isolates_ingress)
            and p.pod_selector.matches(pod.labels)
        ]

    def side(
        self, subject: Endpoint, peer: Endpoint, direction: Direction, query: PortSet = ALL
    ) -> Side:
        """One direction through the whole layer chain (admin → v1 → baseline → default)."""
        v1 = self.v1_side(subject, peer, direction, query)
        layer = NetworkPolicyLayer(
            isolated=v1.isolated,
            allowed=v1.ports,
            decisions=tuple(
                Decision(
                    layer=NETWORKPOLICY,
                    policy=m.policy,
                    kind="NetworkPolicy",
                    rule=f"{direction.value}[{m.rule}]",
                    action="Allow",
                    ports=m.ports,
                    detail=f"{m.peer_text}; {m.port_text}",
                )
                for m in v1.matches
            ),
        )
        if not any(lay is not None and lay.selects(subject, direction) for lay in self.chain):
            # NetworkPolicy v1 alone: the same side, with the chain's account of it.
            alone = run_chain((layer,), subject, peer, direction, query)
            return replace(v1, decisions=alone.decisions)
        layers = tuple(layer if lay is None else lay for lay in self.chain)
        chain = run_chain(layers, subject, peer, direction, query)
        tiered = tuple(
            p.name for lay in (self.admin, self.baseline) for p in lay.selecting(subject.pod)
        ) + self.cni.policies_selecting(subject, direction)
        reached_v1 = NETWORKPOLICY in chain.layers
        return replace(
            v1,
            isolated=bool(chain.layers),
            policies=tuple(dict.fromkeys((*tiered, *v1.policies))),
            ports=chain.allowed | chain.unknown,
            matches=v1.matches if reached_v1 else (),
            misses=(*chain.misses, *(v1.misses if reached_v1 else ())),
            unknown=v1.unknown or chain.unknown_reason,
            # "not isolated" is the v1 layer's view; the chain's decisions say the rest.
            notes=v1.notes if v1.isolated else (),
            decisions=chain.decisions,
        )

    def v1_isolates(self, pod: Pod, direction: Direction) -> bool:
        return bool(self.selecting(pod, direction))

    def hairpin_side(
        self, subject: Endpoint, peer: Endpoint, direction: Direction, query: PortSet = ALL
    ) -> Side:
        """A pod reaching itself through a Service IP: tiers apply (network-policy-api:
        only a pod reaching its *own IP* is exempt); NetworkPolicy v1 lets a pod reach
        itself, so where it isolates the pod it accepts."""
        note = "a pod can always connect to itself"
        if not any(lay is not None and lay.selects(subject, direction) for lay in self.chain):
            return open_side(direction, subject.text, query, note)
        assert subject.pod is not None
        v1_isolated = bool(self.selecting(subject.pod, direction))
        allow_self = Decision(
            layer=NETWORKPOLICY, kind="NetworkPolicy", action="Allow", ports=ALL, detail=note
        )
        layer = NetworkPolicyLayer(
            isolated=v1_isolated, allowed=ALL, decisions=(allow_self,) if v1_isolated else ()
        )
        chain = run_chain(
            tuple(layer if lay is None else lay for lay in self.chain),
            subject,
            peer,
            direction,
            query,
        )
        return Side(
            direction=direction,
            subject=subject.text,
            applicable=True,
            isolated=True,
            policies=tuple(
                p.name for lay in (self.admin, self.baseline) for p in lay.selecting(subject.pod)
            ),
            ports=chain.allowed | chain.unknown,
            misses=chain.misses,
            unknown=chain.unknown_reason,
            notes=("through a Service IP, a pod reaching itself is subject to the policy tiers",),
            decisions=chain.decisions,
        )

    def v1_side(
        self, subject: Endpoint, peer: Endpoint, direction: Direction, query: PortSet = ALL
    ) -> Side:
        """One direction under networking.k8s.io/v1 NetworkPolicies alone."""
        pod = subject.pod
        if pod is None:
            note = "not a pod: no NetworkPolicy applies to it"
            return open_side(direction, subject.text, query, note, applicable=False)
        policies = self.selecting(pod, direction)
        if not policies:
            note = f"not isolated for {direction.value} (no policy selects it)"
            return open_side(direction, subject.text, query, note)
        dst = peer if direction is Direction.EGRESS else subject
        named = named_ports_of(dst.pod) if dst.pod is not None else None
        matches, misses, ports = self._rules(policies, direction, peer, named, query)
        return Side(
            direction=direction,
            subject=subject.text,
            applicable=True,
            isolated=True,
            policies=tuple(p.key for p in policies),
            ports=ports,
            matches=matches,
            misses=misses,
            unknown=self._unknown(pod, peer, direction),
            notes=self._synthetic_notes(peer, policies, direction),
        )

    def _rules(
        self,
        policies: list[CompiledPolicy],
        direction: Direction,
        peer: Endpoint,
        named: NamedPorts | None,
        query: PortSet,
    ) -> tuple[tuple[RuleMatch, ...], tuple[RuleMiss, ...], PortSet]:
        """Every rule of the selecting policies against ``peer``: hits, misses, ports."""
        matches: list[RuleMatch] = []
        misses: list[RuleMiss] = []
        ports = EMPTY
        for pol in policies:
            rules = pol.egress if direction is Direction.EGRESS else pol.ingress
            for rule in rules:
                got = self._rule(pol, rule, peer, named, query, misses)
                if got is not None:
                    matches.append(got)
                    ports = ports | got.ports
            if not rules:
                misses.append(
                    RuleMiss(
                        policy=pol.key,
                        rule=-1,
                        peer=None,
                        score=100,
                        reason=f"{pol.key} has no {direction.value} rules: it only isolates",
                    )
                )
        return tuple(matches), tuple(misses), ports

    def _rule(
        self,
        pol: CompiledPolicy,
        rule: CompiledRule,
        peer: Endpoint,
        named: NamedPorts | None,
        query: PortSet,
        misses: list[RuleMiss],
    ) -> RuleMatch | None:
        hit: CompiledPeer | None = None
        if rule.peers:
            hit, peer_misses = self._first_peer(pol, rule, peer)
            if hit is None:
                misses.extend(peer_misses)
                return None
        ports = rule.port_set(named) & query
        peer_text = hit.describe() if hit is not None else "every peer"
        port_text = ", ".join(p.describe() for p in rule.ports) or "every port"
        if ports.is_empty:
            why = f"it matches {peer.text} but allows only {port_text}"
            if rule.has_named_ports:
                why += " (named ports resolve on the destination pod's container ports)"
            misses.append(
                RuleMiss(
                    policy=pol.key,
                    rule=rule.index,
                    peer=hit.index if hit else None,
                    reason=why,
                    score=0,
                )
            )
            return None
        return RuleMatch(
            policy=pol.key,
            rule=rule.index,
            peer=hit.index if hit else None,
            ports=ports,
            peer_text=peer_text,
            port_text=port_text,
        )

    def _first_peer(
        self, pol: CompiledPolicy, rule: CompiledRule, peer: Endpoint
    ) -> tuple[CompiledPeer | None, list[RuleMiss]]:
        """The rule's first peer entry matching ``peer``, and why the ones before missed."""
        peer_misses: list[RuleMiss] = []
        for cp in rule.peers:
            reason, score = self.peer_miss(cp, peer)
            if not reason:
                return cp, peer_misses
            peer_misses.append(
                RuleMiss(policy=pol.key, rule=rule.index, peer=cp.index, reason=reason, score=score)
            )
        return None, peer_misses

    def peer_miss(self, cp: CompiledPeer, peer: Endpoint) -> tuple[str, int]:
        """``("", 0)`` when the peer entry matches ``peer``; else the reason and a distance."""
        lead = f"peer {cp.index} allows {cp.describe()}"
        pod = peer.pod
        if cp.ip_block is not None:
            return self._ip_block_miss(cp, peer, lead)
        if pod is None:
            # NetworkPolicyPeer selectors select pods, never other addresses (trap 3).
            return f"{lead}; {peer.text} is not a pod", 50
        ns_labels = self.ns_labels.get(pod.namespace, Labels())
        if not cp.namespace_matches(pod.namespace, ns_labels):
            if cp.namespace_selector is None:
                return f"{lead}; {pod.key} is in namespace {pod.namespace}", 20
            why = "; ".join(cp.namespace_selector.mismatches(ns_labels))
            return f"{lead}; namespace {pod.namespace} does not match: {why}", 10
        if cp.pod_selector is not None and not cp.pod_selector.matches(pod.labels):
            why = "; ".join(cp.pod_selector.mismatches(pod.labels))
            return f"{lead}; {pod.key} does not match: {why}", len(
                cp.pod_selector.mismatches(pod.labels)
            )
        return "", 0

    def _ip_block_miss(self, cp: CompiledPeer, peer: Endpoint, lead: str) -> tuple[str, int]:
        block = cp.ip_block
        assert block is not None
        pod = peer.pod
        if pod is not None:
            if pod.synthetic_ip:
                # Trap 4: an invented IP is not an address anyone can match.
                return f"{lead}; {pod.key} has a synthetic IP, which no ipBlock matches", 40
            for ip in pod.ips:
                # Trap 4: ipBlock matches pod IPs by address (upstream e2e allows
                # egress to a pod through its /32).
                if block.contains_address(ipaddress.ip_address(ip)):
                    return "", 0
            shown = ", ".join(pod.ips) or "no IP"
            return f"{lead}; {pod.key} ({shown}) is outside it", 30
        assert peer.network is not None
        if block.contains_network(peer.network):
            return "", 0
        if peer.network.overlaps(block.network):
            return f"{lead}; {peer.text} is only partly inside it", 5
        return f"{lead}; {peer.text} is outside it", 30

    def _unknown(self, pod: Pod, peer: Endpoint, direction: Direction) -> str:
        """Trap 8: hostNetwork and ClusterIP cases are implementation-defined."""
        if pod.host_network:
            return f"{pod.key} uses hostNetwork: policy for it is implementation-defined"
        if peer.pod is not None and peer.pod.host_network:
            return (
                f"{peer.pod.key} uses hostNetwork: whether its traffic is seen as a pod or "
                "as its node is implementation-defined"
            )
        if peer.cluster_ip_of:
            return (
                f"{peer.text} is a ClusterIP of {peer.cluster_ip_of}: whether policy sees it "
                "before or after DNAT is implementation-defined"
            )
        return ""

    def _synthetic_notes(
        self, peer: Endpoint, policies: list[CompiledPolicy], direction: Direction
    ) -> tuple[str, ...]:
        if peer.pod is None or not peer.pod.synthetic_ip:
            return ()
        rules = [
            r for p in policies for r in (p.egress if direction is Direction.EGRESS else p.ingress)
        ]
        if any(cp.ip_block is not None for r in rules for cp in r.peers):
            return (f"{peer.pod.key} has a synthetic IP: ipBlocks never match it",)
        return ()

    # -- connections ------------------------------------------------------------
    def pods(
        self, src: Endpoint, dst: Endpoint, query: PortSet = ALL, via: str = ""
    ) -> PathVerdict:
        if src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key and via:
            # Through a Service IP: the policy tiers apply to a pod reaching itself.
            egress = self.hairpin_side(src, dst, Direction.EGRESS, query)
            ingress = self.hairpin_side(dst, src, Direction.INGRESS, query)
            verdict, ports = combine(egress, ingress)
            return PathVerdict(
                src=src.text,
                dst=dst.text,
                verdict=verdict,
                ports=ports,
                egress=egress,
                ingress=ingress,
                via=via,
            )
        if src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key:
            # Trap 8: a pod can always reach itself (NetworkPolicy does not apply to loopback).
            note = "a pod can always connect to itself"
            return PathVerdict(
                src=src.text,
                dst=dst.text,
                verdict=Verdict.ALLOWED,
                ports=query,
                egress=open_side(Direction.EGRESS, src.text, query, note),
                ingress=open_side(Direction.INGRESS, dst.text, query, note),
                via=via,
            )
        egress = self.side(src, dst, Direction.EGRESS, query)
        ingress = self.side(dst, src, Direction.INGRESS, query)
        verdict, ports = combine(egress, ingress)
        return PathVerdict(
            src=src.text,
            dst=dst.text,
            verdict=verdict,
            ports=ports,
            egress=egress,
            ingress=ingress,
            via=via,
        )

    def connection(
        self, src: Endpoint | Service, dst: Endpoint | Service, query: PortSet | None = None
    ) -> ConnectionVerdict:
        """Evaluate a connection; Services are judged per backend after DNAT (trap 7)."""
        notes = list(self.snapshot_notes())
        if isinstance(src, Service):
            src_eps = [pod_endpoint(p) for p in backend_pods(self.snapshot, src)]
            notes.append(f"source service {src.key}: judged from each backend pod")
        else:
            src_eps = [src]
        if isinstance(dst, Service):
            v = self._to_service(_text(src), src_eps, dst, query, notes)
        else:
            paths = tuple(self.pods(s, dst, query if query is not None else ALL) for s in src_eps)
            v = summarise(_text(src), dst.text, query, paths, notes)
        return replace(v, unevaluated=self.snapshot.unevaluated_layers)

    def _to_service(
        self,
        src_text: str,
        srcs: list[Endpoint],
        svc: Service,
        query: PortSet | None,
        notes: list[str],
    ) -> ConnectionVerdict:
        backends = service_backends(self.snapshot, svc, None)
        paths = []
        for src in srcs:
            for b in backends:
                sp = b.service_port
                if query is not None and not query.contains(sp.protocol, sp.port):
                    continue
                via = f"service {svc.key} port {sp.port}/{sp.protocol.value} → {b.pod.key}:"
                if b.target_port is None:
                    notes.append(
                        f"{b.pod.key} has no container port named {sp.target_port!r} "
                        f"({sp.protocol.value})"
                    )
                    continue
                via += str(b.target_port)
                path = self.pods(
                    src, pod_endpoint(b.pod), PortSet.of(sp.protocol, b.target_port), via
                )
                path = replace(path, service_port=PortSet.of(sp.protocol, sp.port))
                paths.append(self._clusterip_ipblock(path, src, svc, sp))
        if not backends:
            notes.append(f"service {svc.key} has no ready backends: connections fail")
        elif not paths:
            notes.append(f"service {svc.key} has no port matching {query}")
        return summarise(src_text, svc.key, query, tuple(paths), notes)

    def _clusterip_ipblock(
        self, path: PathVerdict, src: Endpoint, svc: Service, sp: ServicePort
    ) -> PathVerdict:
        """Trap 8: an egress ipBlock (or a ClusterNetworkPolicy ``networks`` peer) naming
        the ClusterIP may or may not see it (pre/post DNAT). Only when the two orderings
        disagree is the answer implementation-defined: pre-DNAT the policy sees the
        ClusterIP and the Service port, post-DNAT the backend pod and its targetPort
        (``path``)."""
        if src.pod is None or not path.egress.isolated or path.egress.unknown:
            return path
        for ip in svc.cluster_ips:
            address = ipaddress.ip_address(ip)
            named = self._blocks_naming(src, address)
            if not named:
                continue
            pre = self.side(
                src,
                Endpoint(text=ip, network=ipaddress.ip_network(ip)),
                Direction.EGRESS,
                PortSet.of(sp.protocol, sp.port),
            )
            if bool(pre.ports) == bool(path.egress.ports):
                continue  # both orderings give the same answer
            why = (
                f"{named} names ClusterIP {ip}: pre-DNAT the egress is "
                f"{'allowed' if pre.ports else 'denied'}, post-DNAT "
                f"{'allowed' if path.egress.ports else 'denied'}; which one "
                "applies is implementation-defined"
            )
            egress = replace(path.egress, unknown=why)
            verdict, ports = combine(egress, path.ingress)
            return replace(path, verdict=verdict, ports=ports, egress=egress)
        return path

    def _blocks_naming(
        self, src: Endpoint, address: ipaddress.IPv4Address | ipaddress.IPv6Address
    ) -> str:
        """The first egress address peer of ``src``'s policies holding ``address``, in words."""
        assert src.pod is not None
        for pol in self.selecting(src.pod, Direction.EGRESS):
            for rule in pol.egress:
                for cp in rule.peers:
                    if cp.ip_block is not None and cp.ip_block.contains_address(address):
                        return f"{pol.key} rule {rule.index} peer {cp.index} ({cp.ip_block})"
        for layer in (self.admin, self.baseline):
            for tp in layer.selecting(src.pod):
                for trule in tp.egress:
                    for peer in trule.peers:
                        if any(b.contains_address(address) for b in peer.blocks):
                            name = trule.name or f"egress[{trule.index}]"
                            return f"{tp.name} rule {name} ({peer.text})"
        return ""

    def snapshot_notes(self) -> tuple[str, ...]:
        """What about the snapshot itself qualifies every verdict (CNI, unreadable data)."""
        notes: list[str] = []
        cni = self.snapshot.cni
        if cni.enforces_network_policy is False:
            # Trap 9: e.g. Flannel alone implements no NetworkPolicy at all.
            names = ", ".join(cni.plugins) or "the CNI"
            notes.append(
                f"{names} does not enforce NetworkPolicy: in this cluster every connection "
                "is open; the verdict is what the policies say"
            )
        notes.extend(self.cni.notes)
        if self.snapshot.incomplete:
            # RBAC refused some reads (live clusters): missing policies could deny
            # what looks allowed here, missing pods could be isolated differently.
            notes.append(
                "the snapshot is incomplete (" + "; ".join(self.snapshot.incomplete) + "): "
                "verdicts may change once that data is readable"
            )
        return tuple(notes)


def _text(ep: Endpoint | Service) -> str:
    return ep.key if isinstance(ep, Service) else ep.text


def evaluate(
    snapshot: ClusterSnapshot,
    src: Endpoint | Service | str,
    dst: Endpoint | Service | str,
    port: PortSet | None = None,
) -> ConnectionVerdict:
    """Evaluate ``src → dst`` (endpoints or their text: ``ns/pod``, ``ns/svc``, IP, CIDR)."""
    ev = Evaluator(snapshot)
    s = resolve_endpoint(snapshot, src) if isinstance(src, str) else src
    d = resolve_endpoint(snapshot, dst) if isinstance(dst, str) else dst
    return ev.connection(s, d, port)
