"""Both sides of one matrix verdict, as ``netdiag reach`` explains it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from netdiag_tui.matrix_view import Explanation, Verdict
from netdiag_tui.widgets.matrix_grid import GLYPHS

VERDICT_STYLE = {
    Verdict.ALLOWED: "bold green",
    Verdict.DENIED: "bold red",
    Verdict.UNKNOWN: "dim",
    Verdict.NONE: "dim",
}


def explanation_text(e: Explanation) -> Text:
    text = _explanation_text(e)
    if e.before is not None:
        # The diff view: a reload changed this cell; say what it was and why.
        text.append("\nbefore the last reload: ", style="bold reverse")
        text.append("\n")
        text.append_text(_explanation_text(e.before))
    return text


def _explanation_text(e: Explanation) -> Text:
    text = Text()
    text.append(f"{e.source} → {e.destination}", style="bold")
    text.append(f"  port {e.port}\n")
    text.append(f"{GLYPHS[e.verdict]} {e.verdict.value}\n", style=VERDICT_STYLE[e.verdict])
    for line in e.lines:
        stripped = line.strip()
        style = ""
        if stripped.startswith(("egress of", "ingress of")):
            style = "bold"
        elif stripped.startswith("allowed by"):
            style = "green"
        elif stripped.startswith("no rule matched"):
            style = "red"
        elif stripped.startswith("?"):
            style = "yellow"
        text.append(line + "\n", style=style)
    for note in e.notes:
        text.append(f"\nnote: {note}\n", style="italic")
    return text


class ExplainPane(VerticalScroll, can_focus=False):
    """Hidden until a cell is selected; ``esc`` hides it again.

    A scroll container (not a bare ``Static``, which cannot scroll): the matrix
    screen scrolls it with ``J``/``K`` while the grid keeps the focus.
    """

    DEFAULT_CSS = """
    ExplainPane {
        height: auto;
        max-height: 50%;
        padding: 0 1;
        border-top: solid $accent;
        background: $panel;
        display: none;
    }
    ExplainPane.-shown { display: block; }
    ExplainPane > Static { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.explanation: Explanation | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="explain-text")

    def show(self, explanation: Explanation) -> None:
        self.explanation = explanation
        self.query_one("#explain-text", Static).update(explanation_text(explanation))
        self.add_class("-shown")

    def hide(self) -> bool:
        """Hide the pane; False when it was not shown (so ``esc`` goes further back)."""
        if not self.has_class("-shown"):
            return False
        self.remove_class("-shown")
        return True

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")
