"""The line-API matrix: cursor keys, fixed header/labels, only visible cells rendered."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import App, ComposeResult

from netdiag_tui.matrix_view import ListMatrix, MatrixNode, Verdict
from netdiag_tui.widgets.matrix_grid import MatrixGrid
from tests.tui.conftest import screen_text


def nodes(n: int, ns: str = "ns") -> list[MatrixNode]:
    return [
        MatrixNode(id=f"{ns}/pod-{i:04d}", kind="pod", namespace=ns, name=f"pod-{i:04d}")
        for i in range(n)
    ]


@dataclass
class CountingMatrix:
    """Deny on the diagonal+1, allow elsewhere; counts every cell lookup."""

    rows: list[MatrixNode]
    cols: list[MatrixNode]
    calls: int = 0
    flipped: set[tuple[int, int]] = field(default_factory=set)

    def cell(self, i: int, j: int) -> Verdict:
        self.calls += 1
        deny = (j == i + 1) != ((i, j) in self.flipped)
        return Verdict.DENIED if deny else Verdict.ALLOWED


class GridApp(App[None]):
    def __init__(self, model: object) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield MatrixGrid(id="grid")

    def on_mount(self) -> None:
        grid = self.query_one(MatrixGrid)
        grid.set_model(self.model)  # type: ignore[arg-type]
        grid.focus()


async def test_only_visible_cells_are_rendered() -> None:
    model = CountingMatrix(rows=nodes(2000), cols=nodes(2000))
    app = GridApp(model)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = model.calls
        # 29 visible rows x at most (100 - labels) / 5 columns: a few hundred, not 4 million.
        assert 0 < first < 29 * 20
        model.calls = 0
        await pilot.press("j")
        await pilot.pause()
        # a cursor move repaints two rows, not the screen
        assert model.calls <= 2 * 20


async def test_hjkl_and_arrows_move_the_cursor_and_keep_it_visible() -> None:
    model = CountingMatrix(rows=nodes(300), cols=nodes(300))
    app = GridApp(model)
    async with app.run_test(size=(80, 20)) as pilot:
        grid = app.query_one(MatrixGrid)
        await pilot.press("j", "j", "l", "down", "right", "k", "h", "l")
        assert (grid.cursor_row, grid.cursor_col) == (2, 2)
        for _ in range(40):
            await pilot.press("j")
        await pilot.pause()
        assert grid.cursor_row == 42
        assert grid.scroll_y > 0
        text = screen_text(app)
        assert "ns/pod-0042" in text  # the cursor row is on screen
        assert "src \\ dst" in text  # the header row stays fixed while scrolled
        await pilot.press("G")
        assert grid.cursor_row == 299


async def test_glyphs_header_and_labels() -> None:
    model = ListMatrix(
        rows=nodes(2),
        cols=nodes(2),
        cells=[[Verdict.ALLOWED, Verdict.DENIED], [Verdict.UNKNOWN, Verdict.ALLOWED]],
    )
    app = GridApp(model)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0].split()[-2:] == ["1", "2"]
        assert lines[1].split()[-3:] == ["ns/pod-0000", "✓", "✗"]
        assert lines[2].split()[-3:] == ["ns/pod-0001", "?", "✓"]


async def test_enter_posts_the_cell_under_the_cursor() -> None:
    model = CountingMatrix(rows=nodes(5), cols=nodes(5))
    seen: list[tuple[str, str]] = []

    class Capture(GridApp):
        def on_matrix_grid_cell_selected(self, event: MatrixGrid.CellSelected) -> None:
            seen.append((event.source.id, event.destination.id))

    app = Capture(model)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.press("j", "l", "l", "enter")
        await pilot.pause()
    assert seen == [("ns/pod-0001", "ns/pod-0002")]


async def test_new_model_keeps_the_users_place_and_highlights_changes() -> None:
    model = CountingMatrix(rows=nodes(50), cols=nodes(50))
    app = GridApp(model)
    async with app.run_test(size=(80, 20)) as pilot:
        grid = app.query_one(MatrixGrid)
        for key in "jjjjlllll":
            await pilot.press(key)
        # the new snapshot adds a pod at the front and flips one verdict
        new = CountingMatrix(rows=nodes(1, "aaa") + nodes(50), cols=nodes(1, "aaa") + nodes(50))
        new.flipped = {(3, 7)}
        grid.set_model(new, highlight_changes=True)
        await pilot.pause()
        assert grid.cursor_ids() == ("ns/pod-0004", "ns/pod-0005")
        assert grid.changed(3, 7)  # flipped cell
        assert grid.changed(0, 0)  # the new pod's row is new
        assert not grid.changed(5, 5)


async def test_set_view_narrows_rows_and_columns() -> None:
    model = CountingMatrix(rows=nodes(10), cols=nodes(10))
    app = GridApp(model)
    async with app.run_test(size=(80, 20)) as pilot:
        grid = app.query_one(MatrixGrid)
        grid.set_view([2, 3], [3])
        await pilot.pause()
        text = screen_text(app)
        assert "ns/pod-0002" in text and "ns/pod-0005" not in text
        assert grid.cursor_nodes() is not None
        assert grid.cursor_verdict() is Verdict.DENIED  # 2 -> 3 is the denied diagonal


async def test_ascii_glyphs_are_the_e2e_truth_table_ones() -> None:
    model = ListMatrix(
        rows=nodes(1), cols=nodes(3), cells=[[Verdict.ALLOWED, Verdict.DENIED, Verdict.UNKNOWN]]
    )

    class AsciiApp(GridApp):
        def compose(self) -> ComposeResult:
            yield MatrixGrid(id="grid", ascii=True)

    app = AsciiApp(model)
    async with app.run_test(size=(60, 4)) as pilot:
        await pilot.pause()
        assert screen_text(app).splitlines()[1].split()[-3:] == [".", "X", "?"]
