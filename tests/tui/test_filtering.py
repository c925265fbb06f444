"""k9s-style filter terms over matrix nodes."""

from __future__ import annotations

from netdiag_tui.filtering import filter_indices, matches
from netdiag_tui.matrix_view import MatrixNode

WEB = MatrixNode(
    id="shop/web-0",
    kind="pod",
    namespace="shop",
    name="web-0",
    labels=(("app", "web"), ("tier", "front")),
)
DB = MatrixNode(id="shop/db-0", kind="pod", namespace="shop", name="db-0", labels=(("app", "db"),))
CIDR = MatrixNode(id="10.0.0.0/8", kind="cidr", namespace="", name="10.0.0.0/8")


def test_terms() -> None:
    assert matches(WEB, "web") and matches(WEB, "WEB") and not matches(DB, "web")
    assert matches(WEB, "ns:shop") and not matches(CIDR, "ns:shop")
    assert matches(WEB, "app=web") and not matches(DB, "app=web")
    assert matches(DB, "tier!=front") and not matches(WEB, "tier!=front")  # absent key != value
    assert matches(DB, "!web") and not matches(WEB, "!web")
    assert matches(WEB, "ns:shop app=web tier=front") and not matches(WEB, "ns:shop app=db")


def test_namespace_scope_and_indices() -> None:
    nodes = [WEB, DB, CIDR]
    assert filter_indices(nodes, "") == [0, 1, 2]
    # like `netdiag matrix -n shop`: the scope keeps the CIDR nodes (they have no namespace)
    assert filter_indices(nodes, "", namespace="shop") == [0, 1, 2]
    assert filter_indices(nodes, "", namespace="other") == [2]
    assert filter_indices(nodes, "app=db", namespace="shop") == [1]
    assert filter_indices(nodes, "!/") == []  # every id has a slash, CIDRs included
