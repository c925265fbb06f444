"""Matrix: who can reach whom, one glyph per cell, and why (enter)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from netdiag.policy.matrix import GRANULARITIES
from netdiag_tui import matrix_view
from netdiag_tui.filtering import filter_indices
from netdiag_tui.longlived import keep_long_lived
from netdiag_tui.screens.base import ModeScreen
from netdiag_tui.widgets.explain_pane import ExplainPane
from netdiag_tui.widgets.matrix_grid import (
    ASCII_GLYPHS,
    GLYPHS,
    NOT_APPLICABLE,
    SYNTHETIC_MARK,
    MatrixGrid,
)

ANY_PORT = "any port"


class MatrixScreen(ModeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="matrix.filter"),
        Binding("t", "granularity", "Granularity", id="matrix.granularity"),
        Binding("p", "focus_port", "Port", id="matrix.port"),
        Binding(
            "J,shift+down", "scroll_explain(1)", "Scroll why", id="matrix.explain_down", show=False
        ),
        Binding(
            "K,shift+up", "scroll_explain(-1)", "Scroll why up", id="matrix.explain_up", show=False
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.granularity = "pod"
        self.port: str | None = None
        self.filter_text = ""
        self.model: matrix_view.MatrixModel | None = None
        #: The matrix before the last live reload that changed it (the diff view).
        self.before: matrix_view.MatrixModel | None = None
        #: What the current model was computed from (request + the snapshot's matrix inputs).
        self._inputs: tuple[object, ...] = ()
        self.computing = False

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Horizontal(id="matrix-bar"):
            yield Static("", id="matrix-title")
            yield Select[str]([(ANY_PORT, ANY_PORT)], value=ANY_PORT, allow_blank=False, id="port")
        yield Input(placeholder="filter: text, ns:NAME, key=value, !term", id="filter")
        yield Static("", id="matrix-cursor")
        yield MatrixGrid(id="grid", ascii=self.netdiag.ascii_glyphs)
        yield Static(self.legend(), id="matrix-legend")
        yield ExplainPane(id="explain")

    def legend(self) -> Text:
        """The glyphs' meaning, as ``netdiag matrix`` prints it under its table."""
        glyphs = ASCII_GLYPHS if self.netdiag.ascii_glyphs else GLYPHS
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{glyphs[matrix_view.Verdict.ALLOWED]} allowed  ")
        text.append(f"{glyphs[matrix_view.Verdict.DENIED]} denied  ")
        text.append(f"{glyphs[matrix_view.Verdict.UNKNOWN]} implementation-defined  ")
        text.append(f"{NOT_APPLICABLE} external to external")
        model = self.model
        if model is not None and any(n.synthetic for n in model.rows):
            text.append(f"  {SYNTHETIC_MARK} synthetic IP (no ipBlock matches it)")
        return text

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(MatrixGrid).focus()

    @property
    def grid(self) -> MatrixGrid:
        return self.query_one(MatrixGrid)

    def request(self) -> matrix_view.MatrixRequest:
        return matrix_view.MatrixRequest(port=self.port, granularity=self.granularity)

    def sync(self, *, changed: bool) -> None:
        self._port_options()
        self.compute(highlight=changed)

    def _port_options(self) -> None:
        ports = list(matrix_view.ports_in(self.netdiag.snapshot))
        if self.port is not None and self.port not in ports:
            ports.append(self.port)  # typed with :port, declared by no pod or service
        select = self.query_one("#port", Select)
        with self.prevent(Select.Changed):
            select.set_options([(ANY_PORT, ANY_PORT)] + [(p, p) for p in ports])
            select.value = self.port if self.port in ports else ANY_PORT

    def set_port(self, port: str | None) -> None:
        """Any ``PORT/PROTO`` (``443``, ``53/UDP``, ``8000-8080/TCP``), in the list or not."""
        if port is not None:
            from netdiag.app.session import parse_ports
            from netdiag.errors import UsageError

            try:
                parse_ports([port], flag=":port")  # the CLI's --port check
            except UsageError as e:
                self.notify(e.message, severity="warning")
                return
        if port != self.port:
            self.port = port
            self._port_options()
            self.compute()
        self.grid.focus()

    def compute(self, *, highlight: bool = False) -> None:
        self.computing = True
        self.update_title()
        self._compute(self.request(), highlight)

    @work(exclusive=True, thread=True, group="matrix", exit_on_error=False, description="matrix")
    def _compute(self, request: matrix_view.MatrixRequest, highlight: bool) -> None:
        session = self.netdiag.session
        snapshot = session.snapshot
        inputs = matrix_view.matrix_inputs(snapshot, request)
        if self.model is not None and inputs == self._inputs:
            # Nothing the matrix reads changed (readiness, Service ports, …): keep it.
            self.app.call_from_thread(self._unchanged, request)
            return
        model = matrix_view.matrix(session, request)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._apply, model, request, highlight, inputs)

    def _unchanged(self, request: matrix_view.MatrixRequest) -> None:
        if request == self.request():
            self.computing = False
            self.update_title()

    def _apply(
        self,
        model: matrix_view.MatrixModel,
        request: matrix_view.MatrixRequest,
        highlight: bool,
        inputs: tuple[object, ...] = (),
    ) -> None:
        if request != self.request():
            return
        if highlight and self.model is not None:
            self.before = self.model  # a reload: explanations say what changed
        elif not highlight:
            self.before = None  # another question (port, granularity): no "before"
        self.model = model
        self._inputs = inputs
        keep_long_lived()
        self.computing = False
        rows, cols = self._indices(model)
        self.grid.set_model(model, rows, cols, highlight_changes=highlight)
        self.query_one("#matrix-legend", Static).update(self.legend())
        self.update_title()
        self.update_cursor_line()
        pane = self.query_one(ExplainPane)
        if pane.shown:
            self._explain_cursor()

    def _indices(self, model: matrix_view.MatrixModel) -> tuple[list[int], list[int]]:
        ns = self.netdiag.namespace
        rows = filter_indices(model.rows, self.filter_text, ns)
        cols = filter_indices(model.cols, self.filter_text, ns)
        return rows, cols

    def refilter(self) -> None:
        if self.model is not None:
            self.grid.set_view(*self._indices(self.model))
            self.update_title()
            self.update_cursor_line()

    def scope_changed(self) -> None:
        self.refilter()

    def update_title(self) -> None:
        grid = self.grid
        text = Text()
        scope = self.netdiag.namespace or "all"
        text.append(f"Matrix({scope})", style="bold")
        text.append(f"[{len(grid.row_index)}×{len(grid.col_index)}]")
        text.append(f" {self.granularity}s, {self.port or ANY_PORT}")
        if self.filter_text:
            text.append(f" </{self.filter_text}>", style="bold cyan")
        if self.computing:
            text.append("  computing…", style="italic")
        for layer in getattr(self.netdiag.snapshot, "unevaluated_layers", ()):
            # Never a silent layer: policy kinds these cells do not take into account.
            text.append(f"  ⚠ {layer.count} {layer.display} not evaluated", style="bold yellow")
        self.query_one("#matrix-title", Static).update(text)

    def update_cursor_line(self) -> None:
        nodes = self.grid.cursor_nodes()
        verdict = self.grid.cursor_verdict()
        # The verdict first: on a narrow terminal the ids are what gets cut.
        text = Text(no_wrap=True, overflow="ellipsis")
        if nodes is None:
            text.append("no cells (filter too narrow?)" if self.model else "", style="dim")
        else:
            if verdict is None or verdict is matrix_view.Verdict.NONE:
                text.append(f"{NOT_APPLICABLE} external to external", style="bold")
            else:
                text.append(f"{GLYPHS[verdict]} {verdict.value}", style="bold")
            text.append(f"  {nodes[0].id} → {nodes[1].id}")
            text.append("  (enter: why)", style="dim")
        self.query_one("#matrix-cursor", Static).update(text, layout=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group == "matrix" and event.state is WorkerState.ERROR:
            self.computing = False  # the error is in a notification; keep the last matrix
            self.update_title()

    @on(MatrixGrid.CursorMoved)
    def _cursor_moved(self) -> None:
        self.update_cursor_line()
        if self.query_one(ExplainPane).shown:
            self._explain_cursor()  # the explanation follows the cursor

    @on(MatrixGrid.CellSelected)
    def _cell_selected(self, event: MatrixGrid.CellSelected) -> None:
        self._explain(event.source, event.destination)

    def _show_explanation(self, result: matrix_view.Explanation) -> None:
        pane = self.query_one(ExplainPane)
        opening = not pane.shown
        pane.show(result)
        if opening:
            # The pane takes rows from the grid: keep the cursor's row in view.
            self.call_after_refresh(self.grid.scroll_to_cursor)

    def action_scroll_explain(self, direction: int) -> None:
        pane = self.query_one(ExplainPane)
        if pane.shown:
            pane.scroll_relative(y=direction * 3, animate=False)

    def _explain_cursor(self) -> None:
        nodes = self.grid.cursor_nodes()
        if nodes is not None:
            self._explain(nodes[0], nodes[1])

    @work(exclusive=True, thread=True, group="explain", exit_on_error=False, description="explain")
    def _explain(self, source: matrix_view.MatrixNode, dest: matrix_view.MatrixNode) -> None:
        model = self.model
        if model is None:
            return
        result = matrix_view.explain(model, source, dest)
        before = self.before
        if before is not None and before is not model:
            old = matrix_view.explain(before, source, dest)
            if old.verdict is not result.verdict and old.lines:
                result = dataclasses.replace(result, before=old)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_explanation, result)

    @on(Select.Changed, "#port")
    def _port_changed(self, event: Select.Changed) -> None:
        value = event.value if isinstance(event.value, str) else ANY_PORT
        port = None if value == ANY_PORT else value
        if port == self.port:
            return  # Select posts Changed once mounted too: the matrix is already right
        self.port = port
        self.compute()
        self.grid.focus()  # chosen: back to the cells, not left on the picker

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refilter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one("#filter", Input).remove_class("-shown")
        self.grid.focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_focus_port(self) -> None:
        self.query_one("#port", Select).focus()

    def action_granularity(self) -> None:
        order = GRANULARITIES
        self.granularity = order[(order.index(self.granularity) + 1) % len(order)]
        self.compute()

    def set_filter(self, text: str) -> None:
        box = self.query_one("#filter", Input)
        box.value = text
        self.filter_text = text.strip()
        self.refilter()

    def back(self) -> bool:
        box = self.query_one("#filter", Input)
        if box.has_class("-shown") or self.filter_text:
            box.value = ""
            box.remove_class("-shown")
            self.filter_text = ""
            self.refilter()
            self.grid.focus()
            return True
        if self.query_one(ExplainPane).hide():
            self.grid.focus()
            return True
        if not self.grid.has_focus:
            self.grid.focus()
            return True
        return False
