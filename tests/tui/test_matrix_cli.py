"""The matrix screen says what `netdiag matrix` says, and reads well at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Select

from netdiag_tui.widgets.explain_pane import ExplainPane
from netdiag_tui.widgets.matrix_grid import MatrixGrid
from tests.helpers import run_cli
from tests.tui.conftest import demo_app, screen_text, settle


def rows_of(text: str, count: int) -> dict[str, list[str]]:
    """Numbered matrix rows of a screen or CLI text: label -> glyphs."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) == count + 2 and words[0].isdigit():
            out[words[1]] = words[2:]
    return out


async def test_the_matrix_is_the_cli_matrix_cell_for_cell(tmp_path: Path) -> None:
    cli = run_cli(["matrix"])  # not a tty: the ASCII glyphs . X ? -
    assert cli.exit_code == 0
    app = demo_app(tmp_path, start_mode="matrix", ascii_glyphs=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        n = len(grid.row_index)
        text = screen_text(app)
    expected, shown = rows_of(cli.stdout, n), rows_of(text, n)
    assert len(expected) == n == 20
    assert shown == expected  # labels (with the * marker) and every glyph, '-' included
    assert any(label.endswith("*") for label in shown)  # synthetic-IP pods are marked
    assert shown["0.0.0.0/0"][-3:] == ["-", "-", "-"]  # external to external
    legend = "allowed  X denied  ? implementation-defined  - external to external"
    assert legend in text and "* synthetic IP" in text


async def test_at_80x24_the_verdict_shows_and_the_explanation_follows(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        await pilot.press(*"G", *"lllll")  # last row, bottom of the screen
        await settle(app, pilot)
        source, dest = grid.cursor_ids()  # type: ignore[misc]
        cursor_line = next(line for line in screen_text(app).splitlines() if "→" in line)
        assert cursor_line.lstrip().startswith(("✓", "✗", "?", "-"))  # the verdict first
        await pilot.press("enter")
        await settle(app, pilot)
        pane = app.screen.query_one(ExplainPane)
        assert pane.shown and pane.explanation is not None
        assert pane.explanation.source == source
        # the pane took rows from the grid: the cursor row is still in view
        top = int(grid.scroll_y)
        assert top <= grid.cursor_row < top + grid.scrollable_content_region.height - 1
        await pilot.press("k")  # the explanation follows the cursor
        await settle(app, pilot)
        assert pane.explanation.source == grid.cursor_ids()[0] != source  # type: ignore[index]
        # the longest explanation of the demo does not fit: J scrolls it, K back
        assert grid.move_to_ids("shop/api-6b7c9d5f48-tz5vb", "shop/db-1")
        await settle(app, pilot)
        assert pane.explanation.destination == "shop/db-1"
        assert pane.max_scroll_y > 0 and pane.scroll_y == 0
        await pilot.press("J")
        await settle(app, pilot)
        assert pane.scroll_y > 0
        await pilot.press("K")
        await settle(app, pilot)
        assert pane.scroll_y == 0
        await pilot.press("escape")
        assert not pane.shown


async def test_t_keeps_the_cursor_in_its_namespace(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        assert grid.move_to_ids("monitoring/dcgm-exporter-gpu-1", "default/toolbox")
        await pilot.press("t")  # workloads: no such id any more
        await settle(app, pilot)
        nodes = grid.cursor_nodes()
        assert nodes is not None and nodes[0].kind == "workload"
        assert (nodes[0].namespace, nodes[1].namespace) == ("monitoring", "default")
        assert grid.cursor_row < len(grid.row_index) - 1  # not sent to the bottom-right


async def test_any_port_can_be_typed_and_focus_returns_to_the_grid(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        await pilot.press("colon", *"port 443/TCP", "enter")  # declared by no pod
        await settle(app, pilot)
        assert app.screen.port == "443/TCP"  # type: ignore[attr-defined]
        assert "443/TCP" in screen_text(app) and grid.has_focus
        await pilot.press("p")  # the picker: choose with the keys, then back to the cells
        select = app.screen.query_one("#port", Select)
        assert select.has_focus
        await pilot.press("enter", "down", "enter")
        await settle(app, pilot)
        assert grid.has_focus and app.screen.port != "443/TCP"  # type: ignore[attr-defined]
        await pilot.press("colon", *"port nonsense", "enter")
        await pilot.pause()
        assert any(":port" in n.message for n in app._notifications)


async def test_under_no_color_denied_is_the_brightest_glyph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        denied = grid.get_component_rich_style("matrix--denied")
        allowed = grid.get_component_rich_style("matrix--allowed")
        assert denied.reverse and denied.bold  # stands out in grey levels
        assert not allowed.reverse


async def test_a_reload_that_changes_a_cell_explains_before_and_after(tmp_path: Path) -> None:
    import dataclasses

    from netdiag.cluster.networkpolicy import NetworkPolicy
    from netdiag.cluster.selectors import LabelSelector
    from netdiag_tui.matrix_view import Verdict

    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        assert grid.move_to_ids("kube-system/coredns-7db6d8ff4d-8xkzq", "default/toolbox")
        assert grid.cursor_verdict() is Verdict.ALLOWED
        await pilot.press("enter")
        await settle(app, pilot)
        deny = NetworkPolicy(
            namespace="default",
            name="deny-ingress",
            pod_selector=LabelSelector(),
            policy_types=("Ingress",),
        )
        snap = app.snapshot
        app.set_snapshot(dataclasses.replace(snap, network_policies=(*snap.network_policies, deny)))
        await settle(app, pilot)
        assert grid.cursor_verdict() is Verdict.DENIED
        pane = app.screen.query_one(ExplainPane)
        assert pane.explanation is not None and pane.explanation.before is not None
        assert pane.explanation.before.verdict is Verdict.ALLOWED
        text = screen_text(app)
        assert "before the last reload" in text and "default/deny-ingress" in text
        await pilot.press("t")  # another question, not a reload: no "before" any more
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert pane.explanation is not None and pane.explanation.before is None
