"""One side of a connection: is the subject pod isolated in a direction, and
which rules of the policies selecting it allow the peer, on which ports.

networking.k8s.io/v1 NetworkPolicy semantics (docs/architecture.md traps 1–4, 8). Pure.
The connections (both sides, Services, the snapshot's notes) are
:mod:`netdiag.policy.evaluate`'s.
"""

from __future__ import annotations

import ipaddress

from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.policy.compile import (
    CompiledPeer,
    CompiledPolicy,
    CompiledRule,
    NamedPorts,
    compile_policies,
    named_ports_of,
)
from netdiag.policy.endpoints import Endpoint, cluster_ips, namespace_labels
from netdiag.policy.ports import ALL, EMPTY, PortSet
from netdiag.policy.verdict import Direction, RuleMatch, RuleMiss, Side


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


class SideEvaluator:
    """Compiled policies and lookup tables for one snapshot; judges one side."""

    def __init__(self, snapshot: ClusterSnapshot) -> None:
        self.snapshot = snapshot
        self.policies: tuple[CompiledPolicy, ...] = compile_policies(snapshot.network_policies)
        self.ns_labels: dict[str, Labels] = namespace_labels(snapshot)
        self.cluster_ips = cluster_ips(snapshot)
        self._by_ns: dict[str, list[CompiledPolicy]] = {}
        for pol in self.policies:
            self._by_ns.setdefault(pol.namespace, []).append(pol)

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
