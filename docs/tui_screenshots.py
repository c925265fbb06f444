"""Regenerate the screenshots of docs/tui.md from the real app on the demo cluster.

    .venv/bin/python docs/tui_screenshots.py

Each picture is the app driven with its own keys (Textual's Pilot) and saved with
``App.save_screenshot`` (SVG), so the docs show what `netdiag tui` shows today.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

SIZE = (140, 40)


async def settle(app: Any, pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "watch"]
        if busy:
            await app.workers.wait_for_complete(busy)
    await pilot.pause()


async def shoot(
    name: str,
    start: str,
    drive: Callable[[Any, Any], Awaitable[None]],
    size: tuple[int, int] = SIZE,
) -> None:
    from textual.widgets import Input

    from netdiag.sources.demo import load_demo
    from netdiag_tui.app import NetdiagApp

    app = NetdiagApp(load_demo(), watch=False, start_mode=start, keymap_file=Path(os.devnull))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await drive(app, pilot)
        await settle(app, pilot)
        for box in app.query(Input):
            box.cursor_blink = False
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await settle(app, pilot)
        app.save_screenshot(f"{name}.svg", str(DOCS))
    print(f"wrote docs/{name}.svg")


async def resolve(app: Any, pilot: Any) -> None:
    await pilot.press(*"tke-six-six-six")


async def matrix(app: Any, pilot: Any) -> None:
    from netdiag_tui.widgets.matrix_grid import MatrixGrid

    grid = app.screen.query_one(MatrixGrid)
    api = next(n.id for n in grid.model.rows if n.id.startswith("shop/api-"))
    grid.move_to_ids("default/toolbox", api)
    await pilot.press("enter")


async def policies(app: Any, pilot: Any) -> None:
    for _ in range(3):
        await pilot.press("j")


async def nothing(app: Any, pilot: Any) -> None:
    return None


async def help_screen(app: Any, pilot: Any) -> None:
    await pilot.press("question_mark")


async def main() -> None:
    await shoot("tui-resolve", "resolve", resolve)
    await shoot("tui-matrix", "matrix", matrix)
    await shoot("tui-policies", "policies", policies)
    await shoot("tui-overview", "overview", nothing)
    await shoot("tui-help", "matrix", help_screen)
    await shoot("tui-matrix-80x24", "matrix", matrix, size=(80, 24))


if __name__ == "__main__":
    asyncio.run(main())
