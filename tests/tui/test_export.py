"""ctrl+s saves what the screen shows: the trace, the graph, the policies; never blindly."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.widgets import Input, Label, Select

from netdiag_tui.screens.export import ExportDialog
from tests.tui.conftest import demo_app, settle

SIZE = (140, 40)


async def save_as(pilot, fmt: str, path: Path) -> ExportDialog:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+s")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog)
    dialog.query_one("#format", Select).value = fmt
    await pilot.pause()
    box = dialog.query_one("#path", Input)
    box.value = str(path)
    box.focus()
    await pilot.press("enter")
    await settle(pilot.app, pilot)
    return dialog


async def test_resolve_saves_the_trace_as_text_json_and_pcap(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*"baidu.com")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        formats = [str(v) for _, v in dialog.query_one("#format", Select)._options]
        assert formats == ["trace text", "trace json", "trace pcap", "screenshot (svg)"]
        # a distinct default name per choice, and the directory it lands in
        assert dialog.query_one("#path", Input).value == "netdiag-trace-baidu.com.txt"
        assert str(Path.cwd()) in str(dialog.query_one("#where", Label).render())
        await pilot.press("escape")

        await save_as(pilot, "trace json", tmp_path / "t.json")
        document = json.loads((tmp_path / "t.json").read_text())
        assert document["answer"]["name"] == "baidu.com."  # the trace, not the graph
        await save_as(pilot, "trace text", tmp_path / "t.txt")
        assert "baidu.com." in (tmp_path / "t.txt").read_text()
        await save_as(pilot, "trace pcap", tmp_path / "t.pcap")
        magic = (tmp_path / "t.pcap").read_bytes()[:4]
        assert magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a")


async def test_saving_over_a_file_asks_first(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    target = tmp_path / "policies.yaml"
    target.write_text("mine\n")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        dialog = await save_as(pilot, "policies yaml", target)
        assert app.screen is dialog  # not saved: it asks
        assert "exists" in str(dialog.query_one("#warning", Label).render())
        assert target.read_text() == "mine\n"
        await pilot.press("enter")  # the same name again: overwrite
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportDialog)
        text = target.read_text()
        assert text.count("kind: NetworkPolicy") == 5 and "name: default-deny" in text


async def test_policies_saves_what_the_list_shows(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"deny", "enter")
        await settle(app, pilot)
        await save_as(pilot, "policies yaml", tmp_path / "p.yaml")
        text = (tmp_path / "p.yaml").read_text()
        assert text.count("kind: NetworkPolicy") == 1 and "default-deny" in text


async def test_default_names_are_distinct_per_choice(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        names = set()
        for _, fmt in dialog.query_one("#format", Select)._options:
            dialog.query_one("#format", Select).value = fmt
            await pilot.pause()
            names.add(dialog.query_one("#path", Input).value)
        assert "netdiag-matrix.svg" in names and "netdiag-matrix-screen.svg" in names
        assert len(names) == len(dialog.query_one("#format", Select)._options)
        assert os.path.basename(str(dialog.target())) in names
