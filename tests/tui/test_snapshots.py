"""SVG snapshots of each screen (textual and rich pinned exactly).

They use the small hand-built cluster of ``conftest.small_snapshot`` rather than the
demo, so that growing the demo does not redraw them. Regenerate deliberately with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs.
Animations off, cursor blink off, workers awaited before capture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from netdiag_tui.app import NetdiagApp
from netdiag_tui.widgets.matrix_grid import MatrixGrid
from tests.tui.conftest import settle, small_snapshot

SIZE = (140, 40)


def demo_app(tmp_path: Path, **kw: Any) -> NetdiagApp:
    return NetdiagApp(small_snapshot(), watch=False, keymap_file=tmp_path / "none", **kw)


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
        assert grid.move_to_ids("shop/cart-0", "default/web-1")
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
