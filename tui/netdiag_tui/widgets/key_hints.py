"""k9s-style key hints: one line listing the bindings active on this screen.

Textual's ``Footer`` mounts a widget per key and recomposes on every focus change,
which measured ~0.4 s of CPU when the matrix screen opens (benchmarks/results/tui.md);
this is one widget that re-renders one line of text. Keys follow the user's keymap.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

#: Binding ids always listed first.
FIRST = frozenset({"app.command", "app.help"})


class KeyHints(Static):
    DEFAULT_CSS = """
    KeyHints { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.refresh_hints)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.refresh_hints)

    def refresh_hints(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        # k9s puts the ways out first (':' command, '?' help): on a narrow terminal
        # the line is cut at the end, never there.
        actives = sorted(
            self.screen.active_bindings.values(),
            key=lambda a: a.binding.id not in FIRST,
        )
        for active in actives:
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            text.append(f"{key}", style="bold" if active.enabled else "dim")
            text.append(f" {binding.description}  ", style="" if active.enabled else "dim")
        if self.app.ENABLE_COMMAND_PALETTE:
            text.append(self.app.COMMAND_PALETTE_BINDING.replace("ctrl+", "^"), style="bold")
            text.append(" palette")
        self.update(text, layout=False)
