"""Dead and shadowed policy parts.

* A policy whose podSelector matches no pod of its namespace does nothing today.
* A rule peer whose selectors match no pod admits nothing (ipBlocks excluded:
  they name addresses, not pods).
* A rule made redundant by another rule of a policy selecting the same pods in
  the same direction: its peers are a subset (or the other admits every peer)
  and its ports a subset (or the other admits every port).
* hostNetwork pods selected by a policy: most CNIs do not apply NetworkPolicy
  to them (implementation-defined, docs/architecture.md trap 8).
"""

from __future__ import annotations

from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.meta import Labels
from netdiag.cluster.networkpolicy import NetworkPolicy, NetworkPolicyRule
from netdiag.cluster.selectors import LabelSelector
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


class _PodIndex:
    """Distinct (namespace, labels) of the snapshot's pods, indexed by label pair."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ns_labels = namespace_labels(ctx.snapshot)
        self.groups = sorted({(p.namespace, p.labels) for p in ctx.snapshot.pods}, key=str)
        self.by_ns: dict[str, list[Labels]] = {}
        self.by_pair: dict[tuple[str, str], list[tuple[str, Labels]]] = {}
        for ns, labels in self.groups:
            self.by_ns.setdefault(ns, []).append(labels)
            for pair in labels.items():
                self.by_pair.setdefault(pair, []).append((ns, labels))

    def candidates(self, selector: LabelSelector | None) -> list[tuple[str, Labels]]:
        if selector is None or not selector.match_labels:
            return self.groups
        lists = [self.by_pair.get(pair, []) for pair in selector.match_labels]
        return min(lists, key=len)

    def peer_matches_any(self, peer: CompiledPeer) -> bool:
        if peer.namespace_selector is None:
            pool = [(peer.policy_namespace, lb) for lb in self.by_ns.get(peer.policy_namespace, [])]
        else:
            pool = self.candidates(peer.pod_selector)
        return any(
            peer.matches_pod(ns, self.ns_labels.get(ns, Labels()), labels) for ns, labels in pool
        )


def run(ctx: AuditContext) -> Iterator[Finding]:
    index = _PodIndex(ctx)
    policies = [p for p in ctx.snapshot.network_policies if ctx.in_scope(p.namespace)]
    for policy in policies:
        ref = f"NetworkPolicy {policy.key}"
        if not any(policy.pod_selector.matches(lb) for lb in index.by_ns.get(policy.namespace, [])):
            yield Finding(
                check=POLICY_SELECTS_NOTHING,
                message=f"{ref}: podSelector {policy.pod_selector} matches no pod in "
                f"{policy.namespace}",
                objects=(ref,),
                evidence=(f"spec.podSelector: {policy.pod_selector}",),
                fix="Fix the selector's labels, or delete the policy.",
                origins=(policy.origin,),
            )
        yield from _dead_peers(policy, index)
    yield from _host_network(ctx, policies)
    yield from _redundant(policies)


def _host_network(ctx: AuditContext, policies: list[NetworkPolicy]) -> Iterator[Finding]:
    host = [p for p in ctx.snapshot.pods if p.host_network]
    for policy in policies:
        selected = [
            p
            for p in host
            if p.namespace == policy.namespace and policy.pod_selector.matches(p.labels)
        ]
        if selected:
            ref = f"NetworkPolicy {policy.key}"
            yield Finding(
                check=HOST_NETWORK_SELECTED,
                message=f"{ref} selects hostNetwork pods: "
                + ", ".join(p.name for p in selected[:5]),
                objects=(ref, *(f"Pod {p.key}" for p in selected[:5])),
                evidence=("spec.hostNetwork: true",),
                fix="Protect hostNetwork workloads with host firewalling; NetworkPolicy "
                "enforcement on them depends on the CNI.",
                origins=(policy.origin,),
            )


def _dead_peers(policy: NetworkPolicy, index: _PodIndex) -> Iterator[Finding]:
    compiled = compile_policy(policy)
    ref = f"NetworkPolicy {policy.key}"
    for direction, rules, word in (
        ("ingress", compiled.ingress, "from"),
        ("egress", compiled.egress, "to"),
    ):
        for rule in rules:
            for peer in rule.peers:
                if peer.ip_block is not None or index.peer_matches_any(peer):
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


def _covers(big: NetworkPolicyRule, small: NetworkPolicyRule) -> bool:
    peers_ok = not big.peers or (bool(small.peers) and set(small.peers) <= set(big.peers))
    ports_ok = not big.ports or (bool(small.ports) and set(small.ports) <= set(big.ports))
    return peers_ok and ports_ok


def _redundant(policies: list[NetworkPolicy]) -> Iterator[Finding]:
    for direction in ("ingress", "egress"):
        # Only rules of policies selecting the same pods can shadow each other.
        buckets: dict[tuple[str, LabelSelector], list[tuple[NetworkPolicy, int, NetworkPolicyRule]]]
        buckets = {}
        for pol in policies:
            if direction.capitalize() not in pol.effective_policy_types:
                continue
            bucket = buckets.setdefault((pol.namespace, pol.pod_selector), [])
            bucket.extend((pol, i, r) for i, r in enumerate(getattr(pol, direction)))
        for rules in buckets.values():
            yield from _redundant_in(direction, rules)


def _redundant_in(
    direction: str, rules: list[tuple[NetworkPolicy, int, NetworkPolicyRule]]
) -> Iterator[Finding]:
    for a, (pol_a, i, rule_a) in enumerate(rules):
        for b, (pol_b, j, rule_b) in enumerate(rules):
            if a == b or not _covers(rule_b, rule_a):
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
