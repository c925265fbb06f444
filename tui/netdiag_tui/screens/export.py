"""``ctrl+s``: save what the screen shows (see :mod:`netdiag_tui.exports`).

The dialog says which directory a relative name lands in, and asks before it
overwrites a file: the first Save on an existing file only warns, a second one
(with the same name) replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from netdiag_tui.exports import SCREENSHOT, Choice


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveRequest:
    format: str
    #: Absolute, user-expanded.
    path: str

    @property
    def screenshot(self) -> bool:
        return self.format == SCREENSHOT


class ExportDialog(ModalScreen[SaveRequest | None]):
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 80; max-width: 100%; height: auto; border: thick $accent;
        background: $panel; padding: 1 2;
    }
    ExportDialog #where { color: $text-muted; }
    ExportDialog #warning { color: $warning; text-style: bold; }
    ExportDialog Horizontal { height: auto; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(
        self,
        choices: tuple[Choice, ...],
        stems: dict[str, str],
        *,
        title: str = "Save the current view",
        cwd: Path | None = None,
    ) -> None:
        super().__init__()
        self.choices = {c.format: c for c in choices}
        self.stems = stems
        self.title_text = title
        self.cwd = cwd or Path.cwd()
        #: The path the user was warned about; saving it again overwrites.
        self.confirmed = ""

    def compose(self) -> ComposeResult:
        first = next(iter(self.choices))
        with Vertical():
            yield Label(self.title_text)
            yield Select[str](
                [(f, f) for f in self.choices], value=first, allow_blank=False, id="format"
            )
            yield Input(value=self._file_name(first), id="path")
            yield Label("", id="where")
            yield Label("", id="warning")
            with Horizontal():
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_where()
        self.query_one("#path", Input).focus()

    def _file_name(self, fmt: str) -> str:
        choice = self.choices[fmt]
        return f"{self.stems.get(fmt, 'netdiag')}.{choice.extension}"

    def target(self) -> Path:
        raw = self.query_one("#path", Input).value.strip()
        path = Path(raw).expanduser()
        return path if path.is_absolute() else self.cwd / path

    def _show_where(self) -> None:
        target = self.target()
        self.query_one("#where", Label).update(Text(f"in {target.parent}/"))
        self.query_one("#warning", Label).update("")
        self.confirmed = ""

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#path", Input).value = self._file_name(event.value)

    @on(Input.Changed, "#path")
    def _path_changed(self) -> None:
        self._show_where()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#path")
    def _save(self) -> None:
        fmt = self.query_one("#format", Select).value
        if not isinstance(fmt, str) or not self.query_one("#path", Input).value.strip():
            return
        target = self.target()
        if target.is_dir():
            self.query_one("#warning", Label).update(Text(f"{target} is a directory"))
            return
        if target.exists() and self.confirmed != str(target):
            self.confirmed = str(target)
            self.query_one("#warning", Label).update(
                Text(f"{target.name} exists: press Save again to overwrite it")
            )
            return
        self.dismiss(SaveRequest(format=fmt, path=str(target)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
