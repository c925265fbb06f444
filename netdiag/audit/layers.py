"""Policy kinds in the snapshot that netdiag does not evaluate: never a silent layer.

A CiliumNetworkPolicy, a Calico GlobalNetworkPolicy or an Istio
AuthorizationPolicy changes which connections succeed; an answer that ignores
it looks authoritative and may be wrong in either direction.
"""

from __future__ import annotations

from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity

UNEVALUATED_LAYER = Check(
    id="ND-TIER-001",
    severity=Severity.ERROR,
    title="Policies of a kind netdiag does not evaluate",
    help="Every reachability answer (matrix, reach, export) leaves these policies out.",
)
CHECKS = (UNEVALUATED_LAYER,)


def run(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    for layer in snap.unevaluated_layers:
        objects = [
            p
            for p in snap.foreign_policies
            if p.group_kind == (layer.group, layer.kind)
            and (not p.namespace or ctx.in_scope(p.namespace))
        ]
        if not objects:
            continue
        yield Finding(
            check=UNEVALUATED_LAYER,
            message=layer.warning,
            objects=tuple(f"{layer.display} {p.key}" for p in objects[:20]),
            evidence=(f"{layer.count} object(s) of {layer.display} in the snapshot",),
            fix="Read the verdicts as those of the Kubernetes policy kinds only; check "
            f"what the {layer.display} objects add with the CNI's own tools.",
            origins=tuple(p.origin for p in objects[:20]),
        )
