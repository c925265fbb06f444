"""The watch's class-by-class matrix diff against diffing two full documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot, OwnerRef, Pod
from netdiag.policy.matrix import Matrix, reachability_document
from netdiag.policy.matrixdiff import (
    MatrixFollower,
    diff_documents,
    diff_matrices,
    edge_count,
)
from netdiag.policy.ports import parse_port_spec
from tests.policy.conftest import e2e_cluster, peer, policy, rule, sel
from tests.policy.strategies import HOSTS, NS, clusters, labels_st, named_ports_st, policies

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: 10.0.0.5 is also a ClusterIP the changes can move a Service to (trap 8).
EXTERNALS = ("10.0.0.0/24", "192.0.2.0/24", "10.0.0.5")
Change = Callable[[ClusterSnapshot], ClusterSnapshot]


def _pod_change(draw: st.DrawFn, snap: ClusterSnapshot) -> ClusterSnapshot:
    pods = list(snap.pods)
    if not pods:
        return snap
    i = draw(st.integers(0, len(pods) - 1))
    pod = pods[i]
    what = draw(
        st.sampled_from(
            ("labels", "ip", "synthetic", "ready", "ports", "owner", "host", "delete", "namespace")
        )
    )
    if what == "labels":
        pods[i] = replace(pod, labels=draw(labels_st))
    elif what == "ip":
        pods[i] = replace(
            pod, ips=(f"10.0.{draw(st.sampled_from((0, 1)))}.{draw(st.sampled_from(HOSTS))}",)
        )
    elif what == "synthetic":
        pods[i] = replace(pod, synthetic_ip=not pod.synthetic_ip)
    elif what == "ready":
        # Nothing the matrix reads: the follower keeps its matrix.
        pods[i] = replace(
            pod, ready=not pod.ready, phase=draw(st.sampled_from(("Running", "Pending")))
        )
    elif what == "ports":
        pods[i] = replace(pod, containers=draw(named_ports_st))
    elif what == "owner":
        name = draw(st.sampled_from(("web", "db", None)))
        pods[i] = replace(pod, owner=OwnerRef(kind="Deployment", name=name) if name else None)
    elif what == "host":
        pods[i] = replace(pod, host_network=not pod.host_network)
    elif what == "namespace":
        pods[i] = replace(pod, namespace=draw(st.sampled_from(NS)))
    else:
        del pods[i]
    return replace(snap, pods=tuple(pods))


def _add_pod(draw: st.DrawFn, snap: ClusterSnapshot) -> ClusterSnapshot:
    names = {p.name for p in snap.pods}
    name = next(f"n{k}" for k in range(100) if f"n{k}" not in names)
    pod = Pod(
        namespace=draw(st.sampled_from(NS)),
        name=name,
        labels=draw(labels_st),
        ips=(f"10.0.{draw(st.sampled_from((0, 1)))}.{draw(st.sampled_from(HOSTS))}",),
        synthetic_ip=draw(st.booleans()),
        containers=draw(named_ports_st),
        owner=OwnerRef(kind="Deployment", name="web") if draw(st.booleans()) else None,
    )
    at = draw(st.integers(0, len(snap.pods)))
    return replace(snap, pods=snap.pods[:at] + (pod,) + snap.pods[at:])


def _policy_change(draw: st.DrawFn, snap: ClusterSnapshot) -> ClusterSnapshot:
    pols = list(snap.network_policies)
    if pols and draw(st.booleans()):
        i = draw(st.integers(0, len(pols) - 1))
        if draw(st.booleans()):
            del pols[i]
        else:
            pols[i] = draw(policies(name=pols[i].name, ns=pols[i].namespace))
    else:
        pols.append(draw(policies(name=f"new{len(pols)}")))
    return replace(snap, network_policies=tuple(pols))


def _other_change(draw: st.DrawFn, snap: ClusterSnapshot) -> ClusterSnapshot:
    if draw(st.booleans()):
        i = draw(st.integers(0, len(snap.namespaces) - 1))
        ns = snap.namespaces[i]
        labels = Labels({**dict(ns.labels), "env": draw(st.sampled_from(("a", "b")))})
        spaces = list(snap.namespaces)
        spaces[i] = replace(ns, labels=labels)
        return replace(snap, namespaces=tuple(spaces))
    svc = replace(
        snap.services[0], cluster_ips=(draw(st.sampled_from(("10.96.0.10", "10.0.0.5"))),)
    )
    return replace(snap, services=(svc,))


@st.composite
def change_sequences(draw: st.DrawFn) -> list[ClusterSnapshot]:
    """A cluster, then the snapshot after each of 1-6 bursts of 1-3 random changes."""
    snap = draw(clusters(max_policies=5))
    out = [snap]
    for _ in range(draw(st.integers(1, 6))):
        # Mostly one change per burst: a change the follower wrongly ignores must not
        # be hidden by another one in the same burst that forces a new matrix.
        for _ in range(draw(st.sampled_from((1, 1, 1, 2, 3)))):
            step = draw(
                st.sampled_from((_pod_change, _pod_change, _add_pod, _policy_change, _other_change))
            )
            snap = step(draw, snap)
        out.append(snap)
    return out


@SETTINGS
@given(
    change_sequences(),
    st.sampled_from(("pod", "workload", "namespace")),
    st.sampled_from((None, "80/TCP")),
    st.booleans(),
)
def test_following_changes_equals_diffing_full_documents(
    snaps: list[ClusterSnapshot], granularity: str, port: str | None, externals: bool
) -> None:
    """After every burst: the follower's edge changes are those between the documents
    of two from-scratch matrices, and its matrix (new or kept) has the new document."""

    def build(snap: ClusterSnapshot) -> Matrix:
        return Matrix(
            snap,
            granularity=granularity,
            externals=EXTERNALS if externals else (),
            ports=parse_port_spec(port) if port else None,
        )

    follower = MatrixFollower(build)
    assert follower.update(snaps[0]) == ()
    previous = reachability_document(build(snaps[0]))
    for snap in snaps[1:]:
        full = reachability_document(build(snap))
        assert follower.update(snap) == diff_documents(previous, full)
        assert follower.matrix is not None
        assert reachability_document(follower.matrix) == full
        assert edge_count(follower.matrix) == len(full["edges"])  # type: ignore[arg-type]
        previous = full


def test_a_change_the_matrix_cannot_see_keeps_the_matrix() -> None:
    snap = e2e_cluster()
    follower = MatrixFollower(Matrix)
    follower.update(snap)
    kept = follower.matrix
    pods = tuple(replace(p, ready=False) if p.name == "a" else p for p in snap.pods)
    assert follower.update(replace(snap, pods=pods)) == ()
    assert follower.matrix is kept
    relabelled = tuple(
        replace(p, labels=Labels({"pod": "d"})) if p.name == "a" else p for p in pods
    )
    follower.update(replace(snap, pods=relabelled))
    assert follower.matrix is not kept


def test_pods_added_and_removed_change_every_edge_they_had() -> None:
    deny = policy("x", "deny", selector=sel(pod="a"), ingress=[rule(peer(pods=sel(pod="b")))])
    before = e2e_cluster([deny])
    gone = tuple(p for p in before.pods if p.key != "x/c")
    new = replace(before.pods[0], name="d", labels=Labels({"pod": "b"}), ips=("10.244.0.40",))
    after = replace(before, pods=(*gone, new))
    changes = diff_matrices(Matrix(before), Matrix(after))
    text = [str(c) for c in changes]
    assert "+ x/d -> x/a  SCTP/*,TCP/*,UDP/*" in text
    assert not any(c.source == "x/c" and c.target == "x/a" for c in changes)  # was denied
    assert any(c.sign == "-" and c.source == "x/c" and c.target == "y/a" for c in changes)
    assert changes == diff_documents(
        reachability_document(Matrix(before)), reachability_document(Matrix(after))
    )
    assert [(c.source, c.target) for c in changes] == sorted((c.source, c.target) for c in changes)


def _follow(snaps: list[ClusterSnapshot], **kw: object) -> None:
    """The follower through ``snaps`` agrees with full documents at every step."""

    def build(snap: ClusterSnapshot) -> Matrix:
        return Matrix(snap, **kw)  # type: ignore[arg-type]

    follower = MatrixFollower(build)
    follower.update(snaps[0])
    previous = reachability_document(build(snaps[0]))
    for snap in snaps[1:]:
        full = reachability_document(build(snap))
        changes = follower.update(snap)
        assert changes == diff_documents(previous, full)
        assert follower.matrix is not None and reachability_document(follower.matrix) == full
        previous = full


def test_ip_changes_move_pods_in_and_out_of_ipblocks() -> None:
    """Trap 4: ipBlocks match pod IPs, never synthetic ones; a ClusterIP is undefined."""
    egress = policy(
        "x",
        "out",
        selector=sel(pod="a"),
        egress=[rule(peer(cidr="10.244.1.0/24"))],
        types=["Egress"],
    )
    snap = e2e_cluster([egress])

    def with_pod(**kw: object) -> ClusterSnapshot:
        pods = tuple(replace(p, **kw) if p.key == "y/b" else p for p in snap.pods)  # type: ignore[arg-type]
        return replace(snap, pods=pods)

    moved = with_pod(ips=("10.244.7.11",))
    synthetic = with_pod(synthetic_ip=True)
    steps = [snap, moved, snap, synthetic, snap]
    _follow(steps)
    assert [str(c) for c in diff_matrices(Matrix(snap), Matrix(moved))] == [
        "- x/a -> y/b  SCTP/*,TCP/*,UDP/*"
    ]
    assert diff_matrices(Matrix(snap), Matrix(synthetic)) == diff_matrices(
        Matrix(snap), Matrix(moved)
    )
    from netdiag.cluster.model import Service

    svc = Service(namespace="y", name="s", cluster_ips=("10.96.0.10",))
    with_svc = replace(snap, services=(svc,))
    on_external = replace(with_svc, services=(replace(svc, cluster_ips=("10.244.1.99",)),))
    _follow([with_svc, on_external, with_svc], externals=("10.244.1.99",))
    doc = reachability_document(Matrix(on_external, externals=("10.244.1.99",)))
    assert any(e.get("implementation_defined") for e in doc["edges"])  # type: ignore[attr-defined]


def test_an_edge_turning_implementation_defined_is_a_change() -> None:
    """A policy selecting a pod that becomes hostNetwork: same ports, but what the
    CNI does is no longer defined — the watch says so instead of staying silent."""
    allow_b = policy("x", "p", selector=sel(pod="a"), ingress=[rule(peer(pods=sel(pod="b")))])
    snap = e2e_cluster([allow_b])
    follower = MatrixFollower(Matrix)
    follower.update(snap)
    host = tuple(replace(p, host_network=True) if p.key == "x/a" else p for p in snap.pods)
    changes = follower.update(replace(snap, pods=host))
    change = next(c for c in changes if (c.source, c.target) == ("x/b", "x/a"))
    assert change.sign == "~"
    assert change.removed_ports == () and change.implementation_defined
    assert str(change).endswith("(now implementation-defined)")
    assert change.to_json()["implementation_defined"] is True
    # Every other cell of the hostNetwork pod appears too: an implementation-defined
    # cell is an edge even when no port is surely allowed.
    assert all(c.implementation_defined for c in changes)
    assert all("x/a" in (c.source, c.target) for c in changes)
    assert sorted(changes, key=str) == sorted(
        diff_documents(
            reachability_document(Matrix(snap)),
            reachability_document(Matrix(replace(snap, pods=host))),
        ),
        key=str,
    )
    back = next(c for c in follower.update(snap) if (c.source, c.target) == ("x/b", "x/a"))
    assert str(back).endswith("(no longer implementation-defined)")
    assert back.to_json()["implementation_defined"] is False
