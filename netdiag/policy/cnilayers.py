"""Calico and Cilium policies as layers of the chain, placed as each CNI orders them. Pure.

Which layers apply follows the detected CNI (:func:`netdiag.cluster.cnikinds.enforcing_cnis`):
Calico objects on a Cilium cluster (and the reverse) are not enforced and are
reported as unevaluated; with no CNI recognised both are evaluated and every
answer says that was assumed.

Order (docs/policy.md, "Layers per CNI"):

* Calico runs every policy, Kubernetes NetworkPolicies included (``default``
  tier, order 1000), through its tiers. ClusterNetworkPolicies are Calico's
  built-in ``kube-admin`` (order 1000) and ``kube-baseline`` (order 10,000,000)
  tiers, so the chain is: tiers before ``kube-admin`` → admin → the tiers
  between (``default`` among them) → baseline → tiers after → default allow.
* Cilium enforces Kubernetes NetworkPolicies and its own policies as one
  allow-list in which deny rules win; that layer sits where NetworkPolicy does:
  admin → NetworkPolicy + Cilium → baseline → default allow.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

from netdiag.cluster.calico import (
    DEFAULT_TIER,
    KUBE_ADMIN_TIER,
    KUBE_BASELINE_TIER,
    CalicoPolicy,
    CalicoTier,
    EntityRule,
)
from netdiag.cluster.cilium import CiliumPolicy, CiliumRule, FQDNSelector
from netdiag.cluster.cnikinds import CALICO, CILIUM, enforcing_cnis
from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.cluster.selectors import LabelSelector
from netdiag.policy import decision as cni
from netdiag.policy.calico import CalicoEngine, OrderedTier, order_tiers
from netdiag.policy.calico_knp import knp_as_calico
from netdiag.policy.calico_match import entity_miss
from netdiag.policy.cilium import CiliumEngine, SelectedSpec
from netdiag.policy.cilium_peer import PeerKind, Peers, node_addresses
from netdiag.policy.compile import CompiledIPBlock, named_ports_of, parse_network
from netdiag.policy.domains import known_names, resolve_domains
from netdiag.policy.endpoints import Endpoint, backend_pods
from netdiag.policy.layers import LayerResult, PolicyLayer
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Decision, Direction, Side

if TYPE_CHECKING:
    from netdiag.dns.zone.upstream import UpstreamZone

CALICO_LAYER = "calico"
CILIUM_LAYER = "cilium"

#: The v1 engine, for the Cilium layer that judges NetworkPolicies with Cilium's.
V1Isolates = Callable[[Pod, Direction], bool]
V1Side = Callable[[Endpoint, Endpoint, Direction, PortSet], Side]


def _decision(layer: str, d: cni.Decision) -> Decision:
    detail = "; ".join(x for x in (f"tier {d.tier}" if d.tier else "", d.note) if x)
    return Decision(
        layer=layer,
        policy=d.policy,
        kind=d.kind,
        rule=d.rule,
        action=d.action,
        ports=d.ports,
        detail=detail,
    )


def _blocks(cidrs: Sequence[str]) -> tuple[CompiledIPBlock, ...]:
    out: dict[str, CompiledIPBlock] = {}
    for c in cidrs:
        text = c if "/" in c else c + ("/128" if ":" in c else "/32")
        out.setdefault(text, CompiledIPBlock(cidr=text, network=parse_network(text)))
    return tuple(out.values())


class CalicoLayer:
    """A run of Calico tiers (ends where the ClusterNetworkPolicy tiers sit)."""

    name = CALICO_LAYER

    def __init__(self, engine: CalicoEngine) -> None:
        self.engine = engine
        cidrs = [
            n
            for t in engine.tiers
            for p in t.policies
            for r in (*p.ingress, *p.egress)
            for er in (r.source, r.destination)
            for n in (*er.nets, *er.not_nets)
        ]
        self._blocks = _blocks(cidrs)
        #: Per profile (its policies) and direction: the numbers of its remote rules.
        self._remote: dict[tuple[Hashable, Direction], frozenset[int]] = {}
        #: Per direction and peer: the numbers of every rule of the layer it matches.
        self._peer_rules: dict[tuple[Direction, str], frozenset[int]] = {}
        self._index: dict[Direction, dict[tuple[int, int], int]] = {}
        self._by_index: dict[Direction, tuple[tuple[CalicoPolicy, EntityRule], ...]] = {}
        self._candidates: dict[Direction, tuple[list[int], dict[str, list[int]]]] = {}

    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        pod = subject.pod
        return (
            pod is not None and not pod.host_network and bool(self.engine.selecting(pod, direction))
        )

    def decide(
        self,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        undecided: PortSet,
        explain: bool = True,
    ) -> LayerResult:
        w = self.engine.walk(subject, peer, direction, undecided)
        return LayerResult(
            accepted=w.allowed,
            denied=w.denied,
            decisions=tuple(_decision(self.name, d) for d in w.decisions),
        )

    def address_blocks(self) -> Sequence[CompiledIPBlock]:
        return self._blocks

    def signature(self, endpoint: Endpoint) -> Hashable:
        return _identity(endpoint, self._blocks, named=False)

    def profile(self, subject: Endpoint, direction: Direction) -> Hashable:
        pod = subject.pod
        if pod is None or pod.host_network:
            return None
        selected = self.engine.selecting(pod, direction)
        if not selected:
            return None
        pols = tuple(p for _, ps in selected for p in ps)
        key = tuple(id(p) for p in pols)
        if (key, direction) not in self._remote:
            index = self._rule_index(direction)
            self._remote[(key, direction)] = frozenset(
                index[(id(p), id(er))] for p, er in _remote_rules(pols, direction)
            )
        # Rules read the subject too: their local side (``destination`` in ingress,
        # ``source`` in egress) and, in ingress, its named ports.
        egress = direction is Direction.EGRESS
        scope = self.engine.scope
        local = tuple(
            not entity_miss(scope, r.source if egress else r.destination, subject, p)
            for p in pols
            for r in (p.egress if egress else p.ingress)
        )
        named = None if egress else frozenset(named_ports_of(pod).items())
        return (key, local, named)

    def peer_key(self, profile: Hashable, peer: Endpoint, direction: Direction) -> Hashable:
        """Which of the profile's rules match ``peer`` (its remote side), and its named
        ports when it is the destination: all :meth:`decide` reads of the peer."""
        if profile is None:
            return None
        assert isinstance(profile, tuple)
        matched = self._peer_rules.get((direction, peer.text))
        if matched is None:
            # Once per peer: every rule of the layer that can match it (the profile's
            # rules are a subset). Selector rules of namespaced policies only see
            # pods of their namespace, so only those namespaces' rules are tried.
            self._rule_index(direction)
            others, by_ns = self._candidates[direction]
            pod = peer.pod
            tried = others + by_ns.get(pod.namespace, []) if pod is not None else others
            matched = frozenset(i for i in tried if self._matches(i, direction, peer))
            self._peer_rules[(direction, peer.text)] = matched
        named = None
        if direction is Direction.EGRESS and peer.pod is not None:
            named = frozenset(named_ports_of(peer.pod).items())
        return (matched & self._remote[(profile[0], direction)], named)

    def _rule_index(self, direction: Direction) -> dict[tuple[int, int], int]:
        """Every (policy, remote entity rule) of the layer in ``direction``, numbered."""
        index = self._index.get(direction)
        if index is None:
            pols = [p for t in self.engine.tiers for p in t.policies]
            rules = _remote_rules(pols, direction)
            index = self._index[direction] = {(id(p), id(er)): i for i, (p, er) in enumerate(rules)}
            self._by_index[direction] = rules
            others: list[int] = []
            by_ns: dict[str, list[int]] = {}
            for i, (p, er) in enumerate(rules):
                if _namespace_bound(p, er):
                    by_ns.setdefault(p.namespace, []).append(i)
                else:
                    others.append(i)
            self._candidates[direction] = (others, by_ns)
        return index

    def _matches(self, i: int, direction: Direction, peer: Endpoint) -> bool:
        pol, er = self._by_index[direction][i]
        return not entity_miss(self.engine.scope, er, peer, pol)


def _namespace_bound(pol: CalicoPolicy, er: EntityRule) -> bool:
    """True when only pods of the policy's namespace can match ``er``: a selector
    rule of a namespaced policy without ``namespaceSelector`` (selectors match pods only)."""
    return er.selector is not None and er.namespace_selector is None and not pol.global_


def _remote_rules(
    pols: Sequence[CalicoPolicy], direction: Direction
) -> tuple[tuple[CalicoPolicy, EntityRule], ...]:
    """The peer's side of every rule: ``source`` in ingress, ``destination`` in egress."""
    egress = direction is Direction.EGRESS
    return tuple(
        (p, r.destination if egress else r.source)
        for p in pols
        for r in (p.egress if egress else p.ingress)
    )


