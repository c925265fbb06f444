"""k9s habits from the first key: launch focus, ':' '?' from the name box, esc, ctrl+c."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from netdiag_tui.screens.help import HelpScreen
from netdiag_tui.screens.prompt import CommandPrompt
from netdiag_tui.widgets.trace_panel import TracePanel
from tests.tui.conftest import demo_app, screen_text, settle

SIZE = (140, 40)


async def test_first_keys_are_commands_and_typing_still_goes_to_the_name(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        name = app.screen.query_one("#name", Input)
        assert not name.has_focus  # launch focus is not in the box
        await pilot.press("0")  # k9s: all namespaces, not a character of a name
        assert name.value == "" and app.namespace is None
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press(*"baidu.com")  # any other key starts typing the name
        await settle(app, pilot)
        assert name.value == "baidu.com" and name.has_focus
        trace = app.screen.query_one(TracePanel).trace
        assert trace is not None and trace.resolved  # the same answer as `netdiag resolve`
        assert "39.156.66.10" in trace.answers
        # in the box, ':' and '?' are not typed (no DNS name holds them): they act
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "esc, ? or q closes this help" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("colon")
        assert isinstance(app.screen, CommandPrompt)
        await pilot.press("escape")
        assert name.value == "baidu.com"
        hints = screen_text(app).splitlines()[-1]
        assert ": Cmd" in hints and "? Help" in hints  # shown while the box has focus
        # ctrl+u empties the box and the trace with it (not the old trace left behind)
        await pilot.press("ctrl+u")
        await settle(app, pilot)
        assert name.value == "" and app.screen.query_one(TracePanel).trace is None
        assert "type a name to trace it" in screen_text(app)


async def test_ctrl_c_says_how_to_quit(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(":q" in m and "ctrl+q" in m for m in messages)


async def test_prompt_prefix_and_tab_completion(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"mat", "enter")  # a unique prefix is enough
        await settle(app, pilot)
        assert app.current_mode == "matrix"
        await pilot.press("colon", *"pol", "tab")
        box = app.screen.query_one("#command", Input)
        assert box.value == "policies"  # Tab completed it
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "policies"
        await pilot.press("colon", *"ns sh", "tab", "enter")
        await settle(app, pilot)
        assert app.namespace == "shop"
        await pilot.press("colon", *"o", "enter")  # alias wins over the prefix
        await settle(app, pilot)
        assert app.current_mode == "overview"
        await pilot.press("colon", *"re", "enter")  # resolve or reload: ambiguous
        await pilot.pause()
        assert app.current_mode == "overview"
        assert any("did you mean" in n.message for n in app._notifications)
