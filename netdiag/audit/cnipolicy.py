"""Findings about Calico and Cilium policies: what they say is not what they do.

Only the kinds the cluster's CNI enforces are audited (the others are
ND-TIER-001 findings). Reference: Calico "Tier" docs (a Pass goes to the next
tier; after the last one the namespace profile allows), Cilium "Deny Policies"
docs (deny rules take precedence over allow rules).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.calico import Action
from netdiag.cluster.model import Pod
from netdiag.policy.cilium import CiliumEngine, SelectedSpec
from netdiag.policy.cnilayers import CniLayers
from netdiag.policy.endpoints import namespace_labels, pod_endpoint
from netdiag.policy.ports import ALL
from netdiag.policy.verdict import Direction

PASS_TO_NOTHING = Check(
    id="ND-CNI-001",
    severity=Severity.WARNING,
    title="Calico Pass with no policy below it",
    help="A Pass skips to the next tier; when no later tier selects the endpoint, the "
    "namespace profile allows the traffic.",
)
DENY_SHADOWS_ALLOW = Check(
    id="ND-CNI-002",
    severity=Severity.WARNING,
    title="Cilium allow rule shadowed by deny rules",
    help="Deny rules win over allow rules: everything this allow rule matches is denied.",
)
SELECTS_NOTHING = Check(
    id="ND-CNI-003",
    severity=Severity.WARNING,
    title="Calico or Cilium selector that matches no pod",
    help="A policy whose selector matches nothing does nothing; often a typo in a label.",
)
L7_NOT_JUDGED = Check(
    id="ND-CNI-004",
    severity=Severity.INFO,
    title="L7 rules the L4 verdict cannot judge",
    help="netdiag gives the L4 verdict; HTTP/Kafka/DNS rules restrict it further.",
)
CHECKS = (PASS_TO_NOTHING, DENY_SHADOWS_ALLOW, SELECTS_NOTHING, L7_NOT_JUDGED)
_MAX = 20


def run(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    layers = CniLayers(snap, namespace_labels(snap))
    if not layers.active:
        return
    pods = [p for p in snap.pods if not p.host_network]
    yield from _calico(ctx, layers, pods)
    yield from _cilium(ctx, layers, pods)


def _calico(ctx: AuditContext, layers: CniLayers, pods: Sequence[Pod]) -> Iterator[Finding]:
    if layers.calico is None:
        return
    tiers = [t for layer in layers.calico for t in layer.engine.tiers]
    scope = layers.calico[0].engine.scope
    for k, tier in enumerate(tiers):
        for pol in tier.policies:
            if pol.knp or (pol.namespace and not ctx.in_scope(pol.namespace)):
                continue
            selected = [p for p in pods if scope.policy_selects(pol, p)]
            if not selected:
                yield Finding(
                    check=SELECTS_NOTHING,
                    message=f"{pol.display_kind} {pol.key}: selector {pol.selector or 'all()'} "
                    "matches no pod",
                    objects=(f"{pol.display_kind} {pol.key}",),
                    origins=(pol.origin,),
                    fix="Check the labels the selector names against the pods' labels.",
                )
                continue
            for direction, rules in (("Ingress", pol.ingress), ("Egress", pol.egress)):
                if direction not in pol.types:
                    continue
                passes = [r for r in rules if r.action is Action.PASS]
                if not passes:
                    continue
                later = [q for t in tiers[k + 1 :] for q in t.policies if direction in q.types]
                if any(scope.policy_selects(q, p) for p in selected for q in later):
                    continue
                yield Finding(
                    check=PASS_TO_NOTHING,
                    message=f"{pol.display_kind} {pol.key} {passes[0].path}: Pass in tier "
                    f"{tier.tier.name}, but no later tier selects its {len(selected)} pod(s) "
                    f"for {direction.lower()}: the namespace profile allows that traffic",
                    objects=(f"{pol.display_kind} {pol.key}",),
                    origins=(pol.origin,),
                    evidence=tuple(p.key for p in selected[:_MAX]),
                    fix="Use Deny (or Allow) if that is what is meant, or add a policy in a "
                    "later tier that decides this traffic.",
                )
            yield from _l7(
                pol.display_kind,
                pol.key,
                [r.path for r in (*pol.ingress, *pol.egress) if r.http],
                "HTTP",
            )


def _l7(kind: str, key: str, paths: list[str], what: str) -> Iterator[Finding]:
    if paths:
        yield Finding(
            check=L7_NOT_JUDGED,
            message=f"{kind} {key}: {what} rules in {', '.join(paths)} restrict connections "
            "beyond the L4 verdict netdiag gives",
            objects=(f"{kind} {key}",),
            fix="Test those paths with real requests (or Hubble flows) as well.",
        )


def _cilium(ctx: AuditContext, layers: CniLayers, pods: Sequence[Pod]) -> Iterator[Finding]:
    engine = layers.cilium
    if engine is None:
        return
    seen: set[tuple[str, str]] = set()
    for s in engine.specs:
        pol = s.policy
        if pol.namespace and not ctx.in_scope(pol.namespace):
            continue
        name = f"{pol.kind} {pol.key}"
        selected = [p for p in pods if s.subject.matches(engine.labels(p))]
        if not selected:
            yield Finding(
                check=SELECTS_NOTHING,
                message=f"{name} {s.spec.path}.endpointSelector matches no pod",
                objects=(name,),
                origins=(pol.origin,),
                fix="Check the labels the selector names against the pods' labels.",
            )
            continue
        l7 = [r.path for r in (*s.spec.ingress, *s.spec.egress) if r.l7]
        if (pol.key, "l7") not in seen:
            seen.add((pol.key, "l7"))
            yield from _l7(pol.kind, pol.key, l7, "L7")
        yield from _shadowed(engine, s, selected, pods, name)


def _shadowed(
    engine: CiliumEngine,
    s: SelectedSpec,
    selected: Sequence[Pod],
    pods: Sequence[Pod],
    name: str,
) -> Iterator[Finding]:
    """Allow rules of ``s`` whose every match (over the pods, one per identity) is denied."""
    peers = list({(p.namespace, p.labels, p.service_account): p for p in pods}.values())
    subjects = list({(p.namespace, p.labels, p.service_account): p for p in selected}.values())[
        :_MAX
    ]
    for direction, allows in (
        (Direction.INGRESS, s.spec.ingress),
        (Direction.EGRESS, s.spec.egress),
    ):
        for rule in allows:
            matched = shadowed = 0
            for subject in subjects:
                for peer in peers:
                    if peer.key == subject.key:
                        continue
                    side = engine.side(pod_endpoint(subject), pod_endpoint(peer), direction, ALL)
                    mine = [
                        d
                        for d in side.decisions
                        if d.rule == rule.path and d.policy == s.policy.key
                    ]
                    if not mine:
                        continue
                    matched += 1
                    if mine[0].ports.issubset(side.denied()):
                        shadowed += 1
            if matched and matched == shadowed:
                yield Finding(
                    check=DENY_SHADOWS_ALLOW,
                    message=f"{name} {rule.path}: every connection it allows is denied by a "
                    "deny rule (deny rules win in Cilium)",
                    objects=(name,),
                    origins=(s.policy.origin,),
                    fix="Remove the allow rule, or narrow the deny rule if the allow is meant.",
                )