def _identity(
    ep: Endpoint, blocks: Sequence[CompiledIPBlock], named: bool, node: bool = False
) -> Hashable:
    """What a CNI layer reads of an endpoint: pod identity, named ports (when it is the
    destination), host network, which of the layer's address blocks hold it, and (for
    Cilium, when nodes can be peers) its node: host or remote node depends on it."""
    pod = ep.pod
    if pod is None:
        net = ep.network
        inside = tuple(
            i for i, b in enumerate(blocks) if net is not None and b.contains_network(net)
        )
        return ("address", ep.text, inside)
    ports = frozenset(named_ports_of(pod).items()) if named else None
    inside = ()
    if not pod.synthetic_ip:
        addrs = [ipaddress.ip_address(ip) for ip in pod.ips]
        inside = tuple(i for i, b in enumerate(blocks) if any(b.contains_address(a) for a in addrs))
    return (
        pod.namespace,
        pod.labels,
        pod.service_account,
        pod.node_name if node else "",
        pod.host_network,
        ports,
        inside,
    )


class CiliumLayer:
    """Cilium policies and networking.k8s.io/v1 NetworkPolicies: one allow-list, deny wins.

    Cilium enforces both kinds together: a pod is in default deny when either
    isolates it, then what any allows passes unless a Cilium deny rule names it.
    It takes the NetworkPolicy layer's place and asks the v1 engine itself
    (``v1_side``); without it (Calico also enforcing) it judges Cilium alone.
    """

    name = CILIUM_LAYER

    def __init__(
        self,
        engine: CiliumEngine,
        v1_isolates: V1Isolates | None = None,
        v1_side: V1Side | None = None,
    ) -> None:
        self.engine = engine
        self.v1_isolates = v1_isolates
        self.v1_side = v1_side
        cidrs = [
            c.cidr
            for p in engine.specs
            for r in (*p.spec.ingress, *p.spec.ingress_deny, *p.spec.egress, *p.spec.egress_deny)
            for c in r.cidrs
        ]
        cidrs += list(engine.peers.node_ips) + sorted(engine.peers.apiserver_ips)
        self._blocks = _blocks(cidrs)
        #: Whether an endpoint's node changes answers: only when nodes can be peers
        #: (host-network pods, Node addresses): the local host vs a remote node.
        self.nodes_matter = engine.peers.nodes_present
        self._rules: dict[tuple[Hashable, Direction], frozenset[int]] = {}
        self._peer_rules: dict[tuple[Direction, PeerKind, str], frozenset[int]] = {}
        self._index: dict[Direction, dict[int, int]] = {}
        self._by_index: dict[Direction, tuple[tuple[SelectedSpec, CiliumRule], ...]] = {}

    def _v1(self, pod: Pod, direction: Direction) -> bool:
        return self.v1_isolates is not None and self.v1_isolates(pod, direction)

    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        pod = subject.pod
        if pod is None or pod.host_network:
            return False
        return self._v1(pod, direction) or bool(self.engine.selecting(pod, direction))

    def decide(
        self,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        undecided: PortSet,
        explain: bool = True,
    ) -> LayerResult:
        pod = subject.pod
        assert pod is not None
        if direction is Direction.INGRESS and self.engine.peers.kind(peer, pod) is PeerKind.HOST:
            note = "the local host can always reach the pods on its node (allow-localhost)"
            return LayerResult(
                accepted=undecided,
                decisions=(
                    Decision(layer=self.name, action="Allow", ports=undecided, detail=note),
                ),
            )
        c = self.engine.side(subject, peer, direction, undecided)
        denied_by_rule = c.denied()
        decisions = [_decision(self.name, d) for d in c.decisions if d.rule and d.ports]
        v1 = None
        if self.v1_side is not None and self._v1(pod, direction):
            v1 = self.v1_side(subject, peer, direction, undecided)
        if v1 is None and not c.isolated:
            return LayerResult(denied=denied_by_rule & undecided, decisions=tuple(decisions))
        allowed = c.rule_allowed
        if v1 is not None:
            allowed = allowed | (v1.ports & undecided)
            decisions += [
                Decision(
                    layer=self.name,
                    policy=m.policy,
                    kind="NetworkPolicy",
                    rule=f"{direction.value}[{m.rule}]",
                    action="Allow",
                    ports=m.ports,
                    detail=f"{m.peer_text}; {m.port_text}",
                )
                for m in v1.matches
            ]
        accepted = (allowed - denied_by_rule) & undecided
        rest = undecided - accepted - denied_by_rule
        if rest:
            decisions.append(
                Decision(
                    layer=self.name,
                    action="Isolate",
                    ports=rest,
                    detail="default deny (a Cilium policy or a NetworkPolicy selects it) "
                    "and no rule allows these ports",
                )
            )
        return LayerResult(
            accepted=accepted, denied=undecided - accepted, decisions=tuple(decisions)
        )

    def address_blocks(self) -> Sequence[CompiledIPBlock]:
        return self._blocks

    def signature(self, endpoint: Endpoint) -> Hashable:
        # Identity labels (service account), host vs remote node (its node), blocks.
        return _identity(endpoint, self._blocks, named=False, node=self.nodes_matter)

    def profile(self, subject: Endpoint, direction: Direction) -> Hashable:
        pod = subject.pod
        if pod is None or not self.selects(subject, direction):
            return None
        specs = self.engine.selecting(pod, direction)
        key = tuple(id(s) for s in specs)
        egress = direction is Direction.EGRESS
        if (key, direction) not in self._rules:
            index = self._rule_index(direction)
            self._rules[(key, direction)] = frozenset(
                index[id(r)] for s in specs for r in _rules_of(s, direction) if r.has_peer
            )
        named = None if egress else frozenset(named_ports_of(pod).items())
        # The v1 part: whether it isolates; its ports are in the matrix's own memo key.
        return (key, named, pod.node_name if self.nodes_matter else "", self._v1(pod, direction))

    def peer_key(self, profile: Hashable, peer: Endpoint, direction: Direction) -> Hashable:
        """The peer's kind to the subject (pod, local host, remote node, world), which of
        the profile's rules match it, and its named ports when it is the destination."""
        if profile is None:
            return None
        assert isinstance(profile, tuple)
        key, _, node, _ = profile
        kind = self.engine.peers.kind_for_node(peer, node)
        matched = self._peer_rules.get((direction, kind, peer.text))
        if matched is None:
            # Once per peer (and kind): every rule of the layer; the profile's are a subset.
            notes: list[str] = []
            matched = frozenset(
                i
                for i, (s, r) in enumerate(self._by_index[direction])
                if self.engine.peer_matches(s, r, peer, kind, notes)
            )
            self._peer_rules[(direction, kind, peer.text)] = matched
        named = None
        if direction is Direction.EGRESS and peer.pod is not None:
            named = frozenset(named_ports_of(peer.pod).items())
        # v1 rules read the peer too; their answer is in the matrix's own memo key.
        return (kind, matched & self._rules[(key, direction)], named)

    def _rule_index(self, direction: Direction) -> dict[int, int]:
        index = self._index.get(direction)
        if index is None:
            rules = tuple(
                (s, r) for s in self.engine.specs for r in _rules_of(s, direction) if r.has_peer
            )
            self._by_index[direction] = rules
            index = self._index[direction] = {id(r): i for i, (_, r) in enumerate(rules)}
        return index


