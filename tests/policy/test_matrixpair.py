"""Two snapshots' matrices built together equal two independent builds, cell by cell."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.cluster.model import ClusterSnapshot
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.matrix import Matrix
from netdiag.policy.matrixpair import _policy_cidrs, matrix_pair, same_endpoints
from netdiag.policy.ports import parse_port_spec
from tests.policy.strategies import clusters
from tests.policy.test_matrixdiff import _policy_change, change_sequences

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def policy_changes(draw: st.DrawFn) -> tuple[ClusterSnapshot, ClusterSnapshot]:
    snap = draw(clusters(max_policies=5))
    new = snap
    for _ in range(draw(st.integers(1, 3))):
        new = _policy_change(draw, new)
    return snap, new


def _cells(m: Matrix) -> dict[tuple[str, str], object]:
    return {
        (a.id, b.id): m.cell(i, j)
        for i, a in enumerate(m.rows)
        for j, b in enumerate(m.cols)
        if i != j
    }


def _check(old: ClusterSnapshot, new: ClusterSnapshot, granularity: str, port: str | None) -> None:
    query = parse_port_spec(port) if port else None
    a, b = matrix_pair(old, new, granularity=granularity, ports=query)
    if same_endpoints(old, new):
        assert [n.id for n in a.rows] == [n.id for n in b.rows]
        # Both sides over the union of the CIDRs either side's ipBlocks name.
        union = list(
            dict.fromkeys(
                (*_policy_cidrs(Evaluator(old).policies), *_policy_cidrs(Evaluator(new).policies))
            )
        )
        kw = {"externals": union, "policy_cidrs": False}
    else:
        kw = {}
    for snap, got in ((old, a), (new, b)):
        want = Matrix(snap, granularity=granularity, ports=query, **kw)  # type: ignore[arg-type]
        assert _cells(got) == _cells(want)


@SETTINGS
@given(
    policy_changes(),
    st.sampled_from(("pod", "workload", "namespace")),
    st.sampled_from((None, "80/TCP")),
)
def test_policy_only_changes_share_classes_and_equal_independent_builds(
    pair: tuple[ClusterSnapshot, ClusterSnapshot], granularity: str, port: str | None
) -> None:
    _check(*pair, granularity, port)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(change_sequences(), st.sampled_from(("pod", "namespace")))
def test_any_change_equals_independent_builds(
    snaps: list[ClusterSnapshot], granularity: str
) -> None:
    _check(snaps[0], snaps[-1], granularity, None)
