"""The grouped reachability diff against a brute-force diff of two full matrices."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from netdiag.cluster.model import ClusterSnapshot
from netdiag.diff.reach import KINDS, diff_reachability, kind_of
from netdiag.policy.cells import is_edge
from netdiag.policy.matrix import Matrix
from netdiag.policy.matrixdiff import Edge, port_keys
from netdiag.policy.ports import parse_port_spec
from netdiag.policy.verdict import Verdict
from tests.policy.conftest import e2e_cluster, peer, policy, port, rule, sel
from tests.policy.test_matrixdiff import change_sequences

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXTERNALS = ("10.0.0.0/24", "192.0.2.0/24", "10.0.0.5")


def _full(m: Matrix) -> dict[tuple[str, str], Edge]:
    """Every cell of the matrix, pair by pair (no class view): the edges of the document."""
    out = {}
    for i, a in enumerate(m.rows):
        for j, b in enumerate(m.cols):
            if i == j or (a.kind == "cidr" and b.kind == "cidr"):
                continue
            c = m.cell(i, j)
            if is_edge(c):
                out[(a.id, b.id)] = (port_keys(c.ports), c.verdict is Verdict.UNKNOWN)
    return out


@SETTINGS
@given(
    change_sequences(),
    st.sampled_from(("pod", "workload", "namespace")),
    st.sampled_from((None, "80/TCP")),
    st.booleans(),
)
def test_grouped_diff_is_the_pairwise_diff_of_two_full_matrices(
    snaps: list[ClusterSnapshot], granularity: str, port: str | None, externals: bool
) -> None:
    query = parse_port_spec(port) if port else None

    def build(snap: ClusterSnapshot) -> Matrix:
        ext = EXTERNALS if externals else ()
        return Matrix(snap, granularity=granularity, externals=ext, ports=query)

    old, new = build(snaps[0]), build(snaps[-1])
    before, after = _full(old), _full(new)
    want = {k: (before.get(k), after.get(k)) for k in set(before) | set(after)}
    want = {k: v for k, v in want.items() if v[0] != v[1]}
    got: dict[tuple[str, str], tuple[Edge | None, Edge | None]] = {}
    changes = diff_reachability(old, new)
    event("changed" if want else "unchanged")
    for c in changes:
        pairs = {(s, d) for srcs, dsts in c.blocks for s in srcs for d in dsts if s != d}
        assert c.cells == len(pairs), "cell count is the number of distinct pairs"
        for pair in pairs:
            assert pair not in got, "every changed cell is in exactly one change"
            was, now = want[pair]
            got[pair] = (was, now)
            assert kind_of(was, now) == c.kind
            assert (was is None) == (not c.before.allowed)
            assert (now is None) == (not c.after.allowed)
            if was is not None:
                assert frozenset(c.before.ports) == was[0]
                assert c.before.implementation_defined == was[1]
            if now is not None:
                assert frozenset(c.after.ports) == now[0]
                assert c.after.implementation_defined == now[1]
        assert c.example in pairs
    assert got.keys() == want.keys()
    assert [KINDS.index(c.kind) for c in changes] == sorted(KINDS.index(c.kind) for c in changes)


def test_a_default_deny_closing_many_cells_is_one_change_with_both_explanations() -> None:
    snap = e2e_cluster()
    after = e2e_cluster([policy("x", "deny-all", types=("Ingress",))])
    changes = diff_reachability(Matrix(snap), Matrix(after))
    assert [c.kind for c in changes] == ["closed"]
    (c,) = changes
    x_pods = {p.key for p in snap.pods if p.namespace == "x"}
    assert set(c.destinations) == x_pods
    assert c.cells == len(snap.pods) * len(x_pods) - len(x_pods)
    assert "ingress not isolated" in c.before.why
    assert "ingress isolated by x/deny-all, no rule allows" in c.after.why


def test_opening_one_port_names_the_rule_that_opens_it() -> None:
    deny = policy("x", "deny-all", types=("Ingress",))
    allow = policy(
        "x", "allow-a", sel(pod="a"), ingress=[rule(peer(sel(pod="b")), ports=[port(80)])]
    )
    base, opened = e2e_cluster([deny]), e2e_cluster([deny, allow])
    (c,) = diff_reachability(Matrix(base), Matrix(opened))
    assert c.kind == "opened"
    assert c.example == ("x/b", "x/a")
    assert c.after.ports == (("TCP", 80, None),)
    assert "x/allow-a ingress[0]" in c.after.why
    assert "x/deny-all" in c.before.why


def test_no_change_no_blocks() -> None:
    snap = e2e_cluster()
    assert diff_reachability(Matrix(snap), Matrix(snap)) == ()


def test_explanations_are_bounded_and_the_rest_still_grouped() -> None:
    from netdiag.diff.reach import NOT_EXPLAINED

    snap = e2e_cluster()
    after = e2e_cluster([policy(ns, "deny-all", types=("Ingress",)) for ns in ("x", "y", "z")])
    full = diff_reachability(Matrix(snap), Matrix(after))
    bounded = diff_reachability(Matrix(snap), Matrix(after), max_explained=0)
    assert {c.before.why for c in bounded} == {NOT_EXPLAINED}
    assert sum(c.cells for c in bounded) == sum(c.cells for c in full)
    assert len(bounded) <= len(full)
