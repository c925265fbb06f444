"""One line at the bottom: snapshot source, scope, freshness, last error."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    StatusLine.-stale { background: $warning 40%; color: $text; }
    """

    def show(self, *, source: str, scope: str, generation: int, age: str, stale: str = "") -> None:
        text = Text()
        text.append(source or "snapshot", style="bold")
        text.append(f"  ns: {scope}")
        text.append(f"  snapshot #{generation}, {age}")
        if stale:
            text.append(f"  STALE: {stale}", style="bold")
        text.append("  read-only", style="dim")
        self.set_class(bool(stale), "-stale")
        self.update(text)
