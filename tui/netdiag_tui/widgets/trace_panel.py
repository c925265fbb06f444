"""A resolver trace laid out for the eye: queries in order, winner, shadowed names, advice."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from netdiag_tui.trace_view import TraceView

RCODE_STYLE = {
    "NOERROR": "green",
    "NXDOMAIN": "red",
    "SERVFAIL": "bold red",
    "NODATA": "yellow",
    "TIMEOUT": "bold red",
}


def summary_text(t: TraceView) -> Text:
    text = Text()
    if t.resolved:
        text.append("✓ ", style="bold green")
        text.append(t.winner, style="bold")
        if t.answers:
            text.append(" → " + ", ".join(t.answers))
        text.append("\n")
    else:
        reason = f": {t.error}" if t.error else ""
        text.append(f"✗ {t.name} does not resolve{reason}\n", style="bold red")
    if t.reach:
        glyph, style = ("✓ ", "bold green") if t.reach_ok else ("✗ ", "bold red")
        text.append(glyph, style=style)
        text.append(t.reach + "\n")
    if t.target:
        text.append("landed on ", style="dim")
        text.append(t.target, style="bold")
        if t.target_namespace:
            text.append(" in namespace ", style="dim")
            text.append(t.target_namespace, style="bold cyan")
        text.append("\n")
    if t.shadowed:
        text.append("shadowed: ", style="bold yellow")
        text.append(", ".join(t.shadowed) + "\n")
    if t.cost:
        text.append(f"cost: {t.cost}\n")
    for advice in t.advice:
        text.append(f"advice: {advice}\n", style="italic")
    for warning in t.warnings:
        text.append(f"! {warning}\n", style="yellow")
    for note in t.notes:
        text.append(f"note: {note}\n", style="dim")
    ctx = f"resolver {t.resolver}, family {t.family}"
    if t.origin:
        ctx += f"; resolv.conf of {t.origin}"
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

    trace: TraceView | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("type a name to trace it", style="dim"), id="trace-summary")
        table: DataTable[Text | str] = DataTable(id="trace-queries", cursor_type="row")
        table.add_columns("#", "query", "type", "outcome", "answers")
        yield table

    def clear(self) -> None:
        self.trace = None
        self.query_one("#trace-summary", Static).update(
            Text("type a name to trace it", style="dim")
        )
        self.query_one("#trace-queries", DataTable).clear()

    def show(self, t: TraceView) -> None:
        self.trace = t
        if t.error and not t.queries:
            self.query_one("#trace-summary", Static).update(Text(f"✗ {t.error}", style="bold red"))
        else:
            self.query_one("#trace-summary", Static).update(summary_text(t))
        table = self.query_one("#trace-queries", DataTable)
        table.clear()
        for n, q in enumerate(t.queries, 1):
            rcode = Text(q.rcode, style=RCODE_STYLE.get(q.rcode, ""))
            answers = Text(", ".join(q.answers))
            if not q.answers and q.rcode == "NOERROR":
                # RFC 2308 NODATA: the name exists, not this type (netdiag resolve's word)
                answers = Text("NODATA", style="yellow")
            if q.truncated:
                then = "taken empty" if t.resolver == "musl" else "repeated over TCP"
                answers = Text(f"TC: too big for UDP, {then}", style="yellow")
            if q.winner:
                answers.append("  ◀ winner", style="bold green")
            qtype = f"{q.type} tcp" if q.tcp else q.type
            table.add_row(str(n), q.name, qtype, rcode, answers)
