"""The pure store behind the watch: events and re-lists become the right changes."""

from __future__ import annotations

from typing import Any

from netdiag.sources.changes import Change, Store, changed_fields, merge_changes


def pod(name: str, rv: str = "1", **labels: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": "default", "labels": labels, "resourceVersion": rv},
        "spec": {"nodeName": "n1"},
    }


def test_modified_names_what_changed_and_ignores_resource_version() -> None:
    assert changed_fields(pod("a", "1", app="x"), pod("a", "2", app="y")) == ("labels",)
    assert changed_fields(pod("a", "1"), pod("a", "9")) == ()
    new = pod("a") | {"spec": {"nodeName": "n2"}}
    assert changed_fields(pod("a"), new) == ("spec",)


def test_apply_add_modify_delete() -> None:
    store = Store.from_lists({"pods": [pod("a")]})
    store, change = store.apply("pods", "ADDED", pod("b"))
    assert str(change) == "ADDED Pod default/b"
    store, change = store.apply("pods", "MODIFIED", pod("a", "2", app="web"))
    assert str(change) == "MODIFIED Pod default/a labels"
    store, change = store.apply("pods", "MODIFIED", pod("a", "3", app="web"))
    assert change is None, "only the resourceVersion changed"
    store, change = store.apply("pods", "DELETED", pod("b"))
    assert str(change) == "DELETED Pod default/b"
    assert [o["metadata"]["name"] for o in store.objects()] == ["a"]


def test_store_is_not_mutated_by_apply() -> None:
    before = Store.from_lists({"pods": [pod("a")]})
    before.apply("pods", "DELETED", pod("a"))
    assert len(before) == 1


def test_relist_reports_what_the_lost_history_changed() -> None:
    store = Store.from_lists({"pods": [pod("a"), pod("b"), pod("c")]})
    store, changes = store.relist("pods", [pod("a"), pod("b", "5", app="new"), pod("d")])
    assert [str(c) for c in changes] == [
        "MODIFIED Pod default/b labels",
        "DELETED Pod default/c",
        "ADDED Pod default/d",
    ]
    assert len(store) == 3


def test_merge_changes_collapses_a_burst() -> None:
    def c(type_: str, name: str, *fields: str) -> Change:
        return Change(type=type_, kind="Pod", namespace="ns", name=name, fields=fields)

    merged = merge_changes(
        [
            c("ADDED", "a"),
            c("MODIFIED", "a", "status"),
            c("ADDED", "gone"),
            c("DELETED", "gone"),
            c("MODIFIED", "b", "labels"),
            c("MODIFIED", "b", "spec"),
        ]
    )
    assert [str(x) for x in merged] == ["ADDED Pod ns/a", "MODIFIED Pod ns/b labels,spec"]
