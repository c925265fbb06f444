"""The policy layer chain: which layer decides each port of one direction of a connection.

A direction (the source's egress, or the destination's ingress) is judged by
an ordered chain of layers. Each layer sees the ports no earlier layer has
decided (``undecided``) and returns which of them it accepts, denies, or
leaves implementation-defined; the rest goes on to the next layer. Ports no
layer decides are allowed (Kubernetes' default: every pod reaches every pod).

The chain netdiag builds (:func:`netdiag.policy.tiers.tier_chain`)::

    admin (ClusterNetworkPolicy tier Admin, AdminNetworkPolicy, by priority)
      → networkpolicy (networking.k8s.io/v1: final for the pods it isolates)
      → baseline (ClusterNetworkPolicy tier Baseline, BaselineAdminNetworkPolicy)
      → default (allow)

Adding a layer (a CNI's own policy kind) means writing one class that follows
:class:`PolicyLayer` and putting it at its place in the chain; both
``reach`` (one endpoint pair) and ``matrix`` (equivalence classes) then use it.
docs/policy.md describes the contract for layer authors. Pure.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol

from netdiag.policy.compile import CompiledIPBlock
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.ports import EMPTY, PortSet
from netdiag.policy.verdict import Decision, Direction, RuleMiss

#: Layer names of the chain netdiag builds (a CNI layer uses its kind).
ADMIN = "admin"
NETWORKPOLICY = "networkpolicy"
BASELINE = "baseline"
DEFAULT = "default"


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerResult:
    """What one layer did with the ports it was given.

    ``accepted``, ``denied`` and ``unknown`` are disjoint subsets of the
    ``undecided`` ports the layer received; the other ports go on to the next layer.
    """

    accepted: PortSet = EMPTY
    denied: PortSet = EMPTY
    #: Implementation-defined ports (e.g. two same-priority policies disagree).
    unknown: PortSet = EMPTY
    unknown_reason: str = ""
    decisions: tuple[Decision, ...] = ()
    #: Rules that did not match, and why (for the nearest-miss explanation).
    misses: tuple[RuleMiss, ...] = ()


class PolicyLayer(Protocol):
    """One layer of the chain. Implementations are pure and built once per snapshot.

    For ``matrix``, endpoints are grouped into classes that every layer must
    see as one: two endpoints with the same namespace, labels, named ports,
    hostNetwork flag, membership in every :meth:`address_blocks` block and
    :meth:`signature` must get the same answers from :meth:`selects` and
    :meth:`decide` (as subject and as peer).
    """

    #: ``admin``, ``baseline`` or the CNI kind; shown in explanations and JSON.
    name: str

    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        """True when a policy of this layer applies to ``subject`` in ``direction``.

        A layer that does not select the subject passes every port on unseen.
        """
        ...

    def decide(
        self,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        undecided: PortSet,
        explain: bool = True,
    ) -> LayerResult:
        """Which of ``undecided`` this layer accepts, denies or leaves undefined.

        In egress the subject is the source and ``peer`` the destination; in
        ingress the subject is the destination. Named ports resolve on the
        destination pod. With ``explain`` False (the matrix) only the port sets
        matter: decisions, misses and reasons may be left empty.
        """
        ...

    def address_blocks(self) -> Sequence[CompiledIPBlock]:
        """Address ranges the layer matches by IP (CIDRs, node and DNS-answer addresses)."""
        ...

    def signature(self, endpoint: Endpoint) -> Hashable:
        """Everything the layer reads of an endpoint, as subject or as peer (part of
        the matrix's class key): e.g. the policies selecting it and the peers matching it."""
        ...

    def profile(self, subject: Endpoint, direction: Direction) -> Hashable:
        """What :meth:`decide` reads of the subject in ``direction``; ``None`` exactly
        when :meth:`selects` is False. The matrix memoises on it."""
        ...

    def peer_key(self, profile: Hashable, peer: Endpoint, direction: Direction) -> Hashable:
        """What :meth:`decide` reads of ``peer`` for a subject of ``profile``: two peers
        with equal keys get equal results. The matrix memoises on it."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainResult:
    """One direction judged by the whole chain."""

    allowed: PortSet
    denied: PortSet
    unknown: PortSet
    unknown_reason: str
    decisions: tuple[Decision, ...]
    misses: tuple[RuleMiss, ...]
    #: Names of the layers that selected the subject.
    layers: tuple[str, ...]


def run_chain(
    layers: Sequence[PolicyLayer],
    subject: Endpoint,
    peer: Endpoint,
    direction: Direction,
    query: PortSet,
    explain: bool = True,
) -> ChainResult:
    """Judge one direction: each layer in order on the ports still undecided, then default allow."""
    undecided = query
    allowed = denied = unknown = EMPTY
    reasons: list[str] = []
    decisions: list[Decision] = []
    misses: list[RuleMiss] = []
    used: list[str] = []
    for layer in layers:
        if not undecided:
            break
        if not layer.selects(subject, direction):
            continue
        used.append(layer.name)
        r = layer.decide(subject, peer, direction, undecided, explain)
        allowed = allowed | r.accepted
        denied = denied | r.denied
        unknown = unknown | r.unknown
        if r.unknown_reason:
            reasons.append(r.unknown_reason)
        decisions.extend(r.decisions)
        misses.extend(r.misses)
        undecided = undecided - r.accepted - r.denied - r.unknown
    if undecided:
        # No layer decided these ports: Kubernetes allows by default.
        decisions.append(
            Decision(
                layer=DEFAULT,
                action="Allow",
                ports=undecided,
                detail="no layer decided: allowed by default",
            )
        )
        allowed = allowed | undecided
    return ChainResult(
        allowed=allowed,
        denied=denied,
        unknown=unknown,
        unknown_reason="; ".join(dict.fromkeys(reasons)),
        decisions=tuple(decisions),
        misses=tuple(misses),
        layers=tuple(used),
    )


class NetworkPolicyLayer:
    """networking.k8s.io/v1 as a layer: final for the ports of a pod it isolates.

    Built per question from that direction's NetworkPolicy verdict (``isolated``
    and the ``allowed`` ports), which the v1 engine computes on its own.
    """

    name = NETWORKPOLICY

    def __init__(
        self, isolated: bool, allowed: PortSet, decisions: tuple[Decision, ...] = ()
    ) -> None:
        self.isolated = isolated
        self.allowed = allowed
        self.decisions = decisions

    def selects(self, subject: Endpoint, direction: Direction) -> bool:
        return self.isolated

    def decide(
        self,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        undecided: PortSet,
        explain: bool = True,
    ) -> LayerResult:
        accepted = undecided & self.allowed
        denied = undecided - accepted
        decisions = [
            Decision(
                layer=d.layer,
                policy=d.policy,
                kind=d.kind,
                rule=d.rule,
                action=d.action,
                ports=d.ports & undecided,
                detail=d.detail,
            )
            for d in self.decisions
            if d.ports & undecided
        ]
        if denied:
            decisions.append(
                Decision(
                    layer=NETWORKPOLICY,
                    kind="NetworkPolicy",
                    action="Isolate",
                    ports=denied,
                    detail="isolated by NetworkPolicy and no rule allows these ports",
                )
            )
        return LayerResult(accepted=accepted, denied=denied, decisions=tuple(decisions))

    def address_blocks(self) -> Sequence[CompiledIPBlock]:
        return ()

    def signature(self, endpoint: Endpoint) -> Hashable:
        return ()

    def profile(self, subject: Endpoint, direction: Direction) -> Hashable:
        return (self.allowed,) if self.isolated else None

    def peer_key(self, profile: Hashable, peer: Endpoint, direction: Direction) -> Hashable:
        return None
