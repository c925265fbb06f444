"""Matrices of large clusters (factored, no class x class table) equal the dense ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.gencluster import envelope, generate
from netdiag.cluster.model import ClusterSnapshot
from netdiag.policy import factored
from netdiag.policy.matrix import Matrix, reachability_document
from netdiag.policy.matrixdiff import diff_matrices, edge_count
from netdiag.policy.ports import PortSet, parse_port_spec
from netdiag.sources.manifests import load_manifests

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "policy"


def _both(
    snap: ClusterSnapshot, monkeypatch: pytest.MonkeyPatch, **kw: object
) -> tuple[Matrix, Matrix]:
    monkeypatch.setattr(factored, "FACTOR_ABOVE", 10**9)
    dense = Matrix(snap, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(factored, "FACTOR_ABOVE", -1)
    fact = Matrix(snap, **kw)  # type: ignore[arg-type]
    assert dense._factored is None and fact._factored is not None
    return dense, fact


def _assert_same(dense: Matrix, fact: Matrix) -> None:
    n = len(dense.rows)
    assert [r.id for r in fact.rows] == [r.id for r in dense.rows]
    diff = [
        (dense.rows[i].id, dense.rows[j].id)
        for i in range(n)
        for j in range(n)
        if dense.cell(i, j) != fact.cell(i, j)
    ]
    assert diff == []
    assert reachability_document(fact) == reachability_document(dense)


SNAPSHOTS = {
    # Deployments with owners, monitoring and kube-system policies with
    # namespaceSelector: {} peers, default-denies in every other namespace.
    "envelope": lambda: envelope(pods=1500, namespaces=15, policies=120, nodes=50, services=90),
    # ipBlocks with except, named ports, endPort, NotIn/Exists, DNS egress.
    "generated": lambda: generate(pods=600, namespaces=12, policies=120, seed=3),
}


@pytest.mark.parametrize("granularity", ["pod", "namespace", "workload"])
@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
@pytest.mark.parametrize("port", [None, "8080/TCP"])
def test_factored_equals_dense_on_generated_clusters(
    name: str, granularity: str, port: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports: PortSet | None = parse_port_spec(port) if port else None
    dense, fact = _both(
        SNAPSHOTS[name](),
        monkeypatch,
        granularity=granularity,
        ports=ports,
        externals=("10.244.0.0/16", "0.0.0.0/0"),
    )
    _assert_same(dense, fact)
    # A cluster of this shape has cells of every verdict worth checking.
    verdicts = {fact.cell(i, j).verdict for i in range(len(fact.rows)) for j in range(3)}
    assert len(verdicts) >= 2


@pytest.mark.parametrize("granularity", ["pod", "namespace", "workload"])
@pytest.mark.parametrize(
    "scenario", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name[0] == "_")
)
def test_factored_equals_dense_on_policy_fixtures(
    scenario: str, granularity: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trap 8 (hostNetwork, ClusterIPs in ipBlocks), ipBlocks naming pods, named ports…"""
    d = FIXTURES / scenario
    pods = d / "pods.yaml" if (d / "pods.yaml").exists() else FIXTURES / "_model"
    snap = load_manifests([str(pods), str(d / "policies.yaml")])
    if snap.cluster_network_policies or snap.foreign_policies:
        # Tiered and CNI layers read across namespaces: never factored.
        monkeypatch.setattr(factored, "FACTOR_ABOVE", -1)
        assert Matrix(snap, granularity=granularity)._factored is None
        return
    dense, fact = _both(snap, monkeypatch, granularity=granularity, externals=("10.0.0.0/8",))
    _assert_same(dense, fact)
    assert diff_matrices(dense, fact) == ()
    assert edge_count(fact) == edge_count(dense)
    n = len(fact.rows)
    assert [fact.explain(i, j) for i in range(n) for j in range(n)] == [
        dense.explain(i, j) for i in range(n) for j in range(n)
    ]
