"""Resolve: the DNS trace of a name, updated as you type."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Select
from textual.worker import get_current_worker

from netdiag.dns.resolver.search import FAMILIES, RESOLVERS
from netdiag_tui import exports, trace_view
from netdiag_tui.screens.base import ModeScreen
from netdiag_tui.widgets.name_input import NameInput
from netdiag_tui.widgets.trace_panel import TracePanel

NO_POD = "(namespace only)"


class ResolveScreen(ModeScreen):
    last_trace: trace_view.TraceView | None = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_name", "Name", id="resolve.focus_name"),
        Binding("ctrl+t", "cycle_resolver", "Resolver", id="resolve.cycle_resolver"),
        Binding("ctrl+f", "cycle_family", "Family", id="resolve.cycle_family"),
        Binding("ctrl+u", "clear_name", "Clear", id="resolve.clear", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield NameInput(placeholder="type a name to resolve, e.g. tke-six-six-six", id="name")
        with Horizontal(id="resolve-options"):
            namespaces = sorted(ns.name for ns in self.netdiag.snapshot.namespaces) or ["default"]
            yield Select[str](
                [(f"ns {n}", n) for n in namespaces], allow_blank=False, id="namespace"
            )
            yield Select[str]([(NO_POD, NO_POD)], value=NO_POD, allow_blank=False, id="pod")
            yield Select[str](
                [(f"resolver {r}", r) for r in RESOLVERS],
                value="glibc",
                allow_blank=False,
                id="resolver",
            )
            yield Select[str](
                [(f"family {f}", f) for f in FAMILIES],
                value="unspec",
                allow_blank=False,
                id="family",
            )
        yield TracePanel(id="trace")

    def on_mount(self) -> None:
        super().on_mount()
        # k9s habit: the first key is a command (':', '?', '0', F3…), not typing. Any
        # other printable key starts typing the name (on_key), so typing still works.
        self.query_one("#trace-queries").focus()

    def on_key(self, event: events.Key) -> None:
        name = self.query_one("#name", Input)
        if name.has_focus or not event.is_printable or event.character is None:
            return
        if event.key in self.active_bindings or isinstance(self.focused, Input):
            return
        name.focus()
        name.insert_text_at_cursor(event.character)
        event.stop()
        event.prevent_default()

    def sync(self, *, changed: bool) -> None:
        snap = self.netdiag.snapshot
        names = sorted(ns.name for ns in snap.namespaces) or ["default"]
        select = self.query_one("#namespace", Select)
        current = select.value if isinstance(select.value, str) else None
        wanted = current if current in names else self.netdiag.namespace
        if wanted not in names:
            wanted = "default" if "default" in names else names[0]
        with self.prevent(Select.Changed):
            select.set_options([(f"ns {n}", n) for n in names])
            select.value = wanted
        self._fill_pods(wanted)
        self.run_trace()

    def scope_changed(self) -> None:
        ns = self.netdiag.namespace
        if ns is not None:
            select = self.query_one("#namespace", Select)
            with self.prevent(Select.Changed):
                select.value = ns
            self._fill_pods(ns)
            self.run_trace()

    def _fill_pods(self, namespace: str) -> None:
        pods = sorted(p.name for p in self.netdiag.snapshot.pods if p.namespace == namespace)
        select = self.query_one("#pod", Select)
        current = select.value
        with self.prevent(Select.Changed):
            select.set_options([(NO_POD, NO_POD)] + [(f"pod {p}", p) for p in pods])
            select.value = current if current in pods else NO_POD

    @on(Input.Changed, "#name")
    def _name_changed(self) -> None:
        self.run_trace()

    @on(Select.Changed)
    def _option_changed(self, event: Select.Changed) -> None:
        if event.select.id == "namespace" and isinstance(event.value, str):
            self._fill_pods(event.value)
        self.run_trace()

    def request(self) -> dict[str, str | None]:
        def value(id: str) -> str | None:
            v = self.query_one(f"#{id}", Select).value
            return v if isinstance(v, str) else None

        pod = value("pod")
        return {
            "namespace": value("namespace") or "default",
            "pod": None if pod in (None, NO_POD) else pod,
            "resolver": value("resolver") or "glibc",
            "family": value("family") or "unspec",
        }

    def trace_request(self) -> exports.TraceRequest | None:
        """The question the screen shows the answer to (None before a name is typed)."""
        name = self.query_one("#name", Input).value.strip()
        if not name:
            return None
        r = self.request()
        return exports.TraceRequest(
            name=name,
            namespace=r["namespace"] or "default",
            pod=r["pod"],
            resolver=r["resolver"] or "glibc",
            family=r["family"] or "unspec",
        )

    def run_trace(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if name:
            self._trace(name, **self.request())
        else:
            # An emptied box (ctrl+u, backspace) shows no trace rather than the last one.
            self.workers.cancel_group(self, "trace")
            self.query_one(TracePanel).clear()
            self.last_trace = None

    def action_clear_name(self) -> None:
        name = self.query_one("#name", Input)
        name.value = ""
        name.focus()

    @work(exclusive=True, thread=True, group="trace", exit_on_error=False, description="trace")
    def _trace(
        self,
        name: str,
        *,
        namespace: str | None,
        pod: str | None,
        resolver: str | None,
        family: str | None,
    ) -> None:
        # Exclusive: a new keystroke cancels the previous run; a cancelled run's
        # result is dropped rather than painted over a newer one.
        result = trace_view.trace(
            self.netdiag.session,
            name,
            namespace=namespace or "default",
            pod=pod,
            resolver=resolver or "glibc",
            family=family or "unspec",
        )
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, result)

    def _show(self, result: trace_view.TraceView) -> None:
        if result.name == self.query_one("#name", Input).value.strip():
            self.query_one(TracePanel).show(result)
            self.last_trace = result

    def action_focus_name(self) -> None:
        self.query_one("#name", Input).focus()

    def _cycle(self, id: str, values: tuple[str, ...]) -> None:
        select = self.query_one(f"#{id}", Select)
        current = select.value if isinstance(select.value, str) else values[0]
        select.value = values[(values.index(current) + 1) % len(values)]

    def action_cycle_resolver(self) -> None:
        self._cycle("resolver", RESOLVERS)

    def action_cycle_family(self) -> None:
        self._cycle("family", FAMILIES)

    def back(self) -> bool:
        # k9s: esc leaves typing mode; the trace stays, and ':' '?' work again.
        name = self.query_one("#name", Input)
        if name.has_focus:
            self.query_one("#trace-queries").focus()
            return True
        return False
