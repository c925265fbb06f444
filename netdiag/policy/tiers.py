"""ClusterNetworkPolicy tiers (Admin, Baseline) as layers of the chain. Pure.

Compiled by :mod:`netdiag.policy.tiercompile`.

Semantics: kubernetes-sigs/network-policy-api ``apis/v1alpha2/clusternetworkpolicy_types.go``
and its conformance tests:

* each direction is judged on its own; inside a tier, the policies whose
  subject selects the pod, by ``priority`` (lower first); inside one policy,
  rules in written order; the first matching rule decides;
* ``Accept`` and ``Deny`` are final for the direction; ``Pass`` skips the rest
  of the tier (evaluation continues at the next layer);
* two policies with the same priority that both match with different actions:
  "the implementation can apply any of the matching policies" (Priority doc
  comment) — those ports are implementation-defined;
* subjects and ``namespaces``/``pods`` peers never include host-network pods;
  ``networks`` match pod IPs too; ``nodes`` match the nodes' ``status.addresses``
  (so host-network pods on them); ``domainNames`` match the addresses the cluster
  DNS model answers for the name (:mod:`netdiag.policy.domains`);
* a peer with no field fails closed: an Accept rule matches nothing through
  it, Deny and Pass match everything (ClusterNetworkPolicyEgressPeer doc comment).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

from netdiag.cluster.model import ClusterSnapshot, Labels, Pod
from netdiag.cluster.tiers import BANP_PRIORITY, Action, Tier
from netdiag.policy.compile import CompiledIPBlock, NamedPorts, named_ports_of
from netdiag.policy.domains import resolve_domains
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.layers import ADMIN, BASELINE, LayerResult
from netdiag.policy.ports import EMPTY, PortSet
from netdiag.policy.tiercompile import (
    CompiledTierPeer,
    CompiledTierPolicy,
    CompiledTierRule,
    compile_tier_policies,
    describe_match,
)
from netdiag.policy.verdict import Decision, Direction, RuleMiss

if TYPE_CHECKING:
    from netdiag.dns.upstream import UpstreamZone


class TierLayer:
    """One tier (Admin or Baseline) of ClusterNetworkPolicies, as a :class:`PolicyLayer`."""

    def __init__(
        self, tier: Tier, policies: Sequence[CompiledTierPolicy], ns_labels: Mapping[str, Labels]
    ) -> None:
        self.tier = tier
        self.name = ADMIN if tier is Tier.ADMIN else BASELINE
        self.policies = tuple(
            sorted(
                (p for p in policies if p.policy.tier is tier),
                key=lambda p: (p.priority, p.policy.kind, p.name),
            )
        )
        self.ns_labels = ns_labels
        self._blocks = tuple(
            b
            for p in self.policies
            for r in (*p.ingress, *p.egress)
            for peer in r.peers
            for b in peer.blocks
        )
        #: Distinct peer matchers of this tier (many rules share a peer).
        self._matchers: tuple[CompiledTierPeer, ...] = tuple(
            {
                peer.matcher: peer
                for p in self.policies
                for r in (*p.ingress, *p.egress)
                for peer in r.peers
                if not peer.unset
            }.values()
        )
        self._matcher_index = {cp.matcher: i for i, cp in enumerate(self._matchers)}
        #: id of every compiled peer -> its matcher's index (peers live as long as the layer).
        self._mid = {
            id(peer): self._matcher_index[peer.matcher]
            for p in self.policies
            for r in (*p.ingress, *p.egress)
            for peer in r.peers
            if not peer.unset
        }
        self._subject_memo: dict[tuple[str, Labels], tuple[CompiledTierPolicy, ...]] = {}
        self._selector_memo: dict[tuple[int, str, Labels], bool] = {}
        self._address_memo: dict[tuple[int, str], bool] = {}
        self._relevant: dict[tuple[tuple[int, ...], Direction], tuple[int, bool]] = {}
        self._bits_memo: dict[str, int] = {}
        self._decide_memo: dict[tuple[object, ...], LayerResult] = {}

    # -- PolicyLayer ----------------------------------------------------------------
    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        return any(p.rules(direction) for p in self.selecting(subject.pod))

    def address_blocks(self) -> Sequence[CompiledIPBlock]:
        return self._blocks

    def signature(self, endpoint: Endpoint) -> Hashable:
        """The policies selecting it as subject and the peer matchers matching it (bits)."""
        return (tuple(p.index for p in self.selecting(endpoint.pod)), self._bits(endpoint))

    def profile(self, subject: Endpoint, direction: Direction) -> Hashable:
        """What :meth:`decide` reads of the subject: the policies selecting it in
        ``direction`` (and, in ingress, its named ports when a rule names one);
        ``None`` when none does."""
        pols = tuple(p.index for p in self.selecting(subject.pod) if p.rules(direction))
        if not pols:
            return None
        mask, named_rules = self._relevant_for(pols, direction)
        named = None
        if named_rules and direction is Direction.INGRESS and subject.pod is not None:
            named = frozenset(named_ports_of(subject.pod).items())
        # The mask and flag follow from the policies; carried so peer_key needs no lookup.
        return (pols, named, mask, named_rules)

    def peer_key(self, profile: Hashable, peer: Endpoint, direction: Direction) -> Hashable:
        """What :meth:`decide` reads of ``peer`` for a subject of ``profile``."""
        if profile is None:
            return None
        assert isinstance(profile, tuple)
        _, _, mask, named_rules = profile
        named = None
        if named_rules and direction is Direction.EGRESS and peer.pod is not None:
            named = frozenset(named_ports_of(peer.pod).items())
        return (self._bits(peer) & mask, named)

    def _bits(self, peer: Endpoint) -> int:
        """Bit ``i`` set when matcher ``i`` matches ``peer``."""
        hit = self._bits_memo.get(peer.text)
        if hit is None:
            hit = 0
            for i, cp in enumerate(self._matchers):
                if self.peer_matches(cp, peer):
                    hit |= 1 << i
            self._bits_memo[peer.text] = hit
        return hit

    def _relevant_for(self, pols: tuple[int, ...], direction: Direction) -> tuple[int, bool]:
        """The matchers the rules of ``pols`` use in ``direction`` (a bit mask), and
        whether any rule names a port."""
        key = (pols, direction)
        hit = self._relevant.get(key)
        if hit is None:
            by_index = {p.index: p for p in self.policies}
            rules = [r for i in pols for r in by_index[i].rules(direction)]
            mask = 0
            for r in rules:
                for cp in r.peers:
                    if not cp.unset:
                        mask |= 1 << self._mid[id(cp)]
            named = any(port.named_port is not None for r in rules for port in r.ports)
            hit = self._relevant[key] = (mask, named)
        return hit

    def selecting(self, pod: Pod | None) -> tuple[CompiledTierPolicy, ...]:
        """Policies of this tier whose subject selects ``pod`` (never a host-network pod)."""
        if pod is None or pod.host_network or not self.policies:
            return ()
        key = (pod.namespace, pod.labels)
        hit = self._subject_memo.get(key)
        if hit is None:
            ns = self.ns_labels.get(pod.namespace, Labels())
            hit = tuple(
                p
                for p in self.policies
                if p.subject_namespaces.matches(ns)
                and (p.subject_pods is None or p.subject_pods.matches(pod.labels))
            )
            self._subject_memo[key] = hit
        return hit

    def decide(
        self,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        undecided: PortSet,
        explain: bool = True,
    ) -> LayerResult:
        if explain:
            return self._decide(subject, peer, direction, undecided, True)
        # Ports only (the matrix): equal profile and peer key, equal result.
        profile = self.profile(subject, direction)
        key = (direction, profile, self.peer_key(profile, peer, direction), undecided)
        hit = self._decide_memo.get(key)
        if hit is None:
            hit = self._decide_memo[key] = self._decide(subject, peer, direction, undecided, False)
        return hit

    def _decide(
        self,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        undecided: PortSet,
        explain: bool,
    ) -> LayerResult:
        dst = peer if direction is Direction.EGRESS else subject
        named = named_ports_of(dst.pod) if dst.pod is not None else None
        remaining = undecided
        accepted = denied = unknown = EMPTY
        reasons: list[str] = []
        decisions: list[Decision] = []
        misses: list[RuleMiss] = []
        for group in _by_priority(self.selecting(subject.pod), direction):
            if not remaining:
                break
            by_action: dict[Action, PortSet] = {}
            actors: dict[Action, list[str]] = {}
            for pol in group:
                got = self._policy(
                    pol, peer, direction, named, remaining, decisions if explain else None, misses
                )
                for action, ports in got.items():
                    by_action[action] = by_action.get(action, EMPTY) | ports
                    actors.setdefault(action, []).append(pol.name)
            conflict = EMPTY
            acts = list(by_action)
            for i, a in enumerate(acts):
                for b in acts[i + 1 :]:
                    clash = by_action[a] & by_action[b]
                    if clash:
                        conflict = conflict | clash
                        reasons.append(
                            ""
                            if not explain
                            else f"{self.name} tier: {', '.join(actors[a])} ({a.value}) and "
                            f"{', '.join(actors[b])} ({b.value}) share priority "
                            f"{group[0].priority} and both match {clash}: which applies is "
                            "implementation-defined"
                        )
            accepted = accepted | (by_action.get(Action.ACCEPT, EMPTY) - conflict)
            denied = denied | (by_action.get(Action.DENY, EMPTY) - conflict)
            unknown = unknown | conflict
            for ports in by_action.values():
                remaining = remaining - ports
        return LayerResult(
            accepted=accepted,
            denied=denied,
            unknown=unknown,
            unknown_reason="; ".join(reasons),
            decisions=tuple(decisions),
            misses=tuple(misses),
        )

    # -- one policy -----------------------------------------------------------------
    def _policy(
        self,
        pol: CompiledTierPolicy,
        peer: Endpoint,
        direction: Direction,
        named: NamedPorts | None,
        remaining: PortSet,
        decisions: list[Decision] | None,
        misses: list[RuleMiss],
    ) -> dict[Action, PortSet]:
        """First matching rule per port: the ports each action takes (Pass included).

        ``decisions is None``: only the ports are wanted (the matrix), no explanation.
        """
        out: dict[Action, PortSet] = {}
        left = remaining
        section = direction.value
        for rule in pol.rules(direction):
            if not left:
                break
            hit = self.rule_peer(rule, peer)
            if decisions is None:
                if hit is not None:
                    ports = rule.port_set(named) & left
                    if ports:
                        left = left - ports
                        out[rule.action] = out.get(rule.action, EMPTY) | ports
                continue
            where = f"{pol.name} rule {rule.name or f'{section}[{rule.index}]'}"
            if hit is None:
                reason = f"{where} ({rule.action.value}) is for " + "; ".join(
                    p.text for p in rule.peers
                )
                misses.append(
                    RuleMiss(policy=pol.name, rule=rule.index, peer=None, reason=reason, score=20)
                )
                continue
            ports = rule.port_set(named) & left
            if not ports:
                misses.append(
                    RuleMiss(
                        policy=pol.name,
                        rule=rule.index,
                        peer=hit.index,
                        reason=f"{where} ({rule.action.value}) matches {peer.text} but only on "
                        f"{rule.describe_ports()}",
                        score=0,
                    )
                )
                continue
            left = left - ports
            out[rule.action] = out.get(rule.action, EMPTY) | ports
            decisions.append(
                Decision(
                    layer=self.name,
                    policy=pol.name,
                    kind=pol.policy.kind,
                    priority=None if pol.priority == BANP_PRIORITY else pol.priority,
                    rule=rule.name or f"{section}[{rule.index}]",
                    action=rule.action.value,
                    ports=ports,
                    detail=describe_match(hit, peer, rule),
                )
            )
        return out

    def rule_peer(self, rule: CompiledTierRule, peer: Endpoint) -> CompiledTierPeer | None:
        """The rule's first peer matching ``peer``; fail-closed peers per the rule's action."""
        for cp in rule.peers:
            if cp.unset:
                if rule.action is not Action.ACCEPT:
                    return cp  # Deny/Pass with an unknown peer: deny everything
                continue
            if self.peer_matches(cp, peer):
                return cp
        return None

    def peer_matches(self, cp: CompiledTierPeer, peer: Endpoint) -> bool:
        pod = peer.pod
        if cp.by_address:
            akey = (self._mid[id(cp)], peer.text)
            got = self._address_memo.get(akey)
            if got is None:
                got = self._address_matches(cp, peer)
                self._address_memo[akey] = got
            return got
        # namespaces / pods peers: pods only, never host-network ones.
        if pod is None or pod.host_network:
            return False
        assert cp.namespace_selector is not None
        key = (self._mid[id(cp)], pod.namespace, pod.labels)
        hit = self._selector_memo.get(key)
        if hit is None:
            ns = self.ns_labels.get(pod.namespace, Labels())
            hit = cp.namespace_selector.matches(ns) and (
                cp.pod_selector is None or cp.pod_selector.matches(pod.labels)
            )
            self._selector_memo[key] = hit
        return hit

    @staticmethod
    def _address_matches(cp: CompiledTierPeer, peer: Endpoint) -> bool:
        pod = peer.pod
        if pod is not None:
            if pod.synthetic_ip:
                return False  # an invented address is not one anyone can match
            for ip in pod.ips:
                address = ipaddress.ip_address(ip)
                if any(b.contains_address(address) for b in cp.blocks):
                    return True
            return False
        net = peer.network
        return net is not None and any(b.contains_network(net) for b in cp.blocks)


def _by_priority(
    policies: Sequence[CompiledTierPolicy], direction: Direction
) -> list[list[CompiledTierPolicy]]:
    groups: list[list[CompiledTierPolicy]] = []
    for p in policies:
        if not p.rules(direction):
            continue  # "CNPs with no ingress rules do not affect ingress traffic"
        if groups and groups[-1][0].priority == p.priority:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def tier_layers(
    snapshot: ClusterSnapshot,
    ns_labels: Mapping[str, Labels],
    upstream: UpstreamZone | None = None,
) -> tuple[TierLayer, TierLayer]:
    """The Admin and Baseline layers of ``snapshot`` (either may hold no policy).

    ``domainNames`` resolve through the cluster DNS model over ``upstream``.
    """
    patterns = [
        name
        for pol in snapshot.cluster_network_policies
        for rule in pol.egress
        for peer in rule.peers
        for name in peer.domain_names or ()
    ]
    domains = resolve_domains(snapshot, patterns, upstream) if patterns else {}
    compiled = compile_tier_policies(snapshot, domains)
    return TierLayer(Tier.ADMIN, compiled, ns_labels), TierLayer(Tier.BASELINE, compiled, ns_labels)
