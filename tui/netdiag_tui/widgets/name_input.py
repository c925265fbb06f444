"""The resolve screen's name box: an ``Input`` that lets k9s' ``:`` and ``?`` through.

A DNS name never contains ``:`` or ``?`` (RFC 1123 host names are letters, digits,
hyphens and dots; the TUI also accepts ``_`` for SRV labels), so while the name box
has focus those two keys still open the command prompt and the help, as they do
everywhere else in the app.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

#: Keys the name box never types: they belong to the app (``:`` prompt, ``?`` help).
PASS_THROUGH = frozenset({":", "?"})


class NameInput(Input):
    def __init__(self, **kwargs: object) -> None:
        # Focus arrives after the first typed key (see ResolveScreen.on_key): selecting
        # the text on focus would let the second key replace the first.
        super().__init__(select_on_focus=False, **kwargs)  # type: ignore[arg-type]

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if character in PASS_THROUGH:
            return False  # keeps the app's ':' and '?' bindings active (and in the hints)
        return super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.character in PASS_THROUGH:
            # Not typed: Textual runs every class's _on_key down the MRO unless the
            # default is prevented; the key still bubbles up to the app's bindings.
            event.prevent_default()
            return
        await super()._on_key(event)
