"""SVG snapshots of each screen on the demo cluster (textual and rich pinned exactly).

Regenerate deliberately with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and review the SVGs. Animations off, cursor blink off, workers awaited before capture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netdiag_tui.widgets.matrix_grid import MatrixGrid
from textual.widgets import Input

from tests.tui.conftest import demo_app, settle

SIZE = (140, 40)


async def steady(pilot: Any) -> None:
    """No blinking cursors, no running workers: the picture cannot race."""
    for box in pilot.app.query(Input):
        box.cursor_blink = False
    await settle(pilot.app, pilot)
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await settle(pilot.app, pilot)


def test_resolve_screen(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await steady(pilot)
        await pilot.press(*"tke-six-six-six")
        await steady(pilot)

    assert snap_compare(demo_app(tmp_path), run_before=run_before, terminal_size=SIZE)


def test_matrix_screen_with_explanation(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await steady(pilot)
        grid = pilot.app.screen.query_one(MatrixGrid)
        grid.move_to_ids("default/toolbox", "shop/api-6b7c9d5f48-h2k8n")
        await pilot.press("enter")
        await steady(pilot)

    app = demo_app(tmp_path, start_mode="matrix")
    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_policies_screen(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await steady(pilot)
        await pilot.press("down")
        await steady(pilot)

    app = demo_app(tmp_path, start_mode="policies")
    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_overview_screen(snap_compare: Any, tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="overview")
    assert snap_compare(app, run_before=steady, terminal_size=SIZE)


def test_help_lists_bindings(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await steady(pilot)
        await pilot.press("question_mark")
        await steady(pilot)

    app = demo_app(tmp_path, start_mode="matrix")
    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)
