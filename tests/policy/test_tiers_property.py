"""Mixed ClusterNetworkPolicy (Admin/Baseline) + NetworkPolicy v1 clusters: the class
matrix against a deliberately naive per-port evaluator written from the spec.

The naive side walks, for one port, Admin policies by priority (a group of equal
priorities that disagrees is implementation-defined), the first matching rule of
each policy, Pass to the next layer, NetworkPolicy v1 (final when it isolates),
Baseline, then default allow. It shares no code with netdiag.policy.tiers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.cluster.model import ClusterSnapshot, Labels, Pod, Protocol
from netdiag.cluster.selectors import LabelSelector
from netdiag.cluster.tiers import (
    Action,
    ClusterNetworkPolicy,
    NamespacedPod,
    Tier,
    TierPeer,
    TierPort,
    TierRule,
    TierSubject,
)
from netdiag.policy.endpoints import pod_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.matrix import Matrix
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Direction, Verdict
from tests.policy.strategies import clusters, selector_st

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROBES = ((Protocol.TCP, 80), (Protocol.TCP, 81), (Protocol.UDP, 80), (Protocol.SCTP, 443))

tier_port_st = st.one_of(
    st.builds(lambda: TierPort(protocol=Protocol.TCP, port=80)),
    st.builds(lambda: TierPort(protocol=Protocol.TCP, port=79, end_port=81)),
    st.builds(lambda: TierPort(protocol=Protocol.UDP, port=80)),
    st.builds(lambda: TierPort(named_port="http")),
    st.builds(lambda: TierPort(named_port="dns")),
)
namespaced_st = st.builds(
    lambda n, p: NamespacedPod(namespace_selector=n, pod_selector=p), selector_st, selector_st
)
tier_peer_st = st.one_of(
    st.builds(lambda n: TierPeer(namespaces=n), selector_st),
    st.builds(lambda p: TierPeer(pods=p), namespaced_st),
    st.builds(
        lambda c: TierPeer(networks=c),
        st.sampled_from((("10.0.0.0/24",), ("10.0.1.0/24", "10.0.0.5/32"), ("0.0.0.0/0",))),
    ),
    st.just(TierPeer()),  # fails closed
)


@st.composite
def tier_rules(draw: st.DrawFn, egress: bool) -> TierRule:
    action = draw(st.sampled_from(list(Action)))
    peers = draw(st.lists(tier_peer_st, min_size=1, max_size=2))
    if not egress:
        peers = [p for p in peers if p.networks is None] or [TierPeer(namespaces=LabelSelector())]
    ports = draw(st.lists(tier_port_st, max_size=2))
    if any(p.networks is not None for p in peers):
        ports = [p for p in ports if p.named_port is None]
    return TierRule(action=action, peers=tuple(peers), ports=tuple(ports))


@st.composite
def tier_policies(draw: st.DrawFn, name: str) -> ClusterNetworkPolicy:
    subject = draw(
        st.one_of(
            st.builds(lambda n: TierSubject(namespaces=n), selector_st),
            st.builds(lambda p: TierSubject(pods=p), namespaced_st),
        )
    )
    return ClusterNetworkPolicy(
        name=name,
        tier=draw(st.sampled_from(list(Tier))),
        priority=draw(st.sampled_from((1, 2, 2, 3))),
        subject=subject,
        ingress=tuple(draw(st.lists(tier_rules(False), max_size=2))),
        egress=tuple(draw(st.lists(tier_rules(True), max_size=2))),
    )


@st.composite
def mixed(draw: st.DrawFn) -> ClusterSnapshot:
    snap = draw(clusters(max_pods=5, max_policies=2))
    # hostNetwork endpoints are implementation-defined under v1 already: left to
    # the v1 tests, so that every cell here has a defined naive answer.
    pods = tuple(replace(p, host_network=False) for p in snap.pods)
    k = draw(st.integers(1, 4))
    tiered = tuple(draw(tier_policies(f"t{i}")) for i in range(k))
    return replace(snap, pods=pods, cluster_network_policies=tiered)


def _ns_labels(snap: ClusterSnapshot, ns: str) -> Labels:
    found = snap.namespace(ns)
    return found.labels if found is not None else Labels({"kubernetes.io/metadata.name": ns})


def _selects(snap: ClusterSnapshot, subject: TierSubject, pod: Pod) -> bool:
    ns = _ns_labels(snap, pod.namespace)
    if subject.namespaces is not None:
        return subject.namespaces.matches(ns)
    assert subject.pods is not None
    return subject.pods.namespace_selector.matches(ns) and subject.pods.pod_selector.matches(
        pod.labels
    )


def _peer(snap: ClusterSnapshot, peer: TierPeer, action: Action, pod: Pod) -> bool:
    if peer.unset:
        return action is not Action.ACCEPT
    if peer.networks is not None:
        return not pod.synthetic_ip and any(
            ipaddress.ip_address(ip) in ipaddress.ip_network(c)
            for ip in pod.ips
            for c in peer.networks
        )
    sel = TierSubject(namespaces=peer.namespaces, pods=peer.pods)
    return _selects(snap, sel, pod)


def _port(rule: TierRule, dst: Pod, proto: Protocol, port: int) -> bool:
    if not rule.ports:
        return True
    for p in rule.ports:
        if p.named_port is not None:
            if any(
                cp.name == p.named_port and cp.protocol is proto and cp.container_port == port
                for cp in dst.container_ports
            ):
                return True
        elif p.protocol is proto and p.port is not None:
            if p.port <= port <= (p.end_port or p.port):
                return True
    return False


def _tier(
    snap: ClusterSnapshot, tier: Tier, subject: Pod, peer: Pod, egress: bool, probe: tuple
) -> str | None:
    """ "A", "D", "?" or None (nothing decided, or Pass) for one port."""
    dst = peer if egress else subject
    pols = sorted(
        (p for p in snap.cluster_network_policies if p.tier is tier),
        key=lambda p: p.priority,
    )
    for prio in sorted({p.priority for p in pols}):
        actions = set()
        for pol in pols:
            if pol.priority != prio or not _selects(snap, pol.subject, subject):
                continue
            for r in pol.egress if egress else pol.ingress:
                if any(_peer(snap, x, r.action, peer) for x in r.peers) and _port(r, dst, *probe):
                    actions.add(r.action)
                    break
        if len(actions) > 1:
            return "?"
        if actions == {Action.PASS}:
            return None
        if actions:
            return "A" if actions == {Action.ACCEPT} else "D"
    return None


def _direction(
    snap: ClusterSnapshot, ev: Evaluator, a: Pod, b: Pod, egress: bool, probe: tuple
) -> str:
    subject, peer = (a, b) if egress else (b, a)
    got = _tier(snap, Tier.ADMIN, subject, peer, egress, probe)
    if got is not None:
        return got
    direction = Direction.EGRESS if egress else Direction.INGRESS
    v1 = ev.v1_side(pod_endpoint(subject), pod_endpoint(peer), direction, PortSet.of(*probe))
    if v1.isolated:
        return "A" if v1.ports else "D"
    return _tier(snap, Tier.BASELINE, subject, peer, egress, probe) or "A"


@SETTINGS
@given(mixed(), st.sampled_from(PROBES))
def test_class_matrix_equals_naive_tier_walk(snap: ClusterSnapshot, probe: tuple) -> None:
    m = Matrix(snap, ports=PortSet.of(*probe), policy_cidrs=False)
    ev = Evaluator(snap)
    for i, r in enumerate(m.rows):
        for j, c in enumerate(m.cols):
            if i == j:
                continue
            a, b = m.members[r.members[0]].pod, m.members[c.members[0]].pod
            assert a is not None and b is not None
            sides = {
                _direction(snap, ev, a, b, True, probe),
                _direction(snap, ev, a, b, False, probe),
            }
            want = (
                Verdict.DENIED
                if "D" in sides
                else Verdict.UNKNOWN
                if "?" in sides
                else Verdict.ALLOWED
            )
            assert m.cell(i, j).verdict is want, (r.id, c.id, sides)
            # reach (the explaining evaluator) gives the same answer as the matrix.
            assert ev.pods(pod_endpoint(a), pod_endpoint(b), PortSet.of(*probe)).verdict is want
