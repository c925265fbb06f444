"""A resolver trace laid out for the eye: queries in order, winner, shadowed names, advice."""

from __future__ import annotations

from netdiag_tui.engine import TraceView
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

RCODE_STYLE = {"NOERROR": "green", "NXDOMAIN": "red", "SERVFAIL": "bold red", "NODATA": "yellow"}


def summary_text(t: TraceView) -> Text:
    text = Text()
    if t.error:
        text.append(f"✗ {t.error}\n", style="bold red")
        return text
    if t.winner is not None:
        text.append("✓ ", style="bold green")
        text.append(f"{t.winner.name} {t.winner.type}", style="bold")
        if t.winner.answers:
            text.append(" → " + ", ".join(t.winner.answers))
        text.append("\n")
    else:
        text.append(f"✗ {t.name} does not resolve\n", style="bold red")
    if t.target:
        text.append("landed on ", style="dim")
        text.append(t.target, style="bold")
        if t.target_namespace:
            text.append(" in namespace ", style="dim")
            text.append(t.target_namespace, style="bold cyan")
        text.append("\n")
    if t.shadowed:
        text.append("shadowed: ", style="yellow")
        text.append(", ".join(t.shadowed) + "\n")
    text.append(f"cost: {t.cost or f'{len(t.queries)} queries'}\n", style="dim")
    for advice in t.advice:
        text.append(f"advice: {advice}\n", style="italic")
    ctx = f"resolver {t.resolver}, family {t.family}"
    if t.search:
        ctx += "; search " + " ".join(t.search)
    if t.options:
        ctx += "; options " + " ".join(t.options)
    if t.nameservers:
        ctx += "; nameserver " + " ".join(t.nameservers)
    text.append(ctx, style="dim")
    return text


class TracePanel(Vertical):
    DEFAULT_CSS = """
    TracePanel { height: 1fr; }
    TracePanel > #trace-summary { height: auto; padding: 0 1; margin-bottom: 1; }
    TracePanel > DataTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("type a name to trace it", style="dim"), id="trace-summary")
        table: DataTable[Text | str] = DataTable(id="trace-queries", cursor_type="row")
        table.add_columns("#", "query", "type", "outcome", "answers")
        yield table

    def show(self, t: TraceView) -> None:
        self.trace = t
        self.query_one("#trace-summary", Static).update(summary_text(t))
        table = self.query_one("#trace-queries", DataTable)
        table.clear()
        for n, q in enumerate(t.queries, 1):
            mark = "◀ winner" if t.winner is not None and q == t.winner else q.note
            rcode = Text(q.rcode, style=RCODE_STYLE.get(q.rcode, ""))
            answers = ", ".join(q.answers) + (f"  {mark}" if mark else "")
            table.add_row(str(n), q.name, q.type, rcode, answers)
