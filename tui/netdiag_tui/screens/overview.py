"""Overview: what was loaded, from where, and what looked wrong."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from netdiag_tui import engine
from netdiag_tui.screens.base import ModeScreen


def overview_text(
    snapshot: object, findings: tuple[engine.Finding, ...] | None, *, auditing: bool = False
) -> Text:
    from netdiag.cluster.model import ClusterSnapshot

    assert isinstance(snapshot, ClusterSnapshot)
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
        ("workloads", len(s.workloads)),
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
    text.append("\n")
    for title, lines, style in (
        ("Warnings", s.warnings, "yellow"),
        ("Incomplete", s.incomplete, "red"),
    ):
        if lines:
            text.append(f"\n{title} ({len(lines)})\n", style=f"bold {style}")
            for line in lines:
                text.append(f"  ! {line}\n", style=style)
    if auditing:
        text.append("\nAudit findings: running netdiag audit…\n", style="italic")
    if findings is not None:
        text.append(f"\nAudit findings ({len(findings)})\n", style="bold")
        for f in findings:
            text.append(f"  [{f.severity}] {f.code}: {f.message}\n")
    return text


class OverviewScreen(ModeScreen):
    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll():
            yield Static("", id="overview")

    def sync(self, *, changed: bool) -> None:
        snap = self.netdiag.snapshot
        self.query_one("#overview", Static).update(overview_text(snap, None, auditing=True))
        self._audit(snap)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group == "audit" and event.state is WorkerState.ERROR:
            self.query_one("#overview", Static).update(overview_text(self.netdiag.snapshot, None))

    @work(exclusive=True, thread=True, group="audit", exit_on_error=False)
    def _audit(self, snapshot: object) -> None:
        # netdiag audit takes seconds on big clusters: off the event loop; a failure
        # is reported by the screen's worker handler, the overview stays.
        findings = engine.audit(self.netdiag.session)
        if not get_current_worker().is_cancelled and snapshot is self.netdiag.snapshot:
            self.app.call_from_thread(
                self.query_one("#overview", Static).update, overview_text(snapshot, findings)
            )
