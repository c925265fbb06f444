"""ClusterNetworkPolicy / AdminNetworkPolicy / BaselineAdminNetworkPolicy findings.

Rules from kubernetes-sigs/network-policy-api ``apis/v1alpha2/clusternetworkpolicy_types.go``:
same-priority policies that match one connection with different actions leave
the choice to the implementation (Priority doc comment); inside a policy the
first matching rule decides, so a rule an earlier one covers never decides;
Pass hands a connection to the next layer, and when neither a NetworkPolicy nor
a Baseline policy decides there, it is allowed by default. Implementation
notes: OVN-Kubernetes implements AdminNetworkPolicy priorities 0-99 only;
Antrea refuses ClusterNetworkPolicy ``nodes`` and ``domainNames`` peers
(network-policy-api ``site-src/implementations.md``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.model import ClusterSnapshot, Labels, Pod
from netdiag.cluster.tiers import Action, ClusterNetworkPolicy, Tier, TierPeer, TierRule
from netdiag.policy.compile import compile_policies
from netdiag.policy.ports import ALL, EMPTY, PortSet

SAME_PRIORITY = Check(
    id="ND-TIER-002",
    severity=Severity.WARNING,
    title="Same-priority tiered policies disagree on a connection",
    help="The API leaves the choice to the implementation: the cells are '?'.",
)
SHADOWED = Check(
    id="ND-TIER-003",
    severity=Severity.WARNING,
    title="A rule an earlier rule of the same policy always decides first",
    help="The first matching rule decides; this one never does.",
)
PASS_TO_DEFAULT = Check(
    id="ND-TIER-004",
    severity=Severity.WARNING,
    title="Pass hands traffic to nothing: it falls to default allow",
    help="No NetworkPolicy isolates these pods and no Baseline policy selects them.",
)
INVALID = Check(
    id="ND-TIER-005",
    severity=Severity.ERROR,
    title="A tiered policy the API server would refuse was skipped",
    help="Loaded with --keep-going: the policy is not part of any verdict.",
)
IMPLEMENTATION = Check(
    id="ND-TIER-006",
    severity=Severity.WARNING,
    title="A tiered policy uses what the detected CNI does not implement",
    help="The API allows it; this CNI ignores or refuses it.",
)
CHECKS = (SAME_PRIORITY, SHADOWED, PASS_TO_DEFAULT, INVALID, IMPLEMENTATION)
_TIER_KINDS = ("ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy")


def run(ctx: AuditContext) -> Iterator[Finding]:
    snap = ctx.snapshot
    pols = snap.cluster_network_policies
    ns_labels = {ns.name: ns.labels for ns in snap.namespaces}
    pods = [p for p in ctx.pods() if not p.host_network]
    selected = {p.name + "/" + p.kind: _subject_pods(p, pods, ns_labels) for p in pols}
    yield from _same_priority(pols, selected)
    yield from _shadowed(pols)
    yield from _pass_to_default(snap, pols, selected)
    yield from _invalid(snap)
    yield from _implementation(snap, pols)


def _subject_pods(
    pol: ClusterNetworkPolicy, pods: Sequence[Pod], ns_labels: dict[str, Labels]
) -> list[Pod]:
    subject = pol.subject
    out = []
    for pod in pods:
        ns = ns_labels.get(pod.namespace, Labels({"kubernetes.io/metadata.name": pod.namespace}))
        if subject.namespaces is not None:
            ok = subject.namespaces.matches(ns)
        else:
            assert subject.pods is not None
            ok = subject.pods.namespace_selector.matches(ns) and subject.pods.pod_selector.matches(
                pod.labels
            )
        if ok:
            out.append(pod)
    return out


def _key(p: ClusterNetworkPolicy) -> str:
    return p.name + "/" + p.kind


def _same_priority(
    pols: Sequence[ClusterNetworkPolicy], selected: dict[str, list[Pod]]
) -> Iterator[Finding]:
    for i, a in enumerate(pols):
        for b in pols[i + 1 :]:
            if a.tier is not b.tier or a.priority != b.priority:
                continue
            shared = {p.key for p in selected[_key(a)]} & {p.key for p in selected[_key(b)]}
            if not shared:
                continue
            for section in ("ingress", "egress"):
                acts_a = {r.action for r in getattr(a, section)}
                acts_b = {r.action for r in getattr(b, section)}
                if acts_a and acts_b and len(acts_a | acts_b) > 1:
                    yield Finding(
                        check=SAME_PRIORITY,
                        message=f"{a.display} and {b.display} share {a.tier.value} priority "
                        f"{a.priority} and both have {section} rules, with different actions "
                        f"({', '.join(sorted(x.value for x in acts_a | acts_b))}) for "
                        f"{len(shared)} pod(s): where both match, the outcome is "
                        "implementation-defined",
                        objects=(a.display, b.display),
                        evidence=tuple(sorted(shared)[:5]),
                        fix="Give the policies distinct priorities (lower is evaluated first).",
                        origins=(a.origin, b.origin),
                    )
                    break


def _rule_ports(rule: TierRule) -> PortSet | None:
    """The rule's ports, or ``None`` when a named port makes them depend on the pod."""
    if not rule.ports:
        return ALL
    out = EMPTY
    for p in rule.ports:
        if p.named_port is not None or p.protocol is None:
            return None
        out = out | PortSet.of(p.protocol, p.port, p.end_port)
    return out


def _covers(a: TierPeer, b: TierPeer) -> bool:
    """Every endpoint ``b`` matches, ``a`` matches too (conservatively)."""
    if a == b:
        return True
    every = a.namespaces is not None and a.namespaces.is_empty
    return every and (b.namespaces is not None or b.pods is not None)


