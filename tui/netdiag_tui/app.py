"""The netdiag Textual app: one snapshot, four modes, k9s habits.

Read-only by construction: nothing here (or in the engines it calls) writes to a
cluster; the only files written are the ones the user names in ``ctrl+s``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, get_current_worker

from netdiag.app.session import Session
from netdiag.app.source import Source
from netdiag_tui import engine, exports, matrix_view
from netdiag_tui.commands import NetdiagCommands
from netdiag_tui.describe import PolicyView
from netdiag_tui.keymap import keymap_path, load_keymap
from netdiag_tui.longlived import keep_long_lived, release_long_lived
from netdiag_tui.screens.base import ModeScreen, report_worker_error
from netdiag_tui.screens.export import ExportDialog, SaveRequest
from netdiag_tui.screens.help import HelpScreen
from netdiag_tui.screens.matrix import MatrixScreen
from netdiag_tui.screens.overview import OverviewScreen
from netdiag_tui.screens.policies import PoliciesScreen
from netdiag_tui.screens.prompt import CommandPrompt, expand_verb
from netdiag_tui.screens.resolve import ResolveScreen

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot

ModeT = TypeVar("ModeT", bound=ModeScreen)

MODES_ORDER = ("resolve", "matrix", "policies", "overview")
#: Seconds between manifest mtime polls (k9s' refresh floor is 2 s too).
POLL_SECONDS = 2.0
#: Seconds before re-opening a lost live watch.
RETRY_SECONDS = 5.0


class NetdiagApp(App[None]):
    TITLE = "netdiag"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {NetdiagCommands}
    MODES: ClassVar[dict[str, type[ModeScreen]]] = {  # type: ignore[assignment]
        "resolve": ResolveScreen,
        "matrix": MatrixScreen,
        "policies": PoliciesScreen,
        "overview": OverviewScreen,
    }
    DEFAULT_MODE = "resolve"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("colon", "command_prompt", "Cmd", id="app.command"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("escape", "go_back", "Back", id="app.back", show=False),
        Binding("0", "all_namespaces", "All ns", id="app.all_namespaces"),
        Binding("f2", "mode('resolve')", "Resolve", id="app.resolve"),
        Binding("f3", "mode('matrix')", "Matrix", id="app.matrix"),
        Binding("f4", "mode('policies')", "Policies", id="app.policies"),
        Binding("f5", "mode('overview')", "Overview", id="app.overview"),
        Binding("ctrl+s", "save", "Save", id="app.save"),
        Binding("ctrl+r", "reload", "Reload", id="app.reload"),
    ]

    def __init__(
        self,
        snapshot: ClusterSnapshot,
        *,
        source: Source | None = None,
        keymap_file: Path | None = None,
        watch: bool = True,
        ascii_glyphs: bool = False,
        start_mode: str = "resolve",
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.source = source
        #: What every screen asks: the same application layer as the CLI.
        self.session = Session(source if source is not None else Source(), snapshot)
        self.generation = 1
        self.loaded_at = time.monotonic()
        self.stale = ""
        self.namespace: str | None = None
        self.ascii_glyphs = ascii_glyphs
        self.keymap_file = keymap_file if keymap_file is not None else keymap_path()
        self.watching = watch
        self.start_mode = start_mode
        self.mode_history: list[str] = []
        self.stop_watch = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        keymap, error = load_keymap(self.keymap_file)
        if error:
            self.notify(f"keymap ignored: {error}", severity="error", timeout=10)
        elif keymap:
            self.set_keymap(keymap)
        self.sub_title = self.snapshot.source
        keep_long_lived()
        self.set_interval(30, self._tick_status)
        self.switch_mode(self.start_mode)
        if self.watching and self.source is not None:
            if self.source.is_live:
                self.watch_live()
            elif self.source.cluster and "-" not in self.source.cluster:
                self.watch_files()

    def snapshot_age(self) -> str:
        minutes = int(time.monotonic() - self.loaded_at) // 60
        return "loaded just now" if minutes < 1 else f"loaded {minutes}m ago"

    def _tick_status(self) -> None:
        for screen in self.mode_screens():
            screen.update_status()

    def mode_screens(self) -> list[ModeScreen]:
        return [s for s in self.screen_stack if isinstance(s, ModeScreen)]

    def set_snapshot(self, snapshot: ClusterSnapshot) -> None:
        """Replace the snapshot; every screen re-renders in place, keeping the user's place."""
        self.snapshot = snapshot
        self.session = self.session.with_snapshot(snapshot)
        self.generation += 1
        self.loaded_at = time.monotonic()
        self.stale = ""
        self.sub_title = snapshot.source
        keep_long_lived()
        for screen in self.mode_screens():
            screen.maybe_sync(changed=True)

    def mark_stale(self, reason: str) -> None:
        """Keep the last good snapshot, say it is stale and why."""
        self.stale = reason
        self.notify(reason, title="keeping the last good snapshot", severity="error", timeout=8)
        for screen in self.mode_screens():
            screen.update_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    # ------------------------------------------------------------------ live sources

    @work(exclusive=True, group="watch", exit_on_error=False, description="watch")
    async def watch_files(self) -> None:
        """Poll manifest mtimes; reload when one changes (re-armed after each reload)."""
        assert self.source is not None
        paths = self.source.cluster
        seen = await asyncio.to_thread(engine.manifest_mtimes, paths)
        while not get_current_worker().is_cancelled:
            await asyncio.sleep(POLL_SECONDS)
            now = await asyncio.to_thread(engine.manifest_mtimes, paths)
            if now != seen:
                seen = now
                await self.reload_now()

    def _warn_threadsafe(self, message: str) -> None:
        self.call_from_thread(self.notify, message, severity="warning", timeout=8)

    async def reload_now(self) -> None:
        from netdiag.errors import NetdiagError

        try:
            snapshot = await asyncio.to_thread(engine.load, self.source, self._warn_threadsafe)
        except NetdiagError as e:
            self.mark_stale(e.message)
            return
        except Exception as e:  # a reload must never take the app down
            self.mark_stale(f"reload failed: {e}")
            return
        self.set_snapshot(snapshot)

    @work(exclusive=True, thread=True, group="watch", exit_on_error=False, description="watch")
    def watch_live(self) -> None:
        """Follow the live cluster; on a lost connection keep the last snapshot and retry."""
        assert self.source is not None
        worker = get_current_worker()

        def warn(message: str) -> None:
            self.call_from_thread(self.notify, message, severity="warning", timeout=8)

        while not worker.is_cancelled and not self.stop_watch.is_set():
            try:
                for snapshot, changes in engine.watch(self.source, stop=self.stop_watch, warn=warn):
                    if worker.is_cancelled:
                        return
                    if snapshot != self.snapshot or self.stale:
                        self.call_from_thread(self.set_snapshot, snapshot)
                        if changes:
                            self.call_from_thread(
                                self.notify, f"live: {changes} object(s) changed", timeout=3
                            )
            except Exception as e:  # lost connection, RBAC, …: keep the last good snapshot
                message = getattr(e, "message", None) or str(e) or type(e).__name__
                self.call_from_thread(self.mark_stale, f"live watch lost: {message}")
            self.stop_watch.wait(RETRY_SECONDS)

    def on_unmount(self) -> None:
        release_long_lived()

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.stop_watch.set()  # ends the live watch thread (it blocks on the API server)
        super().exit(*args, **kwargs)

    # ------------------------------------------------------------------ actions

    def action_mode(self, mode: str) -> None:
        if mode != self.current_mode:
            self.mode_history.append(self.current_mode)
            self.switch_mode(mode)

    def action_go_back(self) -> None:
        screen = self.screen
        if isinstance(screen, ModeScreen) and screen.back():
            return
        if len(self.screen_stack) > 1 and not isinstance(screen, ModeScreen):
            self.pop_screen()
        elif self.mode_history:
            self.switch_mode(self.mode_history.pop())

    def action_command_prompt(self) -> None:
        if isinstance(self.screen, CommandPrompt):
            return
        names = tuple(ns.name for ns in self.snapshot.namespaces)
        self.push_screen(
            CommandPrompt(names, matrix_view.ports_in(self.snapshot)), self._prompt_done
        )

    def _prompt_done(self, command: str | None) -> None:
        if command:
            self.run_command(command)

    def run_command(self, command: str) -> None:
        """Run a ``:`` command (k9s spelling): screens, ``ns NAME``, ``port P``, ``q``.

        A unique prefix is enough (``:mat`` → ``:matrix``), as the prompt suggests.
        """
        words = command.strip().lstrip(":").split()
        if not words:
            return
        verb, candidates = expand_verb(words[0])
        args = words[1:]
        if verb is None:
            hint = (
                f" (did you mean {', '.join(':' + c for c in candidates)}?)" if candidates else ""
            )
            self.notify(f"unknown command :{command}{hint}", severity="warning")
        elif verb in MODES_ORDER:
            self.action_mode(verb)
        elif verb == "ns":
            self.set_namespace(args[0] if args and args[0] not in ("all", "-A") else None)
        elif verb == "port":
            self.set_port(args[0] if args else None)
        elif verb in ("q", "quit"):
            self.exit()
        elif verb == "help":
            self.action_help()
        elif verb == "save":
            self.action_save()
        elif verb == "reload":
            self.action_reload()

    def set_port(self, port: str | None) -> None:
        """``:port 443/TCP`` (any port, even one no pod declares); ``:port`` alone: any port."""
        self.action_mode("matrix")
        screen = next((s for s in self.mode_screens() if isinstance(s, MatrixScreen)), None)
        if screen is not None:
            screen.set_port(port)

    def action_help_quit(self) -> None:
        # Textual's ctrl+c only says which key quits; say all the ways, and why ctrl+c
        # does not (it copies the selection in an input).
        self.notify(
            "quit with :q or ctrl+q (ctrl+c copies the selection in an input)",
            title="netdiag is still running",
        )

    def set_namespace(self, namespace: str | None) -> None:
        if namespace is not None and self.snapshot.namespace(namespace) is None:
            self.notify(f"no namespace {namespace!r} in this snapshot", severity="warning")
            return
        self.namespace = namespace
        # Only the current mode's screens are in the stack; the others apply the
        # scope when they are shown again (ModeScreen.apply_scope on resume).
        for screen in self.mode_screens():
            screen.apply_scope()
            screen.update_status()

    def action_all_namespaces(self) -> None:
        self.set_namespace(None)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen | CommandPrompt):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_reload(self) -> None:
        self.run_worker(self.reload_now(), group="reload", exclusive=True)

    def action_save(self) -> None:
        """``ctrl+s``: save what this screen shows (the trace, the graph, the policies)."""
        if any(isinstance(s, ExportDialog) for s in self.screen_stack):
            return
        mode = self.current_mode
        name = ""
        if mode == "resolve":
            screen = self._mode_screen(ResolveScreen)
            question = screen.trace_request() if screen else None
            name = question.name if question else ""
        offered = exports.choices(mode, engine.export_formats())
        if mode == "resolve" and not name:
            offered = offered[-1:]  # no trace yet: only the screenshot
        stems = {c.format: exports.default_stem(mode, c, name) for c in offered}
        self.push_screen(
            ExportDialog(offered, stems, title=f"Save the {mode} screen"), self._save_done
        )

    def _mode_screen(self, kind: type[ModeT]) -> ModeT | None:
        return next((s for s in self.mode_screens() if isinstance(s, kind)), None)

    def _save_done(self, request: SaveRequest | None) -> None:
        if request is None:
            return
        if request.screenshot:
            path = Path(request.path)
            saved = self.save_screenshot(path.name, str(path.parent))
            self.notify(f"screenshot saved to {saved}")
            return
        mode = self.current_mode
        if request.format in exports.TRACE_FORMATS:
            screen = self._mode_screen(ResolveScreen)
            trace = screen.trace_request() if screen else None
            if trace is not None:
                self._export_trace(request, trace)
        elif request.format == exports.POLICIES_YAML:
            policies = self._mode_screen(PoliciesScreen)
            self._export_policies(request, policies.shown_policies() if policies else ())
        elif mode == "matrix":
            self._export(request)

    def _export_failed(self, e: Exception) -> None:
        message = getattr(e, "message", None) or getattr(e, "strerror", None) or str(e)
        self.call_from_thread(self.notify, f"save failed: {message}", severity="error")

    @work(thread=True, group="export", exit_on_error=False, description="export")
    def _export_trace(self, request: SaveRequest, trace: exports.TraceRequest) -> None:
        from netdiag.errors import NetdiagError

        try:
            done = exports.write_trace(self.session, trace, request.format, Path(request.path))
        except (NetdiagError, OSError) as e:
            self._export_failed(e)
            return
        self.call_from_thread(self.notify, done)

    @work(thread=True, group="export", exit_on_error=False, description="export")
    def _export_policies(self, request: SaveRequest, views: tuple[PolicyView, ...]) -> None:
        try:
            done = exports.write_policies(views, Path(request.path))
        except OSError as e:
            self._export_failed(e)
            return
        self.call_from_thread(self.notify, done)

    @work(thread=True, group="export", exit_on_error=False, description="export")
    def _export(self, request: SaveRequest) -> None:
        from netdiag.errors import NetdiagError

        matrix_screen = self._mode_screen(MatrixScreen)
        view = matrix_screen.request() if matrix_screen else matrix_view.MatrixRequest()
        try:
            path, notes = engine.export(
                self.snapshot, view, request.format, request.path, namespace=self.namespace
            )
        except (NetdiagError, OSError) as e:
            self._export_failed(e)
            return
        for note in notes:
            self.call_from_thread(self.notify, note, severity="information")
        self.call_from_thread(self.notify, f"saved the matrix as {request.format} to {path}")
