"""The app's k9s habits: ':' commands, '?' help, esc, '0', keymaps, reload, stale snapshots."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from netdiag.errors import ManifestError
from netdiag_tui import engine
from netdiag_tui.app import NetdiagApp
from netdiag_tui.screens.help import HelpScreen
from netdiag_tui.screens.matrix import MatrixScreen
from netdiag_tui.widgets.matrix_grid import MatrixGrid
from netdiag_tui.widgets.status_line import StatusLine
from tests.tui.conftest import screen_text, settle, small_snapshot

SIZE = (140, 40)


def make_app(tmp_path: Path, **kw: object) -> NetdiagApp:
    return NetdiagApp(small_snapshot(), watch=False, keymap_file=tmp_path / "none.toml", **kw)  # type: ignore[arg-type]


async def test_colon_commands_switch_screens_scope_and_quit(tmp_path: Path) -> None:
    app = make_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        for command, mode in (
            ("matrix", "matrix"),
            ("policies", "policies"),
            ("resolve", "resolve"),
            ("overview", "overview"),
        ):
            if app.current_mode == "resolve":
                await pilot.press("escape")  # leave the name input (typing mode)
            await pilot.press("colon", *command, "enter")
            await settle(app, pilot)
            assert app.current_mode == mode
        await pilot.press("colon", *"ns shop", "enter")
        await pilot.pause()
        assert app.namespace == "shop"
        assert "ns: shop" in screen_text(app)
        await pilot.press("0")
        assert app.namespace is None
        await pilot.press("colon", *"ns nowhere", "enter")
        await pilot.pause()
        assert app.namespace is None  # unknown namespace: a notification, not a change
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
    assert app.return_code == 0


async def test_escape_goes_back_to_the_previous_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        await pilot.press("escape")
        assert app.current_mode == "matrix"
        await pilot.press("escape")
        assert app.current_mode == "overview"


async def test_help_lists_the_real_bindings_with_their_ids(tmp_path: Path) -> None:
    app = make_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for ident in ("matrix.explain", "matrix.filter", "matrix.granularity", "app.command"):
            assert ident in text
        await pilot.press("escape")
        assert isinstance(app.screen, MatrixScreen)


async def test_user_keymap_remaps_bindings_by_id(tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"app.matrix" = "f9"\n[keymap]\n"app.help" = "f1"\n')
    # a [keymap] table wins over top-level keys
    app = NetdiagApp(small_snapshot(), watch=False, keymap_file=keymap, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_a_bad_keymap_is_reported_not_fatal(tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"app.matrix" = [1, 2\n')
    app = NetdiagApp(small_snapshot(), watch=False, keymap_file=keymap, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("keymap ignored" in n.message for n in app._notifications)
        await pilot.press("f3")
        assert app.current_mode == "matrix"


async def test_reload_failure_keeps_the_last_snapshot_and_says_it_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netdiag.app.source import Source

    def broken(source: object, warn: object = None) -> object:
        raise ManifestError("bad.yaml: document 1: Pod default/x: spec.containers: required")

    monkeypatch.setattr(engine, "load", broken)
    source = Source(cluster=(str(tmp_path),))
    app = NetdiagApp(
        small_snapshot(),
        source=source,
        watch=False,
        keymap_file=tmp_path / "none.toml",
        start_mode="overview",
    )
    async with app.run_test(size=SIZE) as pilot:
        before = app.snapshot
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert app.snapshot is before
        assert "spec.containers" in app.stale
        assert app.screen.query_one(StatusLine).has_class("-stale")
        assert "STALE" in screen_text(app)
        await pilot.press("f4")  # still usable
        await settle(app, pilot)
        assert app.current_mode == "policies"


async def test_a_new_snapshot_updates_the_matrix_in_place(tmp_path: Path) -> None:
    app = make_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        grid = app.screen.query_one(MatrixGrid)
        await pilot.press("j", "j", "l")
        place = grid.cursor_ids()
        snap = app.snapshot
        extra = dataclasses.replace(snap.pods[0], namespace="aaa", name="first")
        app.set_snapshot(dataclasses.replace(snap, pods=(extra,) + snap.pods))
        await settle(app, pilot)
        assert grid.model is not None and len(grid.row_index) == len(snap.pods) + 1
        assert grid.cursor_ids() == place  # the user's place survives the update
        assert grid.changed(0, 0)  # the new pod's cells glow
        assert app.generation == 2
        assert "snapshot #2" in screen_text(app)


async def test_no_color_gives_grey_cells_that_still_carry_glyphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, start_mode="matrix")
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        svg = app.export_screenshot()
        # minus the template colours of rich's SVG export (window dots, default text)
        colours = set(re.findall(r"#([0-9a-f]{6})", svg)) - {"ff5f57", "febc2e", "28c840", "c5c8c6"}
        assert colours and all(c[0:2] == c[2:4] == c[4:6] for c in colours)  # greys only
        assert "?" in screen_text(app)  # the glyphs are what tell cells apart
