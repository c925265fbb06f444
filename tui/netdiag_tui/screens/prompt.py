"""The k9s ``:`` command prompt as a modal screen: suggestions, Tab completion, prefixes."""

from __future__ import annotations

import os
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input

#: Every verb the prompt runs (aliases in :data:`ALIASES`); ``ns``/``port`` take an argument.
COMMANDS = (
    "resolve",
    "matrix",
    "policies",
    "overview",
    "ns",
    "port",
    "help",
    "save",
    "reload",
    "q",
    "quit",
)
#: k9s-style short names.
ALIASES = {
    "r": "resolve",
    "dns": "resolve",
    "m": "matrix",
    "np": "policies",
    "netpol": "policies",
    "pol": "policies",
    "o": "overview",
    "namespace": "ns",
    "q!": "quit",
}


def expand_verb(verb: str) -> tuple[str | None, tuple[str, ...]]:
    """The command a typed verb means: exact, alias, or unique prefix (``mat`` → ``matrix``).

    Returns ``(command, [])`` when it is unambiguous, else ``(None, candidates)``.
    """
    verb = verb.lower()
    if verb in COMMANDS:
        return verb, ()
    if verb in ALIASES:
        return ALIASES[verb], ()
    matches = tuple(c for c in COMMANDS if c.startswith(verb))
    if len(matches) == 1:
        return matches[0], ()
    return None, matches


class CommandPrompt(ModalScreen[str | None]):
    DEFAULT_CSS = """
    CommandPrompt { align: center top; background: $background 40%; }
    CommandPrompt > Input { width: 60%; margin-top: 3; border: tall $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
        Binding("tab", "complete", "Complete", id="prompt.complete"),
    ]

    def __init__(self, namespaces: tuple[str, ...] = (), ports: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.choices = (
            [c for c in COMMANDS if c not in ("ns", "port")]
            + [f"ns {n}" for n in namespaces]
            + [f"port {p}" for p in ports]
        )

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder=":resolve :matrix :policies :overview :ns NAME :port 443/TCP :q",
            suggester=SuggestFromList(self.choices, case_sensitive=False),
            id="command",
        )

    def action_complete(self) -> None:
        """Tab: complete to the unique choice, or to the longest common prefix (shell-like)."""
        box = self.query_one("#command", Input)
        typed = box.value.lstrip(":").lower()
        matches = [c for c in self.choices if c.lower().startswith(typed)]
        if not matches:
            return
        completed = os.path.commonprefix(matches) if len(matches) > 1 else matches[0]
        if len(completed) > len(typed):
            box.value = completed
            box.cursor_position = len(completed)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss(None)
