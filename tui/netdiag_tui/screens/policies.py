"""Policies: what each NetworkPolicy selects and allows; which policies apply to a pod."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from netdiag_tui import engine, matrix_view
from netdiag_tui.cni_policy import cni_counts, cni_label, cni_text
from netdiag_tui.describe import PolicyView
from netdiag_tui.filtering import matches
from netdiag_tui.longlived import keep_long_lived
from netdiag_tui.screens.base import ModeScreen
from netdiag_tui.widgets.row_list import RowList, Rows, prepare

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot


def policy_text(view: PolicyView) -> Text:
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


@dataclass(frozen=True, slots=True)
class Described:
    """One snapshot's policies, and how many of them select each pod (by pod key)."""

    snapshot: object
    views: tuple[PolicyView, ...]
    by_key: dict[str, PolicyView]
    counts: dict[str, int]
    pods: tuple[matrix_view.MatrixNode, ...]


def describe(snapshot: ClusterSnapshot) -> Described:
    """Every policy's selection and rules: O(policies x pods), so call it in a worker."""
    views = engine.policies(snapshot)
    counts: dict[str, int] = {}
    for v in views:
        for key in v.selected:
            counts[key] = counts.get(key, 0) + 1
    pods = tuple(
        matrix_view.MatrixNode(
            id=p.key, kind="pod", namespace=p.namespace, name=p.name, labels=tuple(p.labels.items())
        )
        for p in sorted(snapshot.pods, key=lambda p: p.key)
    )
    return Described(snapshot, views, {v.key: v for v in views}, counts, pods)


def filtered_rows(d: Described, namespace: str | None, text: str) -> tuple[Rows, Rows]:
    """The policy and pod rows a scope and filter leave (a worker's job at 2,000 pods)."""
    flt = text.lower()
    shown = [v for v in d.views if (namespace is None or v.namespace == namespace)]
    shown = [v for v in shown if flt in v.key.lower()]
    keys = [v.key for v in shown]
    cells: list[tuple[str, ...]] = [
        (
            v.key,
            "/".join(t[0] for t in v.policy_types),
            str(len(v.selected)),
            str(len(v.ingress)),
            str(len(v.egress)),
        )
        for v in shown
    ]
    more_keys, more_cells = layer_rows(d.snapshot, namespace, flt)  # type: ignore[arg-type]
    policies = prepare(POLICY_HEADER, keys + more_keys, cells + more_cells)
    pods = [n for n in d.pods if matches(n, flt, namespace)]
    pod_rows = prepare(
        POD_HEADER, [n.id for n in pods], [(n.id, str(d.counts.get(n.id, 0))) for n in pods]
    )
    return policies, pod_rows


def layer_rows(
    snapshot: ClusterSnapshot, namespace: str | None, flt: str
) -> tuple[list[str], list[tuple[str, ...]]]:
    """Rows of the other policy layers: tiered policies in evaluation order (tier,
    priority), the Calico/Cilium policies the CNI enforces, and a ⚠ row per kind
    that no verdict takes into account (a layer is never silently left out)."""
    keys: list[str] = []
    cells: list[tuple[str, ...]] = []
    for tp in snapshot.cluster_network_policies:
        if flt in tp.name.lower():
            keys.append(f"tier:{tp.kind}/{tp.name}")
            label = f"{tp.tier.value}/{tp.priority} {tp.kind} {tp.name}"
            cells.append((label, "tier", "-", str(len(tp.ingress)), str(len(tp.egress))))
    unevaluated = {(u.group, u.kind) for u in snapshot.unevaluated_layers}
    for fp in snapshot.foreign_policies:
        if fp.model is None or fp.group_kind in unevaluated or flt not in fp.key.lower():
            continue
        if namespace is not None and fp.namespace not in ("", namespace):
            continue
        n_in, n_eg = cni_counts(fp)
        keys.append(f"cni:{fp.group}/{fp.kind}/{fp.key}")
        cells.append((cni_label(fp), fp.group, "-", n_in, n_eg))
    for layer in snapshot.unevaluated_layers:
        keys.append(f"unevaluated:{layer.display}")
        cells.append((f"⚠ {layer.display} ×{layer.count}", "NOT evaluated", "-", "-", "-"))
    return keys, cells


POLICY_HEADER = ("policy", "types", "pods", "in", "eg")
POD_HEADER = ("pod", "policies")