def _rules_of(s: SelectedSpec, direction: Direction) -> tuple[CiliumRule, ...]:
    spec = s.spec
    if direction is Direction.EGRESS:
        return (*spec.egress, *spec.egress_deny)
    return (*spec.ingress, *spec.ingress_deny)


def cilium_pattern_matches(pattern: str, name: str) -> bool:
    """Cilium ``matchPattern``: ``*`` alone matches every name; elsewhere it matches
    any characters of one label (Cilium docs, "DNS based" policy: ``*.cilium.io``
    matches ``sub.cilium.io``, not ``cilium.io`` nor ``a.b.cilium.io``)."""
    p = pattern.lower().rstrip(".")
    n = name.lower().rstrip(".")
    if p == "*":
        return True
    regex = "^" + "[-a-z0-9_]*".join(re.escape(part) for part in p.split("*")) + "$"
    return re.match(regex, n) is not None


def fqdn_resolver(
    snapshot: ClusterSnapshot, policies: Sequence[CiliumPolicy], upstream: UpstreamZone | None
) -> Callable[[FQDNSelector], frozenset[str] | None]:
    """Addresses the cluster DNS model answers for each ``toFQDNs`` selector
    (:mod:`netdiag.policy.domains`); ``None`` when it knows no such name."""
    selectors = {
        q
        for p in policies
        for spec in p.specs
        for r in (*spec.egress, *spec.egress_deny)
        for q in r.fqdns
    }
    if not selectors:
        return lambda _q: None
    known = known_names(snapshot, upstream)
    names: dict[FQDNSelector, list[str]] = {
        q: [q.match_name]
        if q.match_name
        else [n for n in known if cilium_pattern_matches(q.match_pattern, n)]
        for q in selectors
    }
    answers = resolve_domains(snapshot, {n for ns in names.values() for n in ns}, upstream)
    table = {
        q: frozenset(addr for n in ns for _, addr in answers.get(n, ())) for q, ns in names.items()
    }
    return lambda q: table.get(q) or None


