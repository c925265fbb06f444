"""What every mode screen shares: header, footer, status line, snapshot syncing."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Header
from textual.worker import Worker, WorkerState

from netdiag_tui.widgets.key_hints import KeyHints
from netdiag_tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from netdiag_tui.host import Host


class ModeScreen(Screen[None]):
    """A mode (resolve, matrix, policies, overview) that follows the app's snapshot."""

    def __init__(self) -> None:
        super().__init__()
        from netdiag_tui.screens.compositor import CutsSafeCompositor

        self._compositor = CutsSafeCompositor()

    #: Snapshot generation this screen last rendered; -1 forces a first sync.
    seen_generation = -1
    #: The namespace scope this screen last applied (``:ns``/``0`` change it app-wide,
    #: also while this screen is not the current one: applied when it comes back).
    seen_scope: str | None = None

    @property
    def netdiag(self) -> Host:
        return cast("Host", self.app)

    def compose_chrome(self) -> ComposeResult:
        from textual.containers import Vertical

        yield Header()
        with Vertical(id="bottom"):
            yield StatusLine(id="status")
            yield KeyHints(id="keys")

    def on_mount(self) -> None:
        self.maybe_sync()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def on_screen_resume(self) -> None:
        self.maybe_sync()
        self.apply_scope()
        self.update_status()

    def apply_scope(self) -> None:
        """Follow the app's namespace scope if it changed since this screen last looked."""
        if self.seen_scope != self.netdiag.namespace:
            self.seen_scope = self.netdiag.namespace
            self.scope_changed()

    def maybe_sync(self, *, changed: bool = False) -> None:
        """Re-render from the app's snapshot if it moved on since we last looked."""
        if self.seen_generation != self.netdiag.generation:
            first = self.seen_generation < 0
            self.seen_generation = self.netdiag.generation
            self.seen_scope = self.netdiag.namespace
            self.sync(changed=changed and not first)
        self.update_status()

    def sync(self, *, changed: bool) -> None:
        """Render the current snapshot; ``changed`` when it replaced one already shown."""

    def scope_changed(self) -> None:
        """The namespace scope (``:ns``/``0``) changed."""

    def back(self) -> bool:
        """Handle ``esc`` inside the screen; False to let the app go back a mode."""
        return False

    def update_status(self) -> None:
        app = self.netdiag
        for status in self.query(StatusLine):
            status.show(
                source=app.snapshot.source,
                scope=app.namespace or "all",
                generation=app.generation,
                age=app.snapshot_age(),
                stale=app.stale,
            )


def report_worker_error(node: DOMNode, event: Worker.StateChanged) -> None:
    """A failed worker becomes a notification, never a crash (harlequin's pattern)."""
    from textual.app import App

    if event.state is not WorkerState.ERROR:
        return
    error = event.worker.error
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    app = node if isinstance(node, App) else node.app
    what = event.worker.name.strip("_") or "background work"
    app.notify(f"{what} failed: {message}", severity="error", timeout=10)
