"""Reachability diffs for ``matrix --watch`` on the netdiag/reachability/v1 shape."""

from __future__ import annotations

from typing import Any

from netdiag.cli.watch_matrix import diff_documents


def doc(*edges: tuple[str, str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "schema": "netdiag/reachability/v1",
        "nodes": [],
        "edges": [{"from": a, "to": b, "ports": ports} for a, b, ports in edges],
    }


TCP80 = [{"protocol": "TCP", "port": 80}]
ALL_TCP = [{"protocol": "TCP"}]


def test_added_removed_and_port_changes() -> None:
    old = doc(("a/x", "b/y", TCP80), ("a/x", "c/z", ALL_TCP))
    new = doc(("a/x", "b/y", ALL_TCP), ("d/w", "a/x", [{"protocol": "UDP", "port": 53}]))
    assert [str(c) for c in diff_documents(old, new)] == [
        "~ a/x -> b/y  TCP/*  (no longer TCP/80)",
        "- a/x -> c/z  TCP/*",
        "+ d/w -> a/x  UDP/53",
    ]


def test_port_order_and_equal_documents_give_no_change() -> None:
    ports = [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 8000, "end_port": 8080}]
    assert diff_documents(doc(("a", "b", ports)), doc(("a", "b", ports[::-1]))) == ()


def test_json_form_names_the_change() -> None:
    (change,) = diff_documents(doc(), doc(("a", "b", [{"protocol": "TCP", "port": 1}])))
    assert change.to_json() == {
        "change": "added",
        "from": "a",
        "to": "b",
        "ports": [{"protocol": "TCP", "port": 1}],
    }