def service_backends_of(
    snapshot: ClusterSnapshot,
) -> Callable[[str, str, LabelSelector | None], tuple[frozenset[str], frozenset[str]]]:
    """``toServices``: the backend pods and endpoint addresses of a Service named
    (``k8sService``) or selected by its labels (``k8sServiceSelector``) in a namespace."""

    def lookup(
        namespace: str, name: str, selector: LabelSelector | None
    ) -> tuple[frozenset[str], frozenset[str]]:
        services = [
            svc
            for svc in snapshot.services
            if svc.namespace == namespace
            and (svc.name == name if selector is None else selector.matches(svc.labels))
        ]
        pods = frozenset(p.key for svc in services for p in backend_pods(snapshot, svc))
        ips = frozenset(
            a
            for svc in services
            for sl in snapshot.slices_for(svc)
            for ep in sl.endpoints
            for a in ep.addresses
        )
        return pods, ips

    return lookup


def collect(
    snapshot: ClusterSnapshot,
) -> tuple[list[CalicoPolicy], list[CalicoTier], list[CiliumPolicy]]:
    calico: list[CalicoPolicy] = []
    tiers: list[CalicoTier] = []
    cilium: list[CiliumPolicy] = []
    for p in snapshot.foreign_policies:
        m = p.model
        if isinstance(m, CalicoPolicy):
            calico.append(m)
        elif isinstance(m, CalicoTier):
            tiers.append(m)
        elif isinstance(m, CiliumPolicy):
            cilium.append(m)
    return calico, tiers, cilium


