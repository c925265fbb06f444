"""Policies that enforce nothing: the CNI in the snapshot ignores NetworkPolicy.

"Creating a NetworkPolicy resource without a controller that implements it will
have no effect" (Kubernetes docs, Network Policies). Flannel alone does not
enforce policy (flannel-io/flannel#2503); Canal (Flannel + Calico) does.
"""

from __future__ import annotations

from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity

POLICIES_NOT_ENFORCED = Check(
    id="ND-NP-001",
    severity=Severity.ERROR,
    title="NetworkPolicies exist but the CNI does not enforce them",
    help="Every policy is a no-op: all pods reach all pods.",
)
CHECKS = (POLICIES_NOT_ENFORCED,)


def run(ctx: AuditContext) -> Iterator[Finding]:
    cni = ctx.snapshot.cni
    policies = [p for p in ctx.snapshot.network_policies if ctx.in_scope(p.namespace)]
    if cni.enforces_network_policy is not False or not policies:
        return
    plugins = ", ".join(cni.plugins) or "unknown"
    yield Finding(
        check=POLICIES_NOT_ENFORCED,
        message=f"{len(policies)} NetworkPolicies, but the CNI ({plugins}) does not enforce them",
        objects=tuple(f"NetworkPolicy {p.key}" for p in policies[:20]),
        evidence=(f"CNI DaemonSets in kube-system: {plugins}",),
        fix="Install a policy-enforcing CNI or add-on (Calico in Canal mode, Cilium, "
        "kube-network-policies) — or treat these policies as documentation only.",
        origins=tuple(p.origin for p in policies[:20]),
    )
