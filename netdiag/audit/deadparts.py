"""Dead and shadowed policy parts.

* A policy whose podSelector matches no pod of its namespace does nothing today.
* A rule peer whose selectors match no pod admits nothing (ipBlocks excluded:
  they name addresses, not pods).
* A rule made redundant by another rule of a policy selecting the same pods in
  the same direction: its peers are a subset (or the other admits every peer)
  and its ports a subset (or the other admits every port).
* hostNetwork pods selected by a policy: most CNIs do not apply NetworkPolicy
  to them (implementation-defined, DESIGN.md §4 trap 8).
"""

from __future__ import annotations

from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.model import Labels, NetworkPolicy, NetworkPolicyRule
from netdiag.policy.compile import CompiledPeer, compile_policy
from netdiag.policy.endpoints import namespace_labels

POLICY_SELECTS_NOTHING = Check(
    id="ND-NP-006",
    severity=Severity.WARNING,
    title="NetworkPolicy selects no pod",
    help="Its podSelector matches no pod in its namespace: it has no effect.",
)
PEER_MATCHES_NOTHING = Check(
    id="ND-NP-007",
    severity=Severity.INFO,
    title="Rule peer matches no pod",
    help="A from/to entry whose selectors match no pod admits nothing.",
)
REDUNDANT_RULE = Check(
    id="ND-NP-008",
    severity=Severity.INFO,
    title="Rule made redundant by another rule",
    help="Another rule of a policy selecting the same pods already allows all it allows.",
)
HOST_NETWORK_SELECTED = Check(
    id="ND-NP-009",
    severity=Severity.WARNING,
    title="NetworkPolicy selects hostNetwork pods",
    help="Policies usually cannot protect hostNetwork pods (implementation-defined).",
)
CHECKS = (POLICY_SELECTS_NOTHING, PEER_MATCHES_NOTHING, REDUNDANT_RULE, HOST_NETWORK_SELECTED)


def run(ctx: AuditContext) -> Iterator[Finding]:
    ns_labels = namespace_labels(ctx.snapshot)
    policies = [p for p in ctx.snapshot.network_policies if ctx.in_scope(p.namespace)]
    for policy in policies:
        selected = [
            p
            for p in ctx.snapshot.pods
            if p.namespace == policy.namespace and policy.pod_selector.matches(p.labels)
        ]
        ref = f"NetworkPolicy {policy.key}"
        if not selected:
            yield Finding(
                check=POLICY_SELECTS_NOTHING,
                message=f"{ref}: podSelector {policy.pod_selector} matches no pod in "
                f"{policy.namespace}",
                objects=(ref,),
                evidence=(f"spec.podSelector: {policy.pod_selector}",),
                fix="Fix the selector's labels, or delete the policy.",
                origins=(policy.origin,),
            )
        host = [p for p in selected if p.host_network]
        if host:
            yield Finding(
                check=HOST_NETWORK_SELECTED,
                message=f"{ref} selects hostNetwork pods: " + ", ".join(p.name for p in host[:5]),
                objects=(ref, *(f"Pod {p.key}" for p in host[:5])),
                evidence=("spec.hostNetwork: true",),
                fix="Protect hostNetwork workloads with host firewalling; NetworkPolicy "
                "enforcement on them depends on the CNI.",
                origins=(policy.origin,),
            )
        yield from _dead_peers(ctx, policy, ns_labels)
    yield from _redundant(ctx, policies)


def _dead_peers(
    ctx: AuditContext, policy: NetworkPolicy, ns_labels: dict[str, Labels]
) -> Iterator[Finding]:
    compiled = compile_policy(policy)
    ref = f"NetworkPolicy {policy.key}"
    for direction, rules, word in (
        ("ingress", compiled.ingress, "from"),
        ("egress", compiled.egress, "to"),
    ):
        for rule in rules:
            for peer in rule.peers:
                if peer.ip_block is not None or _peer_matches_any(ctx, peer, ns_labels):
                    continue
                field = f"spec.{direction}[{rule.index}].{word}[{peer.index}]"
                yield Finding(
                    check=PEER_MATCHES_NOTHING,
                    message=f"{ref} {field} ({peer.describe()}) matches no pod",
                    objects=(ref,),
                    evidence=(f"{field}: {peer.describe()}",),
                    fix="Check the labels the selector expects against the pods' labels.",
                    origins=(policy.origin,),
                )


def _peer_matches_any(ctx: AuditContext, peer: CompiledPeer, ns_labels: dict[str, Labels]) -> bool:
    for pod in ctx.snapshot.pods:
        labels = ns_labels.get(pod.namespace, Labels())
        if peer.matches_pod(pod.namespace, labels, pod.labels):
            return True
    return False


def _covers(big: NetworkPolicyRule, small: NetworkPolicyRule) -> bool:
    peers_ok = not big.peers or (bool(small.peers) and set(small.peers) <= set(big.peers))
    ports_ok = not big.ports or (bool(small.ports) and set(small.ports) <= set(big.ports))
    return peers_ok and ports_ok


def _redundant(ctx: AuditContext, policies: list[NetworkPolicy]) -> Iterator[Finding]:
    for direction in ("ingress", "egress"):
        rules: list[tuple[NetworkPolicy, int, NetworkPolicyRule]] = []
        for pol in policies:
            if direction.capitalize() not in pol.effective_policy_types:
                continue
            rules.extend((pol, i, r) for i, r in enumerate(getattr(pol, direction)))
        for a, (pol_a, i, rule_a) in enumerate(rules):
            for b, (pol_b, j, rule_b) in enumerate(rules):
                if a == b or pol_a.namespace != pol_b.namespace:
                    continue
                if pol_a.pod_selector != pol_b.pod_selector or not _covers(rule_b, rule_a):
                    continue
                if _covers(rule_a, rule_b) and a < b:
                    continue  # identical rules: report only the later one
                yield Finding(
                    check=REDUNDANT_RULE,
                    message=f"NetworkPolicy {pol_a.key} spec.{direction}[{i}] is covered by "
                    f"{pol_b.key} spec.{direction}[{j}]",
                    objects=(f"NetworkPolicy {pol_a.key}", f"NetworkPolicy {pol_b.key}"),
                    evidence=("same podSelector; the other rule's peers and ports include these",),
                    fix="Remove the redundant rule (or merge the policies) to keep intent clear.",
                    origins=(pol_a.origin,),
                )
                break