def _shadowed(pols: Sequence[ClusterNetworkPolicy]) -> Iterator[Finding]:
    for pol in pols:
        for section in ("ingress", "egress"):
            rules: tuple[TierRule, ...] = getattr(pol, section)
            for j, later in enumerate(rules):
                later_ports = _rule_ports(later)
                if later_ports is None or any(p.unset for p in later.peers):
                    continue
                for i, earlier in enumerate(rules[:j]):
                    ports = _rule_ports(earlier)
                    if ports is None or not later_ports.issubset(ports):
                        continue
                    if all(any(_covers(e, p) for e in earlier.peers) for p in later.peers):
                        name = later.name or f"{section}[{j}]"
                        first = earlier.name or f"{section}[{i}]"
                        yield Finding(
                            check=SHADOWED,
                            message=f"{pol.display}: rule {name} ({later.action.value}) never "
                            f"decides: rule {first} ({earlier.action.value}) matches all its "
                            "peers and ports first",
                            objects=(pol.display,),
                            fix=f"Remove rule {name} or move it above rule {first}.",
                            origins=(pol.origin,),
                        )
                        break


def _pass_to_default(
    snap: ClusterSnapshot, pols: Sequence[ClusterNetworkPolicy], selected: dict[str, list[Pod]]
) -> Iterator[Finding]:
    compiled = compile_policies(snap.network_policies)
    for pol in pols:
        if pol.tier is not Tier.ADMIN:
            continue
        for section in ("ingress", "egress"):
            if not any(r.action is Action.PASS for r in getattr(pol, section)):
                continue
            baseline = {
                p.key
                for b in pols
                if b.tier is Tier.BASELINE and getattr(b, section)
                for p in selected[_key(b)]
            }
            loose = []
            for pod in selected[_key(pol)]:
                isolated = any(
                    c.namespace == pod.namespace
                    and c.pod_selector.matches(pod.labels)
                    and (c.isolates_ingress if section == "ingress" else c.isolates_egress)
                    for c in compiled
                )
                if not isolated and pod.key not in baseline:
                    loose.append(pod.key)
            if loose:
                yield Finding(
                    check=PASS_TO_DEFAULT,
                    message=f"{pol.display}: {section} Pass reaches no NetworkPolicy and no "
                    f"Baseline policy for {len(loose)} pod(s): that traffic is allowed by default",
                    objects=(pol.display,),
                    evidence=tuple(sorted(loose)[:5]),
                    fix="Add a NetworkPolicy or a Baseline policy for these pods, or Accept "
                    "instead of Pass if allowing is the intent.",
                    origins=(pol.origin,),
                )


def _invalid(snap: ClusterSnapshot) -> Iterator[Finding]:
    for warning in snap.warnings:
        if any(f": {kind} " in warning for kind in _TIER_KINDS) and "duplicate" not in warning:
            yield Finding(
                check=INVALID,
                message=warning,
                fix="Fix the field named; the API server refuses the object as it is.",
            )


def _implementation(
    snap: ClusterSnapshot, pols: Sequence[ClusterNetworkPolicy]
) -> Iterator[Finding]:
    plugins = set(snap.cni.plugins)
    if "ovn-kubernetes" in plugins:
        for pol in pols:
            if pol.kind == "AdminNetworkPolicy" and pol.priority > 99:
                yield Finding(
                    check=IMPLEMENTATION,
                    message=f"{pol.display}: priority {pol.priority}; OVN-Kubernetes "
                    "implements AdminNetworkPolicy priorities 0-99 only",
                    objects=(pol.display,),
                    fix="Use a priority from 0 to 99.",
                    origins=(pol.origin,),
                )
    if "antrea" in plugins:
        for pol in pols:
            fields = sorted(
                {
                    name
                    for rule in pol.egress
                    for peer in rule.peers
                    for name, value in (("nodes", peer.nodes), ("domainNames", peer.domain_names))
                    if value is not None
                }
            )
            if fields and pol.kind == "ClusterNetworkPolicy":
                yield Finding(
                    check=IMPLEMENTATION,
                    message=f"{pol.display}: {' and '.join(fields)} peers, which Antrea "
                    "refuses in ClusterNetworkPolicy",
                    objects=(pol.display,),
                    fix="Use networks peers (node or resolved addresses) instead.",
                    origins=(pol.origin,),
                )


def tier_default_deny(snapshot: ClusterSnapshot, namespace: str, section: str) -> str:
    """A tiered policy that denies every ``section`` connection of every pod of
    ``namespace`` that nothing before it decided (a namespace-wide catch-all Deny
    rule without protocols), or ``""``: the tier equivalent of a default-deny."""
    ns = next((n.labels for n in snapshot.namespaces if n.name == namespace), None)
    labels = ns or Labels({"kubernetes.io/metadata.name": namespace})
    for pol in snapshot.cluster_network_policies:
        if pol.subject.namespaces is None or not pol.subject.namespaces.matches(labels):
            continue
        for rule in getattr(pol, section):
            if (
                rule.action is Action.DENY
                and not rule.ports
                and any(_everything(peer, section) for peer in rule.peers)
            ):
                return pol.display
    return ""


def _everything(peer: TierPeer, section: str) -> bool:
    if peer.namespaces is not None and peer.namespaces.is_empty:
        return section == "ingress"  # egress to external addresses stays open
    networks = set(peer.networks or ())
    return {"0.0.0.0/0", "::/0"} <= networks or (section == "egress" and "0.0.0.0/0" in networks)
