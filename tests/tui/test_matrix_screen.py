"""Matrix screen: cursor + enter explains the right cell, filters, scope, ports, granularity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Select

from netdiag_tui import matrix_view
from netdiag_tui.matrix_view import Verdict
from netdiag_tui.screens.export import ExportDialog
from netdiag_tui.widgets.explain_pane import ExplainPane
from netdiag_tui.widgets.matrix_grid import MatrixGrid
from tests.tui.conftest import demo_app, screen_text, settle

SIZE = (160, 48)


def row_of(grid: MatrixGrid, prefix: str) -> int:
    assert grid.model is not None
    return next(k for k, i in enumerate(grid.row_index) if grid.model.rows[i].id.startswith(prefix))


def col_of(grid: MatrixGrid, prefix: str) -> int:
    assert grid.model is not None
    return next(k for k, j in enumerate(grid.col_index) if grid.model.cols[j].id.startswith(prefix))


async def test_cursor_and_enter_explain_the_cell_under_the_cursor(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        row, col = row_of(grid, "default/toolbox"), col_of(grid, "shop/api-")
        await pilot.press(*["j"] * row, *["l"] * col)
        assert grid.cursor_nodes() is not None
        source, destination = grid.cursor_nodes()  # type: ignore[misc]
        assert source.id == "default/toolbox" and destination.id.startswith("shop/api-")
        assert grid.cursor_verdict() is Verdict.DENIED
        await pilot.press("enter")
        await settle(app, pilot)
        pane = app.screen.query_one(ExplainPane)
        explanation = pane.explanation
        assert pane.shown and explanation is not None
        assert (explanation.source, explanation.destination) == (source.id, destination.id)
        assert explanation.verdict is Verdict.DENIED
        text = "\n".join(explanation.lines)
        assert "egress of default/toolbox: not isolated" in text
        assert f"ingress of {destination.id}: isolated by" in text
        assert "shop/default-deny" in text
        assert "ingress of" in screen_text(app)
        # moving on and pressing enter again explains the new cell
        await pilot.press("h", "enter")
        await settle(app, pilot)
        assert pane.explanation is not None and pane.explanation.destination != destination.id
        await pilot.press("escape")
        assert not pane.shown


async def test_slash_filters_narrow_rows_and_columns(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        everything = len(grid.row_index)
        await pilot.press("slash", *"ns:shop")
        await pilot.pause()
        assert grid.model is not None
        shown = [grid.model.rows[i].id for i in grid.row_index]
        assert shown and all(s.startswith("shop/") for s in shown)
        assert len(grid.col_index) == len(shown)
        await pilot.press("space", *"app=db", "enter")
        await pilot.pause()
        assert [grid.model.rows[i].id for i in grid.row_index] == ["shop/db-0", "shop/db-1"]
        assert "</ns:shop app=db>" in screen_text(app)
        assert grid.has_focus  # enter hands the keys back to the grid
        await pilot.press("escape")  # esc clears the filter
        assert len(grid.row_index) == everything
        await pilot.press("slash", *"!ns:shop !/", "enter")  # inverse terms; no CIDRs
        await pilot.pause()
        assert all(not grid.model.rows[i].id.startswith("shop/") for i in grid.row_index)
        assert all("/" in grid.model.rows[i].id for i in grid.row_index)


async def test_namespace_scope_and_zero(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        everything = len(grid.row_index)
        await pilot.press("colon", *"ns default", "enter")
        await pilot.pause()
        assert grid.model is not None
        shown = [grid.model.rows[i] for i in grid.row_index]
        # the namespace's pods, and the CIDR nodes `netdiag matrix -n default` keeps too
        assert {n.namespace for n in shown if n.kind != "cidr"} == {"default"}
        assert any(n.kind == "cidr" for n in shown)
        assert "Matrix(default)" in screen_text(app)
        await pilot.press("0")
        assert len(grid.row_index) == everything


async def test_port_selector_recomputes_for_that_port(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        grid.move_to_ids("shop/api-6b7c9d5f48-h2k8n", "shop/db-0")
        assert grid.cursor_verdict() is Verdict.ALLOWED  # api -> db on 5432 is allowed
        app.screen.query_one("#port", Select).value = "8080/TCP"
        await settle(app, pilot)
        assert grid.cursor_ids() == ("shop/api-6b7c9d5f48-h2k8n", "shop/db-0")
        assert grid.cursor_verdict() is Verdict.DENIED  # but not on 8080
        assert "8080/TCP" in screen_text(app)


async def test_granularity_toggle_shows_workloads_then_namespaces(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        pods = len(grid.row_index)
        await pilot.press("t")
        await settle(app, pilot)
        assert grid.model is not None
        kinds = {grid.model.rows[i].kind for i in grid.row_index}
        assert "workload" in kinds and len(grid.row_index) < pods  # bare pods stay pods
        await pilot.press("t")
        await settle(app, pilot)
        assert {grid.model.rows[i].kind for i in grid.row_index} <= {"namespace", "cidr"}
        assert "namespaces" in screen_text(app)


async def test_ctrl_s_exports_the_view_and_a_screenshot(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#format", Select).value = "json"
        await pilot.pause()
        out = tmp_path / "view.json"
        dialog.query_one("#path").value = str(out)  # type: ignore[attr-defined]
        await pilot.click("#save")
        await settle(app, pilot)
        document = json.loads(out.read_text())
        assert document["schema"] == "netdiag/reachability/v1"
        assert any(n["id"] == "default/toolbox" for n in document["nodes"])

        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#format", Select).value = "screenshot (svg)"
        await pilot.pause()
        shot = tmp_path / "shot.svg"
        app.screen.query_one("#path").value = str(shot)  # type: ignore[attr-defined]
        app.screen.query_one("#path").focus()
        await pilot.press("enter")  # enter in the path field saves
        await settle(app, pilot)
        assert shot.read_text().startswith("<svg")
        assert "Matrix" in shot.read_text()  # the matrix screen, not the dialog


async def test_opening_the_matrix_computes_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Select posts Changed after it mounts; that used to start a second, identical
    # 2,000-pod computation and layout while the screen first painted (issue 6).
    computed: list[matrix_view.MatrixRequest] = []
    real = matrix_view.matrix

    def counting(snapshot: object, request: matrix_view.MatrixRequest) -> matrix_view.MatrixModel:
        computed.append(request)
        return real(snapshot, request)  # type: ignore[arg-type]

    monkeypatch.setattr(matrix_view, "matrix", counting)
    app = demo_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert app.screen.query_one(MatrixGrid).model is not None
        assert computed == [matrix_view.MatrixRequest()]
        app.screen.query_one("#port", Select).value = "8080/TCP"
        await settle(app, pilot)
        assert computed[-1] == matrix_view.MatrixRequest(port="8080/TCP")
