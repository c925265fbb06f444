"""One diff of two snapshots: reachability, DNS and audit changes, and what counts as changed.

:func:`diff_snapshots` is the pure entry point (the ``diff`` command and the TUI
call it). Reachability is diffed class by class
(:func:`netdiag.policy.matrixdiff.changed_blocks`); when nothing the matrix reads
differs (:func:`netdiag.policy.matrixdiff.matrix_inputs`), no matrix is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from netdiag.audit.findings import Finding
from netdiag.cluster.model import ClusterSnapshot
from netdiag.diff.dnsdiff import DnsDiff, diff_dns
from netdiag.diff.reach import ReachChange, diff_reachability
from netdiag.dns.resolver.driver import Zone
from netdiag.policy.ports import PortSet

#: What ``--fail-on`` can narrow "changed" to.
FAIL_ON = ("any", "opened", "closed")


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotDiff:
    before: str
    after: str
    granularity: str
    reach: tuple[ReachChange, ...] = ()
    dns: DnsDiff | None = None
    audit_added: tuple[Finding, ...] = ()
    audit_removed: tuple[Finding, ...] = ()
    #: What the diff compared (``reachability``, ``dns``, ``audit``).
    parts: tuple[str, ...] = ()
    #: ``ns/name`` of each NetworkPolicy of either side -> where it was read (the new
    #: side's when both have it), for locations in SARIF.
    policy_origins: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def cells(self, kind: str) -> int:
        return sum(c.cells for c in self.reach if c.kind == kind)

    @property
    def changed(self) -> bool:
        return bool(
            self.reach or (self.dns and self.dns.changes) or self.audit_added or self.audit_removed
        )

    def fails(self, fail_on: str = "any") -> bool:
        """``any``: something changed; ``opened``: a cell gained ports (opened, or a port
        added); ``closed``: a cell lost ports (closed, or a port removed)."""
        if fail_on == "any":
            return self.changed
        if fail_on == "opened":
            return any(c.kind == "opened" or c.ports_added for c in self.reach)
        if fail_on == "closed":
            return any(c.kind == "closed" or c.ports_removed for c in self.reach)
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}")


def _finding_key(f: Finding) -> tuple[str, tuple[str, ...], str]:
    return (f.check.id, f.objects, f.message)


def diff_findings(
    before: Sequence[Finding], after: Sequence[Finding]
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """(added, removed) audit findings, compared by check, objects and message."""
    old = {_finding_key(f) for f in before}
    new = {_finding_key(f) for f in after}
    added = tuple(f for f in after if _finding_key(f) not in old)
    removed = tuple(f for f in before if _finding_key(f) not in new)
    return added, removed


def diff_snapshots(
    old: ClusterSnapshot,
    new: ClusterSnapshot,
    *,
    granularity: str = "pod",
    namespaces: Sequence[str] = (),
    ports: PortSet | None = None,
    parts: Sequence[str] = ("reachability", "dns", "audit"),
    zones: tuple[Zone, Zone] | None = None,
    before: str = "",
    after: str = "",
) -> SnapshotDiff:
    """Everything that differs between ``old`` and ``new`` (pure; the TUI shows it as is)."""
    from netdiag.policy.matrixdiff import matrix_inputs

    reach: tuple[ReachChange, ...] = ()
    if "reachability" in parts and matrix_inputs(old) != matrix_inputs(new):
        from netdiag.policy.matrixpair import matrix_pair

        pair = matrix_pair(old, new, granularity=granularity, namespaces=namespaces, ports=ports)
        reach = diff_reachability(*pair)
    dns = diff_dns(old, new, zones=zones, namespaces=namespaces) if "dns" in parts else None
    added: tuple[Finding, ...] = ()
    removed: tuple[Finding, ...] = ()
    if "audit" in parts:
        from netdiag.audit.run import run_audit

        added, removed = diff_findings(
            run_audit(old, namespaces=namespaces), run_audit(new, namespaces=namespaces)
        )
    return SnapshotDiff(
        before=before or old.source,
        after=after or new.source,
        granularity=granularity,
        reach=reach,
        dns=dns,
        audit_added=added,
        audit_removed=removed,
        parts=tuple(p for p in ("reachability", "dns", "audit") if p in parts),
        policy_origins=tuple(
            sorted(
                {
                    **{p.key: p.origin for p in old.network_policies if p.origin},
                    **{p.key: p.origin for p in new.network_policies if p.origin},
                }.items()
            )
        ),
        notes=dns.notes if dns else (),
    )
