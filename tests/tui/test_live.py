"""Live sources: a changed manifest directory or a live watch updates every screen in place."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import netdiag_tui.app as app_module
from netdiag.app.source import Source
from netdiag.errors import ClusterError
from netdiag.sources import demo
from netdiag.sources.manifests import load_manifests
from netdiag_tui import engine, matrix_view
from netdiag_tui.app import NetdiagApp
from netdiag_tui.matrix_view import Verdict
from netdiag_tui.widgets.matrix_grid import MatrixGrid
from tests.tui.conftest import screen_text, settle

SIZE = (160, 48)

DENY_DEFAULT_INGRESS = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


async def wait_until(app: NetdiagApp, pilot: Any, check: Any, timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)
    await settle(app, pilot)


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    folder = tmp_path / "cluster"
    folder.mkdir()
    for f in Path(demo.__file__).parent.glob("*.yaml"):
        shutil.copy(f, folder / f.name)
    return folder


async def test_editing_a_manifest_updates_the_matrix_in_place(
    manifests: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "POLL_SECONDS", 0.1)
    source = Source(cluster=(str(manifests),))
    app = NetdiagApp(
        load_manifests([str(manifests)]),
        source=source,
        keymap_file=tmp_path / "none.toml",
        start_mode="matrix",
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        assert grid.move_to_ids("kube-system/coredns-7db6d8ff4d-8xkzq", "default/toolbox")
        assert grid.cursor_verdict() is Verdict.ALLOWED
        scroll = (grid.scroll_x, grid.scroll_y)

        with (manifests / "default.yaml").open("a") as f:
            f.write(DENY_DEFAULT_INGRESS)
        await wait_until(
            app, pilot, lambda: app.generation == 2 and grid.cursor_verdict() is Verdict.DENIED
        )
        # same cell under the cursor, same scroll position, the change glows
        assert grid.cursor_ids() == ("kube-system/coredns-7db6d8ff4d-8xkzq", "default/toolbox")
        assert (grid.scroll_x, grid.scroll_y) == scroll
        assert grid.changed(grid.cursor_row, grid.cursor_col)
        assert "snapshot #2" in screen_text(app)
        # the other screens pick the new snapshot up when shown
        await pilot.press("f4")
        await settle(app, pilot)
        assert "default/deny-ingress" in screen_text(app)

        # a broken edit: keep the last good snapshot, say it is stale
        (manifests / "default.yaml").write_text("kind: Pod\nmetadata: [\n")
        await wait_until(app, pilot, lambda: bool(app.stale))
        assert app.generation == 2
        assert "default.yaml" in app.stale
        assert "STALE" in screen_text(app)
        await pilot.press("f3")
        await settle(app, pilot)
        assert grid.cursor_verdict() is Verdict.DENIED  # still the last good snapshot


async def test_a_change_the_matrix_does_not_read_keeps_the_matrix(
    manifests: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Service's port changes the snapshot but nothing the matrix reads: the
    screen keeps its matrix (a new node would not do: DaemonSet pods follow it)."""
    monkeypatch.setattr(app_module, "POLL_SECONDS", 0.1)
    computed: list[object] = []
    real = matrix_view.matrix
    monkeypatch.setattr(matrix_view, "matrix", lambda *a: computed.append(a) or real(*a))
    app = NetdiagApp(
        load_manifests([str(manifests)]),
        source=Source(cluster=(str(manifests),)),
        keymap_file=tmp_path / "none.toml",
        start_mode="matrix",
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        model = screen.model  # type: ignore[attr-defined]
        assert model is not None and len(computed) == 1
        default = manifests / "default.yaml"
        text = default.read_text()
        https = "- {name: https, port: 443, protocol: TCP, targetPort: 6443}"
        assert https in text
        default.write_text(text.replace(https, https.replace("port: 443", "port: 8443")))
        await wait_until(app, pilot, lambda: app.generation == 2 and not screen.computing)  # type: ignore[attr-defined]
        assert screen.model is model and len(computed) == 1  # type: ignore[attr-defined]
        # a policy does change verdicts: recomputed
        with (manifests / "default.yaml").open("a") as f:
            f.write(DENY_DEFAULT_INGRESS)
        await wait_until(app, pilot, lambda: app.generation == 3 and screen.model is not model)  # type: ignore[attr-defined]
        assert len(computed) == 2


async def test_live_watch_updates_and_survives_a_lost_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = demo.load_demo()
    toolbox = next(p for p in first.pods if p.name == "toolbox")
    second = first.__class__(
        **{f: getattr(first, f) for f in first.__dataclass_fields__ if f != "pods"},
        pods=tuple(p for p in first.pods if p is not toolbox),
    )
    calls: list[int] = []
    resume = threading.Event()

    def fake_watch(source: Source, *, stop: Any, warn: Any) -> Iterator[Any]:
        calls.append(1)
        if len(calls) == 1:
            yield first, 0
            warn("warning: the API server refused list networkpolicies in shop")
            yield second, 1
            raise ClusterError("watch pods: connection reset by peer")
        resume.wait(5)
        yield first, 1

    monkeypatch.setattr(engine, "watch", fake_watch)
    monkeypatch.setattr(app_module, "RETRY_SECONDS", 0.1)
    app = NetdiagApp(
        first,
        source=Source(live=True),
        keymap_file=tmp_path / "none.toml",
        start_mode="matrix",
    )
    async with app.run_test(size=SIZE) as pilot:
        grid = app.screen.query_one(MatrixGrid)
        await wait_until(app, pilot, lambda: bool(app.stale))
        assert app.snapshot is second  # the pod is gone
        assert grid.model is not None
        assert all(n.id != "default/toolbox" for n in grid.model.rows)
        assert "connection reset by peer" in app.stale
        messages = [n.message for n in app._notifications]
        assert any("refused list networkpolicies" in m for m in messages)
        resume.set()  # the watch comes back
        await wait_until(app, pilot, lambda: not app.stale)
        assert any(n.id == "default/toolbox" for n in grid.model.rows)
        app.exit()
