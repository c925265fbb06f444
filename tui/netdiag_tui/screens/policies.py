"""Policies: what each NetworkPolicy selects and allows; which policies apply to a pod."""

from __future__ import annotations

from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import get_current_worker

from netdiag_tui import engine
from netdiag_tui.cni_policy import cni_counts, cni_label, cni_text
from netdiag_tui.filtering import matches
from netdiag_tui.screens.base import ModeScreen


def policy_text(view: engine.PolicyView) -> Text:
    text = Text()
    text.append(f"NetworkPolicy {view.key}\n", style="bold")
    text.append("policyTypes: " + ", ".join(view.policy_types) + "\n")
    text.append(f"selects {len(view.selected)} pod(s): ", style="bold")
    text.append((", ".join(view.selected) or "none") + "\n")
    for title, rules in (("ingress", view.ingress), ("egress", view.egress)):
        if title.capitalize() not in view.policy_types:
            continue
        text.append(f"{title}: ", style="bold")
        text.append("deny all\n" if not rules else "\n")
        for rule in rules:
            text.append(f"  allow {rule}\n")
    return text


class PoliciesScreen(ModeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="policies.filter"),
        Binding("tab", "switch_table", "Policies/Pods", id="policies.switch"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: tuple[engine.PolicyView, ...] = ()
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Input(placeholder="filter policies and pods", id="filter")
        with Horizontal():
            with Vertical(id="policy-lists"):
                yield Label("Policies", classes="section")
                yield DataTable(id="policies", cursor_type="row")
                yield Label("Pods", classes="section")
                yield DataTable(id="pods", cursor_type="row")
            with VerticalScroll(id="policy-detail"):
                yield Static("", id="detail")
                yield Static("", id="yaml")

    def on_mount(self) -> None:
        self.query_one("#policies", DataTable).add_columns("policy", "types", "pods", "in", "eg")
        self.query_one("#pods", DataTable).add_columns("pod", "policies")
        super().on_mount()
        self.query_one("#policies", DataTable).focus()

    def sync(self, *, changed: bool) -> None:
        self._describe(self.netdiag.snapshot)

    @work(exclusive=True, thread=True, group="policies", exit_on_error=False)
    def _describe(self, snapshot: object) -> None:
        # Selecting pods for every policy is O(policies x pods): off the event loop.
        views = engine.policies(snapshot)  # type: ignore[arg-type]
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._described, views)

    def _described(self, views: tuple[engine.PolicyView, ...]) -> None:
        self.views = views
        self.fill()

    def scope_changed(self) -> None:
        self.fill()

    def fill(self) -> None:
        ns, flt = self.netdiag.namespace, self.filter_text.lower()
        table = self.query_one("#policies", DataTable)
        keep = table.cursor_row
        table.clear()
        for v in self.views:
            if (ns is None or v.namespace == ns) and flt in v.key.lower():
                types = "/".join(t[0] for t in v.policy_types)
                table.add_row(
                    v.key,
                    types,
                    str(len(v.selected)),
                    str(len(v.ingress)),
                    str(len(v.egress)),
                    key=v.key,
                )
        snapshot = self.netdiag.snapshot
        # Tiered policies after the namespaced ones, in evaluation order (tier, priority).
        for tp in getattr(snapshot, "cluster_network_policies", ()):
            if flt in tp.name.lower():
                label = f"{tp.tier.value}/{tp.priority} {tp.kind} {tp.name}"
                n_in, n_eg = str(len(tp.ingress)), str(len(tp.egress))
                table.add_row(label, "tier", "-", n_in, n_eg, key=f"tier:{tp.kind}/{tp.name}")
        # Calico and Cilium policies the CNI enforces (the others are listed as not evaluated).
        unevaluated = {(u.group, u.kind) for u in getattr(snapshot, "unevaluated_layers", ())}
        for fp in getattr(snapshot, "foreign_policies", ()):
            if fp.model is None or fp.group_kind in unevaluated or flt not in fp.key.lower():
                continue
            if ns is not None and fp.namespace not in ("", ns):
                continue
            n_in, n_eg = cni_counts(fp)
            key = f"cni:{fp.group}/{fp.kind}/{fp.key}"
            table.add_row(cni_label(fp), fp.group, "-", n_in, n_eg, key=key)
        for layer in getattr(snapshot, "unevaluated_layers", ()):
            table.add_row(f"⚠ {layer.display} ×{layer.count}", "NOT evaluated", "-", "-", "-")
        table.move_cursor(row=min(keep, max(table.row_count - 1, 0)))
        pods = self.query_one("#pods", DataTable)
        keep = pods.cursor_row
        pods.clear()
        for pod in sorted(self.netdiag.snapshot.pods, key=lambda p: p.key):
            node = engine.MatrixNode(
                id=pod.key,
                kind="pod",
                namespace=pod.namespace,
                name=pod.name,
                labels=tuple(pod.labels.items()),
            )
            if matches(node, flt, ns):
                n = len(engine.policies_for_pod(self.views, pod.key))
                pods.add_row(pod.key, str(n), key=pod.key)
        pods.move_cursor(row=min(keep, max(pods.row_count - 1, 0)))

    @on(DataTable.RowHighlighted, "#policies")
    def _policy_highlighted(self, event: DataTable.RowHighlighted) -> None:
        view = next((v for v in self.views if v.key == event.row_key.value), None)
        if view is not None:
            self.show_policy(view)
        elif str(event.row_key.value).startswith("tier:"):
            self.show_tiered(str(event.row_key.value)[len("tier:") :])
        elif str(event.row_key.value).startswith("cni:"):
            key = str(event.row_key.value)[len("cni:") :]
            for fp in self.netdiag.snapshot.foreign_policies:
                if f"{fp.group}/{fp.kind}/{fp.key}" == key:
                    self.query_one("#detail", Static).update(cni_text(fp))
                    self.query_one("#yaml", Static).update("")

    def show_tiered(self, key: str) -> None:
        """A tiered policy's rules in evaluation order (first match decides)."""
        for tp in self.netdiag.snapshot.cluster_network_policies:
            if f"{tp.kind}/{tp.name}" == key:
                text = Text()
                text.append(f"{tp.kind} {tp.name}\n", style="bold")
                text.append(f"tier {tp.tier.value}, priority {tp.priority} (lower first)\n")
                for title, rules in (("ingress", tp.ingress), ("egress", tp.egress)):
                    for i, rule in enumerate(rules):
                        name = rule.name or f"{title}[{i}]"
                        text.append(f"  {title} {name}: {rule.action.value}\n")
                self.query_one("#detail", Static).update(text)
                self.query_one("#yaml", Static).update("")

    def show_policy(self, view: engine.PolicyView) -> None:
        self.query_one("#detail", Static).update(policy_text(view))
        yaml = engine.policy_yaml(view)
        self.query_one("#yaml", Static).update(Syntax(yaml, "yaml", theme="ansi_dark"))

    @on(DataTable.RowHighlighted, "#pods")
    def _pod_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = str(event.row_key.value)
        applying = engine.policies_for_pod(self.views, key)
        text = Text()
        text.append(f"Pod {key}\n", style="bold")
        if not applying:
            text.append("no NetworkPolicy selects this pod: all traffic allowed both ways\n")
        for view in applying:
            text.append(f"  {view.key}", style="bold")
            text.append(f"  ({', '.join(view.policy_types)})\n")
        for direction in ("Ingress", "Egress"):
            isolated = any(direction in v.policy_types for v in applying)
            text.append(f"{direction}: " + ("isolated\n" if isolated else "not isolated\n"))
        self.query_one("#detail", Static).update(text)
        self.query_one("#yaml", Static).update("")

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.fill()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#filter", Input).remove_class("-shown")
        self.query_one("#policies", DataTable).focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_switch_table(self) -> None:
        policies = self.query_one("#policies", DataTable)
        (self.query_one("#pods", DataTable) if policies.has_focus else policies).focus()

    def back(self) -> bool:
        box = self.query_one("#filter", Input)
        if box.has_class("-shown") or self.filter_text:
            box.value = ""
            box.remove_class("-shown")
            self.query_one("#policies", DataTable).focus()
            return True
        return False