def _split(tiers: tuple[OrderedTier, ...]) -> tuple[tuple[OrderedTier, ...], ...]:
    """Tiers up to ``kube-admin``; between it and ``default``; ``default``; between it
    and ``kube-baseline``; from ``kube-baseline`` on."""
    names = [t.tier.name for t in tiers]
    a = names.index(KUBE_ADMIN_TIER) + 1 if KUBE_ADMIN_TIER in names else 0
    b = names.index(KUBE_BASELINE_TIER) if KUBE_BASELINE_TIER in names else len(tiers)
    d = names.index(DEFAULT_TIER)
    return tiers[:a], tiers[a:d], tiers[d : d + 1], tiers[d + 1 : b], tiers[b:]


class DefaultTierLayer(CalicoLayer):
    """Calico's ``default`` tier, where the Kubernetes NetworkPolicies are.

    For a pod that no Calico policy of this tier selects, the tier is its
    Kubernetes NetworkPolicies alone, which decide exactly as networking.k8s.io/v1
    does (isolated pods: what some rule allows; the tier's implicit deny is v1's
    isolation): the v1 engine answers, without walking the converted rules.
    """

    def __init__(self, engine: CalicoEngine, v1_isolates: V1Isolates, v1_side: V1Side) -> None:
        super().__init__(engine)
        self.v1_isolates = v1_isolates
        self.v1_side = v1_side

    def _calico(self, pod: Pod, direction: Direction) -> bool:
        return any(not p.knp for _, ps in self.engine.selecting(pod, direction) for p in ps)

    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        pod = subject.pod
        if pod is None or pod.host_network:
            return False
        return self._calico(pod, direction) or self.v1_isolates(pod, direction)

    def decide(
        self,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        undecided: PortSet,
        explain: bool = True,
    ) -> LayerResult:
        pod = subject.pod
        assert pod is not None
        if self._calico(pod, direction):
            return super().decide(subject, peer, direction, undecided, explain)
        v1 = self.v1_side(subject, peer, direction, undecided)
        accepted = v1.ports & undecided
        decisions = [
            Decision(
                layer=self.name,
                policy=m.policy,
                kind="NetworkPolicy",
                rule=f"{direction.value}[{m.rule}]",
                action="Allow",
                ports=m.ports & undecided,
                detail=f"tier default; {m.peer_text}; {m.port_text}",
            )
            for m in v1.matches
            if m.ports & undecided
        ]
        if undecided - accepted:
            decisions.append(
                Decision(
                    layer=self.name,
                    kind="Tier",
                    policy=DEFAULT_TIER,
                    action="default deny",
                    ports=undecided - accepted,
                    detail="tier default; its NetworkPolicies select it but no rule matched",
                )
            )
        return LayerResult(
            accepted=accepted, denied=undecided - accepted, decisions=tuple(decisions)
        )

    def profile(self, subject: Endpoint, direction: Direction) -> Hashable:
        pod = subject.pod
        if pod is None or pod.host_network:
            return None
        if self._calico(pod, direction):
            return super().profile(subject, direction)
        # The v1 answer: its ports are in the matrix's own memo key.
        return ("v1",) if self.v1_isolates(pod, direction) else None

    def peer_key(self, profile: Hashable, peer: Endpoint, direction: Direction) -> Hashable:
        if profile == ("v1",):
            return ()
        return super().peer_key(profile, peer, direction)


