"""The class-based matrix against a pair-by-pair evaluator, and the engine's invariants."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot, OwnerRef
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.matrix import Matrix, reachability_document
from netdiag.policy.ports import ALL, PortSet
from netdiag.policy.verdict import Direction, Verdict
from tests.policy.conftest import e2e_cluster, peer, policy, port, rule, sel
from tests.policy.strategies import CIDRS, clusters, policies

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXTERNALS = ("10.0.0.0/24", "10.0.0.4/30", "192.0.2.0/24", "10.96.0.10")


def table(m: Matrix) -> dict[tuple[str, str], tuple[Verdict, PortSet]]:
    return {
        (r.id, c.id): (m.cell(i, j).verdict, m.cell(i, j).ports)
        for i, r in enumerate(m.rows)
        for j, c in enumerate(m.cols)
    }


def naive(snap: ClusterSnapshot, m: Matrix) -> dict[tuple[str, str], tuple[Verdict, PortSet]]:
    """Deliberately naive: every pair through the explaining evaluator."""
    ev = Evaluator(snap)
    eps = [m._endpoint(n.members[0]) for n in m.rows]
    out = {}
    for a in eps:
        for b in eps:
            p = ev.pods(a, b, m.query or ALL)
            out[(a.text, b.text)] = (p.verdict, p.ports)
    return out


@SETTINGS
@given(clusters(), st.sampled_from((None, PortSet.all(), "80/TCP")))
def test_class_matrix_equals_pair_by_pair_evaluation(snap: ClusterSnapshot, q: object) -> None:
    from netdiag.policy.ports import parse_port_spec

    query = parse_port_spec(q) if isinstance(q, str) else q  # type: ignore[arg-type]
    m = Matrix(snap, externals=EXTERNALS, ports=query)  # type: ignore[arg-type]
    assert table(m) == naive(snap, m)


@SETTINGS
@given(clusters(), st.randoms(use_true_random=False))
def test_permuting_policies_and_pods_never_changes_the_matrix(
    snap: ClusterSnapshot, rnd: random.Random
) -> None:
    pods = list(snap.pods)
    pols = list(snap.network_policies)
    rnd.shuffle(pods)
    rnd.shuffle(pols)
    shuffled = replace(snap, pods=tuple(pods), network_policies=tuple(pols))
    assert table(Matrix(snap, externals=EXTERNALS)) == table(Matrix(shuffled, externals=EXTERNALS))


@SETTINGS
@given(clusters())
def test_unselected_pods_are_open_and_allowed_is_egress_and_ingress(snap: ClusterSnapshot) -> None:
    ev = Evaluator(snap)
    for a in snap.pods:
        for b in snap.pods:
            if a.key == b.key:
                continue
            p = ev.pods(Endpoint(text=a.key, pod=a), Endpoint(text=b.key, pod=b))
            if not ev.selecting(a, p.egress.direction):
                assert p.egress.ports == ALL and not p.egress.isolated
            if not ev.selecting(b, p.ingress.direction):
                assert p.ingress.ports == ALL and not p.ingress.isolated
            if not p.egress.unknown and not p.ingress.unknown:
                both = bool(p.egress.ports & p.ingress.ports)
                assert (p.verdict is Verdict.ALLOWED) == both


@SETTINGS
@given(clusters(), policies(name="added"))
def test_a_policy_never_touches_pods_outside_its_namespace(
    snap: ClusterSnapshot, extra: object
) -> None:
    after = replace(snap, network_policies=(*snap.network_policies, extra))  # type: ignore[arg-type]
    old, new = table(Matrix(snap)), table(Matrix(after))
    ns = extra.namespace  # type: ignore[attr-defined]
    for (s, d), cell in old.items():
        if not s.startswith(f"{ns}/") and not d.startswith(f"{ns}/"):
            assert new[(s, d)] == cell


@SETTINGS
@given(clusters(), policies(name="added"))
def test_adding_a_policy_to_isolated_pods_never_removes_a_connection(
    snap: ClusterSnapshot, extra: object
) -> None:
    ev = Evaluator(snap)
    after = replace(snap, network_policies=(*snap.network_policies, extra))  # type: ignore[arg-type]
    ev_after = Evaluator(after)
    new_pol = ev_after.policies[-1]
    # Only when the new policy isolates nothing new: then it can only add allowances.
    for pod in snap.pods:
        if new_pol.selects(pod.namespace, pod.labels):
            if new_pol.isolates_egress and not ev.selecting(pod, Direction.EGRESS):
                return
            if new_pol.isolates_ingress and not ev.selecting(pod, Direction.INGRESS):
                return
    old, new = table(Matrix(snap)), table(Matrix(after))
    for key, (verdict, ports) in old.items():
        assert ports.issubset(new[key][1])
        if verdict is Verdict.ALLOWED:
            assert new[key][0] is Verdict.ALLOWED


def test_granularities_and_document_shape() -> None:
    pods = [
        replace(p, owner=OwnerRef(kind="Deployment", name="web")) if p.name in "ab" else p
        for p in e2e_cluster().pods
    ]
    snap = e2e_cluster(
        [
            policy(
                "x",
                "p",
                selector=sel(pod="a"),
                ingress=[rule(peer(pods=sel(pod="c")), ports=[port(80)])],
            )
        ],
        pods=pods,
    )
    w = Matrix(snap, granularity="workload", policy_cidrs=False)
    ids = [n.id for n in w.rows]
    assert ids == ["x/c", "x/web", "y/c", "y/web", "z/c", "z/web"]
    i, j = ids.index("x/c"), ids.index("x/web")
    assert w.cell(i, j).verdict is Verdict.ALLOWED  # x/c reaches x/a on 80 and x/b on all: union
    ns = Matrix(snap, granularity="namespace", policy_cidrs=False)
    assert [n.id for n in ns.rows] == ["x", "y", "z"]
    assert ns.rows[0].labels == Labels({"ns": "x", "kubernetes.io/metadata.name": "x"})
    doc = reachability_document(Matrix(snap, externals=["192.0.2.0/24"]))
    assert doc["schema"] == "netdiag/reachability/v1"
    nodes = doc["nodes"]
    assert nodes[-1] == {
        "id": "192.0.2.0/24",
        "kind": "cidr",
        "namespace": None,
        "name": "192.0.2.0/24",
        "labels": {},
    }
    edges = doc["edges"]
    assert edges == sorted(
        edges,
        key=lambda e: (
            [n["id"] for n in nodes].index(e["from"]),
            [n["id"] for n in nodes].index(e["to"]),
        ),
    )
    assert all(e["from"] != e["to"] for e in edges)
    to_xa = {e["from"]: e["ports"] for e in edges if e["to"] == "x/a"}
    assert to_xa == {"x/c": [{"protocol": "TCP", "port": 80}]}


def test_port_filter_keeps_only_pairs_allowing_one_of_the_ports() -> None:
    from netdiag.policy.ports import parse_port_spec

    snap = e2e_cluster([policy("x", "p", ingress=[rule(ports=[port(81)])])])
    doc = reachability_document(Matrix(snap, ports=parse_port_spec("80/TCP")))
    assert not [e for e in doc["edges"] if e["to"].startswith("x/")]  # type: ignore[index]
    doc81 = reachability_document(Matrix(snap, ports=parse_port_spec("81/TCP")))
    assert len([e for e in doc81["edges"] if e["to"] == "x/a"]) == 8  # type: ignore[index]


def test_cidrs_in_policies_become_nodes() -> None:
    snap = e2e_cluster(
        [
            policy(
                "x",
                "p",
                types=("Egress",),
                egress=[rule(peer(cidr="0.0.0.0/0", except_=["10.0.0.0/8"]))],
            )
        ]
    )
    m = Matrix(snap)
    assert [n.id for n in m.rows if n.kind == "cidr"] == ["0.0.0.0/0", "10.0.0.0/8"]
    ids = [n.id for n in m.rows]
    assert m.cell(ids.index("x/a"), ids.index("10.0.0.0/8")).verdict is Verdict.DENIED
    assert (
        m.cell(ids.index("x/a"), ids.index("0.0.0.0/0")).verdict is Verdict.DENIED
    )  # partly excepted
    assert set(CIDRS)  # strategies share the address plan


def test_explain_of_a_group_cell_uses_a_pair_with_the_cells_verdict() -> None:
    snap = e2e_cluster(
        [policy("x", "p", selector=sel(pod="a"), ingress=[rule(peer(pods=sel(pod="c")))])]
    )
    m = Matrix(snap, granularity="namespace", policy_cidrs=False)
    v = m.explain(0, 0)  # x -> x: some pairs allowed (x/b -> x/c), some denied (x/b -> x/a)
    assert m.cell(0, 0).verdict is Verdict.ALLOWED
    assert v.verdict is Verdict.ALLOWED
    pod_m = Matrix(snap, policy_cidrs=False)
    ids = [n.id for n in pod_m.rows]
    v = pod_m.explain(ids.index("x/b"), ids.index("x/a"))
    assert (v.src, v.dst, v.verdict) == ("x/b", "x/a", Verdict.DENIED)


def test_streamed_json_equals_the_document() -> None:
    import json

    from netdiag.policy.matrix import iter_reachability_json

    snap = e2e_cluster(
        [policy("x", "p", ingress=[rule(peer(cidr="10.244.1.0/24"), ports=[port(80)])])]
    )
    m = Matrix(snap, externals=["192.0.2.1"])
    assert json.loads("\n".join(iter_reachability_json(m))) == reachability_document(m)
    empty = Matrix(e2e_cluster([policy("x", "deny-all", types=("Ingress", "Egress"))], pods=[]))
    assert json.loads("\n".join(iter_reachability_json(empty)))["edges"] == []


def test_an_external_node_that_is_a_cluster_ip_is_implementation_defined() -> None:
    from netdiag.cluster.model import Service, ServicePort

    svc = Service(
        namespace="y", name="s", cluster_ips=("10.96.0.10",), ports=(ServicePort(port=80),)
    )
    pol = policy("x", "p", types=("Egress",), egress=[rule(peer(cidr="10.96.0.0/16"))])
    m = Matrix(e2e_cluster([pol], services=(svc,)), externals=["10.96.0.10", "10.96.0.0/24"])
    ids = [n.id for n in m.rows]
    assert m.cell(ids.index("x/a"), ids.index("10.96.0.10")).verdict is Verdict.UNKNOWN
    assert m.cell(ids.index("y/a"), ids.index("10.96.0.10")).verdict is Verdict.ALLOWED
    assert m.cell(ids.index("x/a"), ids.index("10.96.0.0/24")).verdict is Verdict.ALLOWED


def _aggregate(cells: list[tuple[Verdict, PortSet]], query: PortSet) -> tuple[Verdict, PortSet]:
    if not cells:
        return Verdict.ALLOWED, query
    allowed = [p for v, p in cells if v is Verdict.ALLOWED]
    if allowed:
        out = allowed[0]
        for p in allowed[1:]:
            out = out | p
        return Verdict.ALLOWED, out
    unknown = [p for v, p in cells if v is Verdict.UNKNOWN]
    if unknown:
        out = unknown[0]
        for p in unknown[1:]:
            out = out | p
        return Verdict.UNKNOWN, out
    return Verdict.DENIED, PortSet.none()


@SETTINGS
@given(clusters(), st.sampled_from(("workload", "namespace")))
def test_group_cells_aggregate_the_pod_cells(snap: ClusterSnapshot, granularity: str) -> None:
    pods = tuple(
        replace(p, owner=OwnerRef(kind="Deployment", name=p.labels.get("pod", "solo")))
        for p in snap.pods
    )
    snap = replace(snap, pods=pods)
    pod_m = Matrix(snap, policy_cidrs=False)
    pod_cells = table(pod_m)
    m = Matrix(snap, granularity=granularity, policy_cidrs=False)
    for i, r in enumerate(m.rows):
        for j, c in enumerate(m.cols):
            members = [
                pod_cells[(pod_m.members[a].text, pod_m.members[b].text)]
                for a in r.members
                for b in c.members
                if a != b
            ]
            cell = m.cell(i, j)
            assert (cell.verdict, cell.ports) == _aggregate(members, ALL)


def test_a_group_with_itself_counts_its_own_pods_not_another_groups() -> None:
    """Two workloads whose pods share one class: a one-pod workload reaches itself (a pod
    can always reach itself); a two-pod one is denied (its pods are isolated from each
    other). Both have the same set of member classes, so the cell of one must not be
    reused for the other (it was, depending on which came first)."""
    owner = {"a": "solo", "b": "pair", "c": "pair"}
    pods = [
        replace(
            p, labels=Labels({"app": "same"}), owner=OwnerRef(kind="Deployment", name=owner[p.name])
        )
        for p in e2e_cluster().pods
        if p.namespace == "x"
    ]
    deny = policy("x", "deny", selector=sel(), types=["Ingress"])
    for order in (pods, pods[::-1]):
        m = Matrix(e2e_cluster([deny], pods=order), granularity="workload", policy_cidrs=False)
        ids = [n.id for n in m.rows]
        solo, pair = ids.index("x/solo"), ids.index("x/pair")
        assert m.cell(solo, solo).verdict is Verdict.ALLOWED
        assert m.cell(pair, pair).verdict is Verdict.DENIED
        assert m.cell(solo, pair).verdict is Verdict.DENIED
