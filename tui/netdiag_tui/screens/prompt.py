"""The k9s ``:`` command prompt as a modal screen."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input

COMMANDS = ("resolve", "matrix", "policies", "overview", "ns ", "help", "save", "q", "quit")


class CommandPrompt(ModalScreen[str | None]):
    DEFAULT_CSS = """
    CommandPrompt { align: center top; background: $background 40%; }
    CommandPrompt > Input { width: 60%; margin-top: 3; border: tall $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(self, namespaces: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.choices = list(COMMANDS) + [f"ns {n}" for n in namespaces]

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder=":resolve :matrix :policies :overview :ns NAME :q",
            suggester=SuggestFromList(self.choices, case_sensitive=False),
            id="command",
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss(None)
