"""``ctrl+s``: save the current view in an export format, or an SVG screenshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

SCREENSHOT = "screenshot (svg)"


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveRequest:
    format: str
    path: str

    @property
    def screenshot(self) -> bool:
        return self.format == SCREENSHOT


class ExportDialog(ModalScreen[SaveRequest | None]):
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 70; height: auto; border: thick $accent; background: $panel; padding: 1 2;
    }
    ExportDialog Horizontal { height: auto; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, formats: tuple[str, ...], default_stem: str) -> None:
        super().__init__()
        self.formats = formats + (SCREENSHOT,)
        self.default_stem = default_stem

    def compose(self) -> ComposeResult:
        first = self.formats[0]
        with Vertical():
            yield Label("Save the current view")
            yield Select[str](
                [(f, f) for f in self.formats], value=first, allow_blank=False, id="format"
            )
            yield Input(value=self._path(first), id="path")
            with Horizontal():
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def _path(self, fmt: str) -> str:
        ext = "svg" if fmt == SCREENSHOT else fmt
        return f"{self.default_stem}.{ext}"

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#path", Input).value = self._path(event.value)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#path")
    def _save(self) -> None:
        fmt = self.query_one("#format", Select).value
        path = self.query_one("#path", Input).value.strip()
        if isinstance(fmt, str) and path:
            self.dismiss(SaveRequest(format=fmt, path=path))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