class PoliciesScreen(ModeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="policies.filter"),
        Binding("tab", "switch_table", "Policies/Pods", id="policies.switch"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.described: Described | None = None
        self.filter_text = ""
        self.loading = True

    @property
    def views(self) -> tuple[PolicyView, ...]:
        return self.described.views if self.described else ()

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Horizontal():
            with Vertical(id="policy-lists"):
                yield Input(placeholder="filter policies and pods", id="filter")
                yield Label("Policies", classes="section", id="policies-title")
                yield RowList(POLICY_HEADER, id="policies")
                yield Label("Pods", classes="section", id="pods-title")
                yield RowList(POD_HEADER, id="pods")
            with VerticalScroll(id="policy-detail"):
                yield Static(Text("loading policies…", style="italic"), id="detail")
                yield Static("", id="yaml")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#policies", RowList).focus()

    def sync(self, *, changed: bool) -> None:
        self._describe(self.netdiag.snapshot)

    # Every @work here names its description: without one Textual builds it from
    # repr() of the arguments, on the event loop (a 10,000-pod snapshot: 1.5 s).
    @work(
        exclusive=True, thread=True, group="policies", exit_on_error=False, description="policies"
    )
    def _describe(self, snapshot: ClusterSnapshot) -> None:
        # Selecting pods for every policy is O(policies x pods): off the event loop.
        described = describe(snapshot)
        rows = filtered_rows(described, self.netdiag.namespace, self.filter_text)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._described, described, rows)

    def _described(self, described: Described, rows: tuple[Rows, Rows]) -> None:
        self.described = described
        keep_long_lived()
        self._show_rows(rows)

    def scope_changed(self) -> None:
        self.fill()

    def fill(self) -> None:
        """Re-filter in a worker; the lists swap in the result (never a per-row loop here)."""
        if self.described is not None:
            self._fill(self.described, self.netdiag.namespace, self.filter_text)

    @work(
        exclusive=True,
        thread=True,
        group="policies-fill",
        exit_on_error=False,
        description="policies-fill",
    )
    def _fill(self, described: Described, namespace: str | None, text: str) -> None:
        rows = filtered_rows(described, namespace, text)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_rows, rows)

    def _show_rows(self, rows: tuple[Rows, Rows]) -> None:
        self.loading = False
        policies, pods = self.query_one("#policies", RowList), self.query_one("#pods", RowList)
        # The cursor follows the policy (and pod) by key across reloads and filters.
        policies.set_rows(rows[0])
        pods.set_rows(rows[1])
        total = len(self.views)
        self.query_one("#policies-title", Label).update(
            Text(f"Policies[{policies.row_count}/{total}]")
        )
        self.query_one("#pods-title", Label).update(Text(f"Pods[{pods.row_count}]"))
        self._show_focused()

    def _show_focused(self) -> None:
        """The detail pane shows the highlighted row of the list that has focus."""
        pods = self.query_one("#pods", RowList)
        if pods.has_focus and pods.cursor_key is not None:
            self.show_pod(pods.cursor_key)
            return
        key = self.query_one("#policies", RowList).cursor_key
        view = self.described.by_key.get(key) if self.described and key else None
        if view is not None:
            self.show_policy(view)
        elif key is not None and key.startswith("tier:"):
            self.show_tiered(key[len("tier:") :])
        elif key is not None and key.startswith("cni:"):
            self.show_cni(key[len("cni:") :])
        else:
            self.query_one("#detail", Static).update(Text("no policy shown", style="dim"))
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

    def show_cni(self, key: str) -> None:
        """A Calico or Cilium policy's rules, as the CNI evaluates them."""
        for fp in self.netdiag.snapshot.foreign_policies:
            if f"{fp.group}/{fp.kind}/{fp.key}" == key:
                self.query_one("#detail", Static).update(cni_text(fp))
                self.query_one("#yaml", Static).update("")

    @on(RowList.Highlighted)
    def _highlighted(self, event: RowList.Highlighted) -> None:
        if event.rows.has_focus or (event.rows.id == "policies" and not self._pods_focused()):
            self._show_focused()

    def _pods_focused(self) -> bool:
        return self.query_one("#pods", RowList).has_focus

    def highlighted_policy(self) -> PolicyView | None:
        key = self.query_one("#policies", RowList).cursor_key
        return self.described.by_key.get(key) if self.described and key else None

    def shown_policies(self) -> tuple[PolicyView, ...]:
        """The policies the list shows (scope and filter applied), in order."""
        if self.described is None:
            return ()
        keys = self.query_one("#policies", RowList).data.keys
        return tuple(self.described.by_key[k] for k in keys if k in self.described.by_key)

    def show_policy(self, view: PolicyView) -> None:
        self.query_one("#detail", Static).update(policy_text(view))
        yaml = engine.policy_yaml(view)
        self.query_one("#yaml", Static).update(Syntax(yaml, "yaml", theme="ansi_dark"))

    def show_pod(self, key: str) -> None:
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
        self.query_one("#policies", RowList).focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_switch_table(self) -> None:
        policies = self.query_one("#policies", RowList)
        (self.query_one("#pods", RowList) if policies.has_focus else policies).focus()
        self._show_focused()

    def back(self) -> bool:
        box = self.query_one("#filter", Input)
        if box.has_class("-shown") or self.filter_text:
            box.value = ""
            box.remove_class("-shown")
            self.query_one("#policies", RowList).focus()
            return True
        return False
