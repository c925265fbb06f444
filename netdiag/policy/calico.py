"""Calico tiers: judge one side of a connection the way felix orders and applies policy. Pure.

Reference: docs.tigera.io Calico "Tier", "NetworkPolicy", "GlobalNetworkPolicy"
and felix ``calc/policy_sorter.go``:

* Tiers run in order: declared tiers before tiers only referenced by a policy,
  then by ``order`` (none sorts last), then by name. Calico's built-in tiers
  are ``kube-admin`` (1000, Pass), ``default`` (1,000,000, Deny) and
  ``kube-baseline`` (10,000,000, Pass).
* Inside a tier, the policies that select the endpoint and whose ``types``
  name the direction, by ``order`` (none = +Inf, last) then name. Rules run in
  written order; ``Allow``/``Deny`` decide, ``Pass`` skips to the next tier,
  ``Log`` logs and continues.
* A tier none of whose policies select the endpoint is skipped. A tier that
  selects it but where no rule decided applies its ``defaultAction``
  (``Deny`` unless ``Pass``): the implicit deny at the end of each tier.
* After the last tier the namespace profile allows (Calico's Kubernetes
  namespace profiles allow all ingress and egress).

Kubernetes NetworkPolicies take part as Calico does them: in the ``default``
tier at order 1000 (:mod:`netdiag.policy.calico_knp`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netdiag.cluster.calico import (
    BUILTIN_TIERS,
    Action,
    CalicoPolicy,
    CalicoRule,
    CalicoTier,
)
from netdiag.cluster.meta import Labels
from netdiag.cluster.model import Pod
from netdiag.policy.calico_match import Scope, entity_miss, rule_ports
from netdiag.policy.compile import NamedPorts, named_ports_of
from netdiag.policy.decision import CniSide, Decision
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.ports import EMPTY, PortSet
from netdiag.policy.verdict import Direction


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderedTier:
    tier: CalicoTier
    #: False when no Tier object declares it (policies name an unknown tier).
    declared: bool
    policies: tuple[CalicoPolicy, ...]


def _tier_key(t: OrderedTier) -> tuple[bool, bool, float, str]:
    order = t.tier.order
    return (not t.declared, order is None, order if order is not None else 0.0, t.tier.name)


def _policy_key(p: CalicoPolicy) -> tuple[float, str]:
    # policy_sorter.go: order nil = +Inf; ties broken by name.
    return (p.order if p.order is not None else math.inf, p.key)


def order_tiers(
    tiers: Iterable[CalicoTier], policies: Iterable[CalicoPolicy]
) -> tuple[OrderedTier, ...]:
    declared = {t.name: t for t in BUILTIN_TIERS}
    declared.update({t.name: t for t in tiers})
    by_tier: dict[str, list[CalicoPolicy]] = {}
    for pol in policies:
        by_tier.setdefault(pol.tier, []).append(pol)
    out = [
        OrderedTier(
            tier=t, declared=True, policies=tuple(sorted(by_tier.get(n, ()), key=_policy_key))
        )
        for n, t in declared.items()
    ]
    for name, pols in by_tier.items():
        if name not in declared:
            out.append(
                OrderedTier(
                    tier=CalicoTier(name=name),
                    declared=False,
                    policies=tuple(sorted(pols, key=_policy_key)),
                )
            )
    return tuple(sorted(out, key=_tier_key))


@dataclass(frozen=True, slots=True, kw_only=True)
class Walk:
    """Ports through a run of tiers: allowed, denied, and passed on past the last tier."""

    allowed: PortSet
    denied: PortSet
    passed: PortSet
    selected: bool
    decisions: tuple[Decision, ...]
    notes: tuple[str, ...]
    policies: tuple[str, ...]


class CalicoEngine:
    """Ordered tiers for one snapshot; judges one side of a connection."""

    def __init__(
        self,
        policies: Iterable[CalicoPolicy],
        tiers: Iterable[CalicoTier],
        ns_labels: Mapping[str, Labels],
        *,
        only: tuple[OrderedTier, ...] | None = None,
    ) -> None:
        """``only``: run just these (already ordered) tiers, a slice of the whole order."""
        self.tiers = only if only is not None else order_tiers(tiers, policies)
        self.scope = Scope(ns_labels)
        self._selecting: dict[tuple[object, ...], list[tuple[OrderedTier, list[CalicoPolicy]]]] = {}

    def selecting(
        self, pod: Pod, direction: Direction
    ) -> list[tuple[OrderedTier, list[CalicoPolicy]]]:
        # Policies read the namespace, labels and service account of the pod only.
        key = (pod.namespace, pod.labels, pod.service_account, pod.host_network, direction)
        hit = self._selecting.get(key)
        if hit is not None:
            return hit
        want = "Egress" if direction is Direction.EGRESS else "Ingress"
        out = []
        for t in self.tiers:
            pols = [p for p in t.policies if want in p.types and self.scope.policy_selects(p, pod)]
            if pols:
                out.append((t, pols))
        self._selecting[key] = out
        return out

    def walk(self, subject: Endpoint, peer: Endpoint, direction: Direction, query: PortSet) -> Walk:
        """Run the tiers on ``query``: what they allow, deny, and pass on past the last."""
        pod = subject.pod
        assert pod is not None, "the subject of a side is a pod"
        dst = peer if direction is Direction.EGRESS else subject
        named = named_ports_of(dst.pod) if dst.pod is not None else None
        decisions: list[Decision] = []
        notes: list[str] = []
        remaining = query
        allowed = EMPTY
        selected = self.selecting(pod, direction)
        for tier, pols in selected:
            remaining, got = self._tier(
                tier, pols, subject, peer, direction, named, remaining, decisions, notes
            )
            allowed = allowed | got
            if remaining.is_empty:
                break
        return Walk(
            allowed=allowed,
            denied=query - allowed - remaining,
            passed=remaining,
            selected=bool(selected),
            decisions=tuple(decisions),
            notes=tuple(dict.fromkeys(notes)),
            policies=tuple(
                f"{p.display_kind} {p.display_key}" for _, pols in selected for p in pols
            ),
        )

    def side(
        self, subject: Endpoint, peer: Endpoint, direction: Direction, query: PortSet
    ) -> CniSide:
        """All tiers, then the namespace profile (Calico alone, no other layer)."""
        w = self.walk(subject, peer, direction, query)
        decisions = list(w.decisions)
        if w.passed:
            # After the last tier: the namespace profile allows (kns.<namespace>).
            assert subject.pod is not None
            decisions.append(
                Decision(
                    ports=w.passed,
                    kind="Profile",
                    policy=f"kns.{subject.pod.namespace}",
                    rule="",
                    action="profile allow",
                    note="no tier decided: the namespace profile allows",
                )
            )
        return CniSide(
            direction=direction,
            subject=subject.text,
            selected=w.selected,
            isolated=w.selected,
            rule_allowed=w.allowed,
            allowed=w.allowed | w.passed,
            decisions=tuple(decisions),
            policies=w.policies,
            notes=w.notes,
        )

    def _tier(
        self,
        tier: OrderedTier,
        pols: list[CalicoPolicy],
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        named: NamedPorts | None,
        remaining: PortSet,
        decisions: list[Decision],
        notes: list[str],
    ) -> tuple[PortSet, PortSet]:
        """Walk one tier; returns the ports passed on to the next tier and those allowed."""
        allowed = EMPTY
        passed = EMPTY
        name = tier.tier.name
        if not tier.declared:
            notes.append(f"tier {name} is not declared: Calico would refuse its policies")
        for pol in pols:
            caveats: list[str] = []
            if pol.knp:
                caveats.append(f"Calico {pol.name}, order {pol.order:g}")
            if pol.out_of_scope:
                caveats.append(
                    f"sets {', '.join(pol.out_of_scope)}: host endpoint features are out of "
                    "scope, its rules are evaluated as usual"
                )
                notes.append(f"{pol.display_kind} {pol.key} {caveats[-1]}")
            rules = pol.egress if direction is Direction.EGRESS else pol.ingress
            for rule in rules:
                if remaining.is_empty:
                    return passed, allowed
                hit = self._rule_ports(pol, rule, subject, peer, direction, named) & remaining
                if hit.is_empty or rule.action is Action.LOG:
                    continue  # Log records and continues to the next rule.
                extra = []
                if rule.http:
                    extra.append("HTTP match criteria restrict it further at L7 (not evaluated)")
                    notes.append(f"{pol.display_kind} {pol.key} {rule.path}: {extra[-1]}")
                decisions.append(
                    Decision(
                        ports=hit,
                        kind=pol.display_kind,
                        policy=pol.display_key,
                        rule=rule.path,
                        action=rule.action.value,
                        tier=name,
                        note="; ".join((*caveats, *extra)),
                    )
                )
                remaining = remaining - hit
                if rule.action is Action.ALLOW:
                    allowed = allowed | hit
                elif rule.action is Action.PASS:
                    passed = passed | hit
        if remaining:
            # The end of a tier that selects the endpoint: its defaultAction.
            action = tier.tier.default_action
            decisions.append(
                Decision(
                    ports=remaining,
                    kind="Tier",
                    policy=name,
                    rule="",
                    action="default pass" if action is Action.PASS else "default deny",
                    tier=name,
                    note="the tier's policies select it but no rule matched"
                    + ("" if tier.declared else "; the tier is not declared"),
                )
            )
            if action is Action.PASS:
                passed = passed | remaining
        return passed, allowed

    def _rule_ports(
        self,
        pol: CalicoPolicy,
        rule: CalicoRule,
        subject: Endpoint,
        peer: Endpoint,
        direction: Direction,
        named: NamedPorts | None,
    ) -> PortSet:
        if direction is Direction.EGRESS:
            local, remote = rule.source, rule.destination
        else:
            local, remote = rule.destination, rule.source
        if entity_miss(self.scope, local, subject, pol) or entity_miss(
            self.scope, remote, peer, pol
        ):
            return EMPTY
        return rule_ports(rule, named)
