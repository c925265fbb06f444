"""Parsed once per distinct raw value; failures still name each place."""

from __future__ import annotations

import pytest

from netdiag.cluster import intern
from netdiag.cluster.build import snapshot_from_objects
from netdiag.errors import ManifestError


def _pod(name: str, port: dict[str, object]) -> tuple[dict[str, object], str]:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "ports": [dict(port)]}]},
    }
    return obj, f"pods.yaml ({name})"


def test_equal_ports_of_many_pods_are_one_object() -> None:
    port = {"containerPort": 8080, "name": "http", "protocol": "TCP"}
    snap = snapshot_from_objects([_pod(f"p{i}", port) for i in range(5)], source="t")
    ports = [p.containers[0].ports[0] for p in snap.pods]
    assert all(p is ports[0] for p in ports)
    assert ports[0].container_port == 8080 and ports[0].name == "http"


def test_a_bad_port_fails_at_every_occurrence() -> None:
    bad = {"containerPort": 8080, "name": "not_a_valid_name"}
    for name in ("a", "b"):
        with pytest.raises(ManifestError, match=r"ports\[0\]\.name"):
            snapshot_from_objects([_pod(name, bad)], source="t")


def test_memo_parses_each_distinct_value_once_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memo: intern.Memo[int] = intern.Memo()
    parsed: list[int] = []

    def parse(v: int) -> int:
        parsed.append(v)
        return v * 10

    assert [memo.get({"k": v}, lambda v=v: parse(v)) for v in (1, 2, 1, 1, 2)] == [
        10,
        20,
        10,
        10,
        20,
    ]
    assert parsed == [1, 2]
    monkeypatch.setattr(intern, "LIMIT", 3)
    for v in range(10):
        memo.get({"k": v}, lambda v=v: parse(v))
    assert len(memo._values) <= 3
    # Unhashable values are parsed every time and never stored.
    assert memo.get({"k": [1]}, lambda: 7) == 7
