"""Loading the snapshot a command asked for (netdiag.cli.options)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from netdiag.app.source import Source, load_snapshot
from netdiag.errors import NetdiagError

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: c, image: nginx}]}
status: {podIP: 10.244.1.5}
"""


def _source(path: Path) -> Source:
    return Source(cluster=(str(path),))


def test_the_collector_is_paused_while_loading_and_resumed_after(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(MANIFEST)
    seen: list[bool] = []
    gc.callbacks.append(lambda phase, info: seen.append(True))
    try:
        gc.collect()  # one callback pair from here, none from the load itself
        seen.clear()
        snapshot = load_snapshot(_source(tmp_path / "pod.yaml"))
    finally:
        gc.callbacks.pop()
    assert [p.key for p in snapshot.pods] == ["shop/web"]
    assert seen == []  # thousands of allocations, not one collection
    assert gc.isenabled()


def test_a_failing_load_resumes_the_collector(tmp_path: Path) -> None:
    with pytest.raises(NetdiagError):
        load_snapshot(_source(tmp_path / "missing.yaml"))
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_keeps_it_paused(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(MANIFEST)
    gc.disable()
    try:
        load_snapshot(_source(tmp_path / "pod.yaml"))
        assert not gc.isenabled()
    finally:
        gc.enable()
