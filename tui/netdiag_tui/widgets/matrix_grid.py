"""The reachability matrix as a line-API ``ScrollView``.

Only visible cells are rendered (docs/contributing.md "The TUI"; measured in
benchmarks/results/tui.md): ``render_line`` builds one screen line from
the rows and columns in view, and caches the resulting ``Strip`` keyed by what
the line depends on (the pattern of Textualize/toolong ``log_lines.py``). The
header row (column numbers) and the label column stay fixed while scrolling.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from netdiag_tui.matrix_view import MatrixModel, MatrixNode, Verdict
from netdiag_tui.widgets.row_list import printable

if TYPE_CHECKING:
    from textual.app import ComposeResult  # noqa: F401

#: Glyph per verdict: never colour alone (docs/contributing.md); the e2e truth table uses ./X.
GLYPHS: dict[Verdict, str] = {
    Verdict.ALLOWED: "✓",
    Verdict.DENIED: "✗",
    Verdict.UNKNOWN: "?",
    Verdict.NONE: "-",
}
ASCII_GLYPHS: dict[Verdict, str] = {
    Verdict.ALLOWED: ".",
    Verdict.DENIED: "X",
    Verdict.UNKNOWN: "?",
    Verdict.NONE: "-",
}
#: The synthetic-IP label marker, and external to external, as ``netdiag matrix``
#: prints them (``netdiag.policy.render``).
NOT_APPLICABLE = GLYPHS[Verdict.NONE]
SYNTHETIC_MARK = "*"
#: How long a cell that changed with a new snapshot stays highlighted.
HIGHLIGHT_SECONDS = 3.0
MAX_LABEL = 44


class MatrixGrid(ScrollView, can_focus=True):
    """Rows are sources, columns destinations; the cursor is a cell."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "matrix--allowed",
        "matrix--denied",
        "matrix--unknown",
        "matrix--none",
        "matrix--header",
        "matrix--label",
        "matrix--cursor",
        "matrix--cursor-axis",
        "matrix--changed",
    }

    DEFAULT_CSS = """
    MatrixGrid {
        background: $surface;
        height: 1fr;
        & > .matrix--allowed { color: $success; }
        & > .matrix--denied { color: $error; text-style: bold; }
        & > .matrix--unknown { color: $text-muted; }
        & > .matrix--none { color: $text-disabled; }
        & > .matrix--header { color: $text-muted; text-style: bold; }
        & > .matrix--label { color: $text; }
        & > .matrix--cursor { background: $accent; color: $text; text-style: bold; }
        & > .matrix--cursor-axis { background: $boost; text-style: bold; }
        & > .matrix--changed { background: $warning 60%; text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1, 0)", "Up", show=False, id="matrix.up"),
        Binding("down,j", "move(1, 0)", "Down", show=False, id="matrix.down"),
        Binding("left,h", "move(0, -1)", "Left", show=False, id="matrix.left"),
        Binding("right,l", "move(0, 1)", "Right", show=False, id="matrix.right"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="matrix.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="matrix.page_down"),
        Binding("home,g", "edge(-1)", "First row", show=False, id="matrix.top"),
        Binding("end,G", "edge(1)", "Last row", show=False, id="matrix.bottom"),
        Binding("enter", "select", "Explain", id="matrix.explain"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)
    cursor_col: reactive[int] = reactive(0, always_update=True, repaint=False)

    class CellSelected(Message):
        """Enter (or a click) on a cell: explain it."""

        def __init__(self, grid: MatrixGrid, source: MatrixNode, destination: MatrixNode) -> None:
            super().__init__()
            self.grid = grid
            self.source = source
            self.destination = destination

    class CursorMoved(Message):
        def __init__(self, grid: MatrixGrid) -> None:
            super().__init__()
            self.grid = grid

    def __init__(self, *, ascii: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model: MatrixModel | None = None
        self.row_index: list[int] = []
        self.col_index: list[int] = []
        self.glyphs = ASCII_GLYPHS if ascii else GLYPHS
        self.generation = 0
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._label_width = 12
        self._cell_width = 3
        self._previous: tuple[MatrixModel, dict[str, int], dict[str, int]] | None = None
        self._changed_until = 0.0
        self._base: Style | None = None

    # ------------------------------------------------------------------ data

    def set_model(
        self,
        model: MatrixModel,
        row_index: Sequence[int] | None = None,
        col_index: Sequence[int] | None = None,
        *,
        highlight_changes: bool = False,
    ) -> None:
        """Show ``model`` (optionally a subset of its rows/cols), keeping the user's place.

        The cursor stays on the same source/destination ids when they still exist;
        with ``highlight_changes`` cells whose verdict differs from the previous
        model glow for a few seconds.
        """
        keep = self.cursor_ids()
        where = self._cursor_namespaces()
        old = self.model
        if highlight_changes and old is not None:
            self._previous = (
                old,
                {n.id: i for i, n in enumerate(old.rows)},
                {n.id: j for j, n in enumerate(old.cols)},
            )
            self._changed_until = time.monotonic() + HIGHLIGHT_SECONDS
            self.set_timer(HIGHLIGHT_SECONDS + 0.05, self._end_highlight)
        self.model = model
        self.row_index = list(range(len(model.rows)) if row_index is None else row_index)
        self.col_index = list(range(len(model.cols)) if col_index is None else col_index)
        self._relayout()
        self._restore(keep, where)

    def set_view(self, row_index: Sequence[int], col_index: Sequence[int]) -> None:
        """Narrow (filter) the rows/cols shown without recomputing the model."""
        keep = self.cursor_ids()
        where = self._cursor_namespaces()
        self.row_index = list(row_index)
        self.col_index = list(col_index)
        self._relayout()
        self._restore(keep, where)

    def _cursor_namespaces(self) -> tuple[str, str] | None:
        cell = self.cursor_nodes()
        return (cell[0].namespace, cell[1].namespace) if cell else None

    def cursor_ids(self) -> tuple[str, str] | None:
        cell = self.cursor_nodes()
        return (cell[0].id, cell[1].id) if cell else None

    def cursor_nodes(self) -> tuple[MatrixNode, MatrixNode] | None:
        if self.model is None or not self.row_index or not self.col_index:
            return None
        r = min(self.cursor_row, len(self.row_index) - 1)
        c = min(self.cursor_col, len(self.col_index) - 1)
        return self.model.rows[self.row_index[r]], self.model.cols[self.col_index[c]]

    def cursor_verdict(self) -> Verdict | None:
        """The verdict under the cursor (``NONE`` for external→external); None: no cells."""
        if self.model is None or not self.row_index or not self.col_index:
            return None
        return self.model.cell(self.row_index[self.cursor_row], self.col_index[self.cursor_col])

    def move_to_ids(self, source: str, destination: str) -> bool:
        """Put the cursor on a source/destination pair if both are shown."""
        if self.model is None:
            return False
        r = next((k for k, i in enumerate(self.row_index) if self.model.rows[i].id == source), None)
        c = next(
            (k for k, j in enumerate(self.col_index) if self.model.cols[j].id == destination), None
        )
        if r is None or c is None:
            return False
        self._set_cursor(r, c)
        return True

    def _restore(self, keep: tuple[str, str] | None, namespaces: tuple[str, str] | None) -> None:
        """Back to the same cell by id; else (granularity changed: ids differ) to the
        first row/column of the same namespaces; else the top-left cell."""
        if keep is not None and self.move_to_ids(*keep):
            return
        r = c = 0
        if namespaces is not None and self.model is not None:
            rows, cols = self.model.rows, self.model.cols
            r = next(
                (k for k, i in enumerate(self.row_index) if rows[i].namespace == namespaces[0]), 0
            )
            c = next(
                (k for k, j in enumerate(self.col_index) if cols[j].namespace == namespaces[1]), 0
            )
        self._set_cursor(r, c)

    def _relayout(self) -> None:
        self.generation += 1
        self._cache.clear()
        model = self.model
        if model is None:
            return
        longest = max(
            (len(model.rows[i].id) + model.rows[i].synthetic for i in self.row_index), default=4
        )
        digits = len(str(max(len(self.row_index), len(self.col_index), 1)))
        self._label_width = min(MAX_LABEL, longest) + digits + 2
        self._cell_width = max(3, len(str(len(self.col_index))) + 1)
        self.virtual_size = Size(
            self._label_width + len(self.col_index) * self._cell_width, len(self.row_index) + 1
        )
        self.refresh()

    def _end_highlight(self) -> None:
        if time.monotonic() >= self._changed_until:
            self._previous = None
            self._cache.clear()
            self.refresh()

    def changed(self, r: int, c: int) -> bool:
        """True while the cell at view position (r, c) differs from the previous model."""
        if self._previous is None or self.model is None:
            return False
        old, rows, cols = self._previous
        i, j = self.row_index[r], self.col_index[c]
        oi = rows.get(self.model.rows[i].id)
        oj = cols.get(self.model.cols[j].id)
        if oi is None or oj is None:
            return True
        return old.cell(oi, oj) is not self.model.cell(i, j)

    # ------------------------------------------------------------------ cursor

    @property
    def view_size(self) -> Size:
        """The cells actually visible: the content area minus the scrollbars."""
        return self.scrollable_content_region.size

    def _visible_cols(self) -> int:
        return max(1, (self.view_size.width - self._label_width) // self._cell_width)

    def _set_cursor(self, r: int, c: int) -> None:
        old_r = self.cursor_row
        self.cursor_row, self.cursor_col = r, c
        self._scroll_to_cursor()
        self._refresh_row(old_r)
        self._refresh_row(r)
        self.refresh(Region(0, 0, self.size.width, 1))
        self.post_message(self.CursorMoved(self))

    def scroll_to_cursor(self) -> None:
        """Bring the cursor cell into view (after the grid got smaller, say)."""
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        if not self.size.height:
            return  # before the first layout: see RowList._scroll_to_cursor
        h = max(1, self.view_size.height - 1)
        y = self.scroll_y
        if self.cursor_row < y:
            y = self.cursor_row
        elif self.cursor_row >= y + h:
            y = self.cursor_row - h + 1
        col0 = int(self.scroll_x) // self._cell_width
        vis = self._visible_cols()
        if self.cursor_col < col0:
            col0 = self.cursor_col
        elif self.cursor_col >= col0 + vis:
            col0 = self.cursor_col - vis + 1
        self.scroll_to(x=col0 * self._cell_width, y=y, animate=False, immediate=True)

    def _refresh_row(self, r: int) -> None:
        y = r - int(self.scroll_y) + 1
        if 1 <= y < self.view_size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_move(self, dr: int, dc: int) -> None:
        if not self.row_index or not self.col_index:
            return
        r = min(max(self.cursor_row + dr, 0), len(self.row_index) - 1)
        c = min(max(self.cursor_col + dc, 0), len(self.col_index) - 1)
        self._set_cursor(r, c)

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.view_size.height - 2), 0)

    def action_edge(self, direction: int) -> None:
        self.action_move(direction * len(self.row_index), 0)

    def action_select(self) -> None:
        nodes = self.cursor_nodes()
        if nodes is not None:
            self.post_message(self.CellSelected(self, *nodes))

    def on_click(self, event: Click) -> None:
        if event.y < 1 or event.x < self._label_width or self.model is None:
            return
        r = int(self.scroll_y) + event.y - 1
        c = (
            int(self.scroll_x) // self._cell_width
            + (event.x - self._label_width) // self._cell_width
        )
        if r < len(self.row_index) and c < len(self.col_index):
            self._set_cursor(r, c)
            if event.chain >= 2:
                self.action_select()

    # ------------------------------------------------------------------ rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()
        self._base = None

    @property
    def base_style(self) -> Style:
        """``rich_style`` walks every ancestor's styles: once per style change, not per line."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"matrix--{name}")
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.view_size.width
        col0 = int(self.scroll_x) // self._cell_width
        ncols = min(self._visible_cols(), max(len(self.col_index) - col0, 0))
        if self.model is None:
            return Strip.blank(width, self.base_style)
        if y == 0:
            key: tuple[object, ...] = ("h", self.generation, col0, ncols, width, self.cursor_col)
            return self._cached(key, lambda: self._header(col0, ncols, width))
        r = int(self.scroll_y) + y - 1
        if r >= len(self.row_index):
            return Strip.blank(width, self.base_style)
        cursor = self.cursor_col if r == self.cursor_row else -1
        glow = self._previous is not None
        key = ("r", self.generation, r, col0, ncols, width, cursor, glow)
        return self._cached(key, lambda: self._row(r, col0, ncols, width, cursor))

    def _cached(self, key: tuple[object, ...], build: object) -> Strip:
        strip = self._cache.get(key)
        if strip is None:
            assert callable(build)
            strip = build()
            self._cache[key] = strip
        return strip

    def _header(self, col0: int, ncols: int, width: int) -> Strip:
        base = self.base_style
        head = self._style("header")
        axis = head + self._style("cursor-axis")
        label = "src \\ dst".ljust(self._label_width)[: self._label_width]
        segments = [Segment(label, head)]
        cw = self._cell_width
        for k in range(col0, col0 + ncols):
            text = str(k + 1).rjust(cw)
            segments.append(Segment(text, axis if k == self.cursor_col else head))
        return Strip(segments).extend_cell_length(width, base).crop(0, width)

    def _row(self, r: int, col0: int, ncols: int, width: int, cursor: int) -> Strip:
        """One matrix row: the label, then one run of text per run of equal styles.

        Every character is one cell wide (ids are DNS names and CIDRs, shown through
        ``printable``), so the strip's length is known without measuring it.
        """
        assert self.model is not None
        base = self.base_style
        i = self.row_index[r]
        node = self.model.rows[i]
        digits = len(str(max(len(self.row_index), 1)))
        name = printable(node.id) + (SYNTHETIC_MARK if node.synthetic else "")
        name = name if len(name) <= MAX_LABEL else "…" + name[-MAX_LABEL + 1 :]
        lw = self._label_width
        label = f"{r + 1:>{digits}} {name}".ljust(lw)[:lw]
        label_style = base + self._style("label")
        if cursor >= 0:
            label_style += self._style("cursor-axis")
        segments = [Segment(label, label_style)]
        pad = " " * (self._cell_width - 1)
        styles = {v: base + self._style(v.value) for v in Verdict}
        cells = {v: pad + self.glyphs[v] for v in Verdict}
        changed_style = self._style("changed")
        cell = self.model.cell
        col_index = self.col_index
        glow = self._previous is not None
        run: list[str] = []
        run_style: Style | None = None
        for c in range(col0, col0 + ncols):
            verdict = cell(i, col_index[c])
            text, style = cells[verdict], styles[verdict]
            if glow and c != cursor and self.changed(r, c):
                style = style + changed_style
            if c == cursor:
                style = style + self._style("cursor")
            if style is not run_style and style != run_style:
                if run:
                    segments.append(Segment("".join(run), run_style))
                run, run_style = [], style
            run.append(text)
        if run:
            segments.append(Segment("".join(run), run_style))
        used = lw + ncols * self._cell_width
        if used < width:
            segments.append(Segment(" " * (width - used), base))
            used = width
        strip = Strip(segments, used)
        return strip if used == width else strip.crop(0, width)
