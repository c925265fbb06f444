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

from collections.abc import Hashable, Mapping, Sequence

from netdiag.cluster.calico import KUBE_ADMIN_TIER, KUBE_BASELINE_TIER, CalicoPolicy, CalicoTier
from netdiag.cluster.cilium import CiliumPolicy
from netdiag.cluster.cnikinds import CALICO, CILIUM, enforcing_cnis
from netdiag.cluster.model import ClusterSnapshot, Labels
from netdiag.policy import decision as cni
from netdiag.policy.calico import CalicoEngine, OrderedTier, order_tiers
from netdiag.policy.calico_knp import knp_as_calico
from netdiag.policy.cilium import CiliumEngine
from netdiag.policy.cilium_peer import PeerKind, Peers, node_addresses
from netdiag.policy.compile import CompiledIPBlock, parse_network
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.layers import LayerResult, NetworkPolicyLayer, PolicyLayer
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Decision, Direction

CALICO_LAYER = "calico"
CILIUM_LAYER = "cilium"


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

    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        pod = subject.pod
        return (
            pod is not None and not pod.host_network and bool(self.engine.selecting(pod, direction))
        )

    def decide(
        self, subject: Endpoint, peer: Endpoint, direction: Direction, undecided: PortSet
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
        pod = endpoint.pod
        return (pod.service_account,) if pod is not None else ()


class CiliumLayer:
    """Cilium policies and networking.k8s.io/v1 NetworkPolicies: one allow-list, deny wins.

    Cilium enforces both kinds together: a pod is in default deny when either
    isolates it, then what any allows passes unless a Cilium deny rule names it.
    Built per question around that direction's v1 verdict, like
    :class:`~netdiag.policy.layers.NetworkPolicyLayer`.
    """

    name = CILIUM_LAYER

    def __init__(self, engine: CiliumEngine, v1: NetworkPolicyLayer | None) -> None:
        self.engine = engine
        self.v1 = v1

    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        pod = subject.pod
        if pod is None or pod.host_network:
            return False
        return (self.v1 is not None and self.v1.isolated) or bool(
            self.engine.selecting(pod, direction)
        )

    def decide(
        self, subject: Endpoint, peer: Endpoint, direction: Direction, undecided: PortSet
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
        v1_isolated = self.v1 is not None and self.v1.isolated
        denied_by_rule = c.denied()
        decisions = [_decision(self.name, d) for d in c.decisions if d.rule and d.ports]
        if not (v1_isolated or c.isolated):
            return LayerResult(denied=denied_by_rule & undecided, decisions=tuple(decisions))
        allowed = c.rule_allowed
        if self.v1 is not None and v1_isolated:
            allowed = allowed | (self.v1.allowed & undecided)
            decisions += [
                d
                for d in self.v1.decide(subject, peer, direction, undecided).decisions
                if d.action != "Isolate"
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
        cidrs = [
            c.cidr
            for p in self.engine.specs
            for r in (*p.spec.ingress, *p.spec.ingress_deny, *p.spec.egress, *p.spec.egress_deny)
            for c in r.cidrs
        ]
        cidrs += list(self.engine.peers.node_ips) + sorted(self.engine.peers.apiserver_ips)
        return _blocks(cidrs)

    def signature(self, endpoint: Endpoint) -> Hashable:
        pod = endpoint.pod
        # Identity labels (service account) and host vs remote node (its node).
        return (pod.service_account, pod.node_name) if pod is not None else ()


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
    """Tiers up to ``kube-admin``, between it and ``kube-baseline``, and from ``kube-baseline``."""
    names = [t.tier.name for t in tiers]
    a = names.index(KUBE_ADMIN_TIER) + 1 if KUBE_ADMIN_TIER in names else 0
    b = names.index(KUBE_BASELINE_TIER) if KUBE_BASELINE_TIER in names else len(tiers)
    return tiers[:a], tiers[a:b], tiers[b:]


class CniLayers:
    """The Calico and Cilium layers of one snapshot, and where they go in the chain."""

    def __init__(self, snapshot: ClusterSnapshot, ns_labels: Mapping[str, Labels]) -> None:
        calico, tiers, cilium = collect(snapshot)
        enforced, assumed = enforcing_cnis(snapshot.cni.plugins)
        self.notes: tuple[str, ...] = ()
        self.calico: tuple[CalicoLayer, CalicoLayer, CalicoLayer] | None = None
        self.cilium: CiliumEngine | None = None
        if CALICO in enforced and calico:
            every = calico + [knp_as_calico(np) for np in snapshot.network_policies]
            ordered = order_tiers(tiers, every)
            before, middle, after = _split(ordered)
            self.calico = (
                CalicoLayer(CalicoEngine((), (), ns_labels, only=before)),
                CalicoLayer(CalicoEngine((), (), ns_labels, only=middle)),
                CalicoLayer(CalicoEngine((), (), ns_labels, only=after)),
            )
        if CILIUM in enforced and cilium:
            apiserver = frozenset(
                a
                for s in snapshot.endpoint_slices
                if (s.namespace, s.service_name) == ("default", "kubernetes")
                for ep in s.endpoints
                for a in ep.addresses
            )
            peers = Peers(node_addresses(snapshot.nodes), apiserver)
            self.cilium = CiliumEngine(cilium, ns_labels, peers)
        if assumed and (self.calico is not None or self.cilium is not None):
            self.notes = (
                "no CNI recognised in the snapshot: Calico and Cilium policies are both "
                "evaluated, as if the cluster enforced them",
            )

    @property
    def active(self) -> bool:
        return self.calico is not None or self.cilium is not None

    def chain(
        self, admin: PolicyLayer, v1: NetworkPolicyLayer, baseline: PolicyLayer
    ) -> tuple[PolicyLayer, ...]:
        if self.calico is not None:
            before, middle, after = self.calico
            # Calico holds the Kubernetes NetworkPolicies in its default tier.
            mid: list[PolicyLayer] = [middle]
            if self.cilium is not None:
                mid.append(CiliumLayer(self.cilium, None))
            return (before, admin, *mid, baseline, after)
        if self.cilium is not None:
            return (admin, CiliumLayer(self.cilium, v1), baseline)
        return (admin, v1, baseline)

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
            out += CiliumLayer(self.cilium, None).address_blocks()
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
