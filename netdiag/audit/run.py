"""Run every check over a snapshot and order the findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from netdiag.audit import cni, coredns, deadparts, dnscfg, isolation, naming, resilience
from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.model import ClusterSnapshot
from netdiag.dns.resolver.driver import Zone

Runner = Callable[[AuditContext], Iterator[Finding]]

#: (checks, runner) per module, in report order.
MODULES: tuple[tuple[tuple[Check, ...], Runner], ...] = (
    (cni.CHECKS, cni.run),
    (isolation.CHECKS, isolation.run),
    (deadparts.CHECKS, deadparts.run),
    (naming.CHECKS, naming.run),
    (dnscfg.CHECKS, dnscfg.run),
    (coredns.CHECKS, coredns.run),
    (resilience.CHECKS, resilience.run),
)


def all_checks() -> tuple[Check, ...]:
    return tuple(check for checks, _ in MODULES for check in checks)


def run_audit(
    snapshot: ClusterSnapshot, *, namespaces: Iterable[str] = (), zone: Zone | None = None
) -> tuple[Finding, ...]:
    """All findings for the namespaces in scope (all when empty), most severe first.

    ``zone`` is the cluster zone names are traced against; without one, the
    snapshot's zone with no upstream (names outside the cluster do not exist).
    """
    if zone is None:
        from netdiag.dns.zone.cluster import ClusterZone

        zone = ClusterZone(snapshot)
    ctx = AuditContext(snapshot=snapshot, namespaces=frozenset(namespaces), zone=zone)
    findings = [f for _, runner in MODULES for f in runner(ctx)]
    return tuple(sorted(findings, key=lambda f: f.sort_key))


def at_or_above(findings: Iterable[Finding], threshold: Severity) -> list[Finding]:
    return [f for f in findings if f.effective_severity.rank >= threshold.rank]
