"""A virtualised table: a fixed header and only the visible rows rendered.

Textual's ``DataTable`` measures every cell on the event loop when rows are added
(``add_row`` and the idle ``_update_dimensions``): filling it with 2,000 pods blocked
the loop for ~0.5 s, and again on every filter keystroke. Here the rows are plain
string tuples with column widths computed by :func:`prepare` (call it in a worker);
:meth:`RowList.set_rows` only swaps a list, and ``render_line`` draws the rows in view
(the line API, as the matrix grid does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


def printable(text: str) -> str:
    """Control characters (a hostile object name) shown as ``?``, never sent to the terminal."""
    return text if text.isprintable() else "".join(c if c.isprintable() else "?" for c in text)


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows ready to show: cells, one key per row, and each column's width."""

    keys: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...]


def prepare(header: Sequence[str], keys: Sequence[str], cells: Sequence[Sequence[str]]) -> Rows:
    """Sanitise the cells and measure the columns: O(rows), so call it off the event loop."""
    clean = tuple(tuple(printable(c) for c in row) for row in cells)
    widths = [len(h) for h in header]
    for row in clean:
        for k, c in enumerate(row):
            if len(c) > widths[k]:
                widths[k] = len(c)
    return Rows(keys=tuple(keys), cells=clean, widths=tuple(widths))


class RowList(ScrollView, can_focus=True):
    """A list of rows with a cursor; posts :class:`Highlighted` with the row's key."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"rowlist--header", "rowlist--cursor"}
    DEFAULT_CSS = """
    RowList {
        height: 1fr;
        background: $surface;
        & > .rowlist--header { text-style: bold; color: $text-accent; }
        & > .rowlist--cursor { background: $block-cursor-blurred-background; }
        &:focus > .rowlist--cursor { background: $block-cursor-background;
                                     color: $block-cursor-foreground; text-style: bold; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home,g", "edge(-1)", "First row", show=False, id="list.top"),
        Binding("end,G", "edge(1)", "Last row", show=False, id="list.bottom"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)

    class Highlighted(Message):
        def __init__(self, rows: RowList, key: str | None) -> None:
            super().__init__()
            self.rows = rows
            self.key = key

        @property
        def control(self) -> RowList:
            return self.rows

    def __init__(self, header: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.header = tuple(header)
        self.data = prepare(self.header, (), ())
        self._index: dict[str, int] = {}

    @property
    def row_count(self) -> int:
        return len(self.data.keys)

    @property
    def cursor_key(self) -> str | None:
        keys = self.data.keys
        return keys[self.cursor] if 0 <= self.cursor < len(keys) else None

    def set_rows(self, data: Rows, *, keep: str | None = None) -> None:
        """Show ``data``; the cursor stays on the row with key ``keep`` (default: the
        current one) when it is still there, else at the same position."""
        keep = self.cursor_key if keep is None else keep
        self.data = data
        self._index = {k: n for n, k in enumerate(data.keys)}
        self.virtual_size = Size(sum(data.widths) + 2 * len(data.widths), len(data.keys) + 1)
        at = self._index.get(keep) if keep is not None else None
        if at is None:
            at = min(self.cursor, max(len(data.keys) - 1, 0))
        self._move_to(at, force=True)
        self.refresh()

    def move_to_key(self, key: str) -> bool:
        at = self._index.get(key)
        if at is None:
            return False
        self._move_to(at)
        return True

    def _move_to(self, at: int, *, force: bool = False) -> None:
        old = self.cursor
        self.cursor = at
        self._scroll_to_cursor()
        self._refresh_row(old)
        self._refresh_row(at)
        if force or old != at:
            self.post_message(self.Highlighted(self, self.cursor_key))

    def _scroll_to_cursor(self) -> None:
        # Not before the first layout: scrolling a widget with no size yet leaves
        # Textual's compositor with stale cuts (a blank screen until the next layout).
        if not self.size.height:
            return
        h = max(1, self.scrollable_content_region.height - 1)
        y = int(self.scroll_y)
        if self.cursor < y:
            y = self.cursor
        elif self.cursor >= y + h:
            y = self.cursor - h + 1
        if y != int(self.scroll_y):
            self.scroll_to(y=y, animate=False)

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    def _refresh_row(self, r: int) -> None:
        y = r - int(self.scroll_y) + 1
        if y >= 1:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_move(self, delta: int) -> None:
        if self.row_count:
            self._move_to(min(max(self.cursor + delta, 0), self.row_count - 1))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 2))

    def action_edge(self, direction: int) -> None:
        self.action_move(direction * self.row_count)

    def on_click(self, event: Click) -> None:
        r = int(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= r < self.row_count:
            self._move_to(r)

    def _line(self, cells: Sequence[str], style: Style, width: int) -> Strip:
        text = "".join(c.ljust(w + 2) for c, w in zip(cells, self.data.widths, strict=False))
        return Strip([Segment(text, style)]).crop(int(self.scroll_x), int(self.scroll_x) + width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            head = base + self.get_component_rich_style("rowlist--header")
            return self._line(self.header, head, width).extend_cell_length(width, base)
        r = int(self.scroll_y) + y - 1
        if r >= self.row_count:
            return Strip.blank(width, base)
        style = base
        if r == self.cursor:
            style = base + self.get_component_rich_style("rowlist--cursor")
        line = self._line(self.data.cells[r], style, width)
        return line.extend_cell_length(width, style)
