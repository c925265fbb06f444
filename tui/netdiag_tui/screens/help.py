"""``?``: the bindings actually active on the screen below, with their ids for keymaps."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

COMMAND_HELP = (
    (":resolve :matrix :policies :overview", "switch screens"),
    (":ns NAME / 0", "limit to a namespace / all namespaces"),
    (":q :quit (or ctrl+q)", "quit"),
    ("ctrl+p", "command palette"),
)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 100; height: 80%; border: thick $accent; background: $panel; }
    HelpScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Keys[/b] (remap by id in keymap.toml; see docs)")
            yield DataTable(id="keys", cursor_type="row")

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one(DataTable)
        table.add_columns("key", "action", "id")
        seen: set[str] = set()
        for active in self.below.active_bindings.values():
            binding = active.binding
            ident = binding.id or binding.action
            if ident in seen or not binding.description:
                continue
            if binding.action.startswith(("scroll_", "page_")):
                continue  # Textual's generic scrolling keys: noise here
            seen.add(ident)
            table.add_row(self.app.get_key_display(binding), binding.description, binding.id or "")
        for command, what in COMMAND_HELP:
            table.add_row(command, what, "")
        table.focus()
