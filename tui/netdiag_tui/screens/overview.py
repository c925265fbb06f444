"""Overview: what was loaded, from where, and what ``netdiag audit`` found.

The findings are a list (one row each, only the visible rows drawn: a big cluster has
hundreds) and the highlighted finding is shown in full below it, wrapped: message,
objects, evidence and fix, as ``netdiag audit`` prints them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from netdiag_tui import engine
from netdiag_tui.longlived import keep_long_lived
from netdiag_tui.screens.base import ModeScreen
from netdiag_tui.widgets.row_list import RowList, Rows, prepare

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot

FINDING_HEADER = ("severity", "check", "finding")
#: Objects and evidence lines shown per finding (a finding on a big cluster can name
#: thousands; `netdiag audit -o json` has them all).
SHOWN = 25


def workload_count(s: ClusterSnapshot) -> int:
    """Workloads as the matrix groups them: declared controllers, and the controllers
    pods name as their owner even when the manifests do not include them."""
    keys = {(w.namespace, w.kind, w.name) for w in s.workloads}
    keys |= {(p.namespace, p.owner.kind, p.owner.name) for p in s.pods if p.owner is not None}
    return len(keys)


def overview_text(snapshot: ClusterSnapshot) -> Text:
    s = snapshot
    text = Text()
    text.append("Source  ", style="bold")
    text.append((s.source or "unknown") + "\n")
    counts = (
        ("namespaces", len(s.namespaces)),
        ("pods", len(s.pods)),
        ("services", len(s.services)),
        ("endpoint slices", len(s.endpoint_slices)),
        ("network policies", len(s.network_policies)),
        ("nodes", len(s.nodes)),
        ("workloads", workload_count(s)),
    )
    text.append("Objects ", style="bold")
    text.append(", ".join(f"{n} {what}" for what, n in counts) + "\n")
    if s.skipped_kinds:
        text.append("Ignored ", style="bold")
        text.append(", ".join(f"{n} {kind}" for kind, n in s.skipped_kinds) + "\n")
    cni = ", ".join(s.cni.plugins) or "not recognised"
    enforce = {
        True: "enforces NetworkPolicy",
        False: "does NOT enforce NetworkPolicy",
        None: "NetworkPolicy enforcement unknown",
    }[s.cni.enforces_network_policy]
    text.append("CNI     ", style="bold")
    text.append(f"{cni} ({enforce})\n")
    text.append("DNS     ", style="bold")
    text.append(
        f"cluster domain {s.dns.cluster_domain}, cluster DNS "
        f"{', '.join(s.dns.dns_ips) or 'unknown'}, Corefile "
        f"{'from the coredns ConfigMap' if s.dns.corefile_present else 'assumed (kubeadm)'}"
    )
    if s.dns.nodelocal_ip:
        text.append(f", NodeLocal DNSCache {s.dns.nodelocal_ip}")
    for title, lines, style in (
        ("Warnings", s.warnings, "yellow"),
        ("Incomplete", s.incomplete, "red"),
    ):
        if lines:
            text.append(f"\n{title} ({len(lines)})", style=f"bold {style}")
            for line in lines:
                text.append(f"\n  ! {line}", style=style)
    return text


def finding_text(f: engine.Finding) -> Text:
    """One finding in full, as ``netdiag audit`` prints it (wrapped by the pane)."""
    text = Text()
    text.append(f"[{f.severity}] {f.code}\n", style="bold")
    text.append(f.message + "\n")
    if f.objects:
        text.append(f"objects ({len(f.objects)}): ", style="bold")
        text.append(", ".join(f.objects[:SHOWN]) + _more(len(f.objects)) + "\n")
    for line in f.evidence[:SHOWN]:
        text.append("evidence: ", style="bold")
        text.append(line + "\n")
    if len(f.evidence) > SHOWN:
        text.append(f"evidence: {_more(len(f.evidence)).strip()}\n", style="dim")
    if f.fix:
        text.append("fix: ", style="bold green")
        text.append(f.fix + "\n")
    return text


def _more(n: int) -> str:
    return f" … and {n - SHOWN} more (netdiag audit -o json lists them all)" if n > SHOWN else ""


def finding_rows(findings: tuple[engine.Finding, ...]) -> Rows:
    return prepare(
        FINDING_HEADER,
        [str(n) for n in range(len(findings))],
        [(f.severity, f.code, f.message) for f in findings],
    )


class OverviewScreen(ModeScreen):
    def __init__(self) -> None:
        super().__init__()
        self.findings: tuple[engine.Finding, ...] | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Static("", id="overview")
        yield Label(Text("Audit findings: running netdiag audit…", style="italic"), id="audit")
        yield RowList(FINDING_HEADER, id="findings")
        with VerticalScroll(id="finding-detail"):
            yield Static("", id="finding")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#findings", RowList).focus()

    def sync(self, *, changed: bool) -> None:
        snap = self.netdiag.snapshot
        self.query_one("#overview", Static).update(overview_text(snap))
        self.run_audit()

    def scope_changed(self) -> None:
        self.run_audit()  # `:ns shop` shows `netdiag audit -n shop`'s findings

    def run_audit(self) -> None:
        self.query_one("#audit", Label).update(
            Text("Audit findings: running netdiag audit…", style="italic")
        )
        self._audit(self.netdiag.snapshot, self.netdiag.namespace)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group == "audit" and event.state is WorkerState.ERROR:
            self.query_one("#audit", Label).update(Text("Audit findings: audit failed", "red"))

    @work(exclusive=True, thread=True, group="audit", exit_on_error=False, description="audit")
    def _audit(self, snapshot: ClusterSnapshot, namespace: str | None) -> None:
        # netdiag audit takes seconds on big clusters: off the event loop, and so is
        # laying out its rows; a failure is reported by the worker handler.
        findings = engine.audit(self.netdiag.session, namespace)
        rows = finding_rows(findings)
        if not get_current_worker().is_cancelled and snapshot is self.netdiag.snapshot:
            self.app.call_from_thread(self._audited, findings, rows, namespace)

    def _audited(
        self, findings: tuple[engine.Finding, ...], rows: Rows, namespace: str | None
    ) -> None:
        self.findings = findings
        keep_long_lived()
        scope = f" in {namespace}" if namespace else ""
        self.query_one("#audit", Label).update(
            Text(f"Audit findings{scope} ({len(findings)})", style="bold")
        )
        self.query_one("#findings", RowList).set_rows(rows)
        self._show(self.query_one("#findings", RowList).cursor_key)

    @on(RowList.Highlighted, "#findings")
    def _highlighted(self, event: RowList.Highlighted) -> None:
        self._show(event.key)

    def _show(self, key: str | None) -> None:
        findings = self.findings or ()
        detail = self.query_one("#finding", Static)
        if key is None or not key.isdigit() or int(key) >= len(findings):
            detail.update(Text("no findings" if self.findings is not None else "", style="dim"))
            return
        detail.update(finding_text(findings[int(key)]))