class CniLayers:
    """The Calico and Cilium layers of one snapshot, and where they go in the chain."""

    def __init__(
        self,
        snapshot: ClusterSnapshot,
        ns_labels: Mapping[str, Labels],
        v1_isolates: V1Isolates | None = None,
        v1_side: V1Side | None = None,
        upstream: UpstreamZone | None = None,
    ) -> None:
        """``upstream``: the external DNS zone ``toFQDNs`` names resolve through."""
        self.v1_isolates = v1_isolates
        self.v1_side = v1_side
        calico, tiers, cilium = collect(snapshot)
        enforced, assumed = enforcing_cnis(snapshot.cni.plugins)
        self.notes: tuple[str, ...] = ()
        self.calico: tuple[CalicoLayer, ...] | None = None
        self.cilium: CiliumEngine | None = None
        if CALICO in enforced and calico:
            every = calico + [knp_as_calico(np) for np in snapshot.network_policies]
            ordered = order_tiers(tiers, every)
            before, pre, default_tier, post, after = _split(ordered)

            def engine(run: tuple[OrderedTier, ...]) -> CalicoEngine:
                return CalicoEngine((), (), ns_labels, only=run)

            default = engine(default_tier)
            self.calico = (
                CalicoLayer(engine(before)),
                CalicoLayer(engine(pre)),
                DefaultTierLayer(default, v1_isolates, v1_side)
                if v1_isolates is not None and v1_side is not None
                else CalicoLayer(default),
                CalicoLayer(engine(post)),
                CalicoLayer(engine(after)),
            )
        if CILIUM in enforced and cilium:
            apiserver = frozenset(
                a
                for s in snapshot.endpoint_slices
                if (s.namespace, s.service_name) == ("default", "kubernetes")
                for ep in s.endpoints
                for a in ep.addresses
            )
            peers = Peers(
                node_addresses(snapshot.nodes),
                apiserver,
                host_network_pods=any(p.host_network for p in snapshot.pods),
            )
            self.cilium = CiliumEngine(
                cilium,
                ns_labels,
                peers,
                fqdn=fqdn_resolver(snapshot, cilium, upstream),
                services=service_backends_of(snapshot),
            )
        if assumed and (self.calico is not None or self.cilium is not None):
            self.notes = (
                "no CNI recognised in the snapshot: Calico and Cilium policies are both "
                "evaluated, as if the cluster enforced them",
            )

    @property
    def active(self) -> bool:
        return self.calico is not None or self.cilium is not None

    def chain(self, admin: PolicyLayer, baseline: PolicyLayer) -> tuple[PolicyLayer | None, ...]:
        """The chain; ``None`` is the NetworkPolicy v1 layer's place (no Calico, no Cilium)."""
        if self.calico is not None:
            before, pre, default, post, after = self.calico
            # Calico holds the Kubernetes NetworkPolicies in its default tier.
            mid: list[PolicyLayer] = [pre, default, post]
            if self.cilium is not None:
                mid.append(CiliumLayer(self.cilium))
            return (before, admin, *mid, baseline, after)
        if self.cilium is not None:
            return (admin, CiliumLayer(self.cilium, self.v1_isolates, self.v1_side), baseline)
        return (admin, None, baseline)

    def extra_selects(self, subject: Endpoint, direction: Direction) -> bool:
        """True when a Calico policy (not a converted Kubernetes one) or a Cilium
        policy selects ``subject``: only then can the answer differ from v1's."""
        pod = subject.pod
        if pod is None or pod.host_network:
            return False
        if self.calico is not None and any(
            not p.knp
            for layer in self.calico
            for _, pols in layer.engine.selecting(pod, direction)
            for p in pols
        ):
            return True
        return self.cilium is not None and bool(self.cilium.selecting(pod, direction))

    def address_blocks(self) -> tuple[CompiledIPBlock, ...]:
        out: list[CompiledIPBlock] = []
        if self.calico is not None:
            for layer in self.calico:
                out += layer.address_blocks()
        if self.cilium is not None:
            out += CiliumLayer(self.cilium).address_blocks()
        return tuple(dict.fromkeys(out))

    def rule_cidrs(self) -> tuple[str, ...]:
        """CIDRs the Calico and Cilium rules name (matrix columns for outside addresses)."""
        out: list[str] = []
        if self.calico is not None:
            out += [b.cidr for layer in self.calico for b in layer.address_blocks()]
        if self.cilium is not None:
            for s in self.cilium.specs:
                for r in (
                    *s.spec.ingress,
                    *s.spec.ingress_deny,
                    *s.spec.egress,
                    *s.spec.egress_deny,
                ):
                    for c in r.cidrs:
                        out += [b.cidr for b in _blocks((c.cidr, *c.except_))]
        return tuple(dict.fromkeys(out))

    def signature(self, endpoint: Endpoint) -> Hashable:
        pod = endpoint.pod
        if pod is None or not self.active:
            return ()
        return (pod.service_account, pod.node_name if self.cilium is not None else "")

    def policies_selecting(self, subject: Endpoint, direction: Direction) -> tuple[str, ...]:
        pod = subject.pod
        if pod is None:
            return ()
        out: list[str] = []
        if self.calico is not None:
            for layer in self.calico:
                for _, pols in layer.engine.selecting(pod, direction):
                    out += [p.display_key if p.knp else f"{p.display_kind} {p.key}" for p in pols]
        if self.cilium is not None:
            out += [
                f"{s.policy.kind} {s.policy.key}" for s in self.cilium.selecting(pod, direction)
            ]
        return tuple(dict.fromkeys(out))
