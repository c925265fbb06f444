"""SARIF 2.1.0 of a diff, for code-scanning UIs on a pull request.

One result per reachability change and per DNS change (rules ``netdiag.diff.*``),
and the audit findings the change adds (``baselineState: new``) or removes
(``absent``), under the audit's own rules — SARIF's way of saying what a run
adds to or removes from a baseline (SARIF 2.1.0 §3.27.24).
"""

from __future__ import annotations

from typing import Any

from netdiag.audit.findings import Check, Severity
from netdiag.audit.sarif import _location as sarif_location
from netdiag.audit.sarif import to_sarif
from netdiag.diff.render import dns_line, names, ports_text, state_text
from netdiag.diff.report import SnapshotDiff

REACH_CHECKS = {
    "opened": Check(
        id="netdiag.diff.opened",
        severity=Severity.WARNING,
        title="Connections opened",
        help="The change allows connections between pods (or CIDRs) that were denied.",
    ),
    "closed": Check(
        id="netdiag.diff.closed",
        severity=Severity.WARNING,
        title="Connections closed",
        help="The change denies connections that were allowed.",
    ),
    "ports": Check(
        id="netdiag.diff.ports",
        severity=Severity.INFO,
        title="Allowed ports changed",
        help="Connections stay allowed, on different ports.",
    ),
    "implementation-defined": Check(
        id="netdiag.diff.implementation-defined",
        severity=Severity.WARNING,
        title="Connections become implementation-defined",
        help="Whether these connections are allowed now depends on the CNI "
        "(hostNetwork pods, ipBlocks naming ClusterIPs).",
    ),
    "defined": Check(
        id="netdiag.diff.defined",
        severity=Severity.INFO,
        title="Connections no longer implementation-defined",
        help="The outcome of these connections no longer depends on the CNI.",
    ),
}
DNS_CHECK = Check(
    id="netdiag.diff.dns",
    severity=Severity.WARNING,
    title="Name resolution changes",
    help="A name resolves differently from some namespace: a Service shadows it, "
    "the winning search candidate moves, it stops resolving, or it costs more queries.",
)


def _locations(why: str, origins: dict[str, str]) -> dict[str, Any]:
    """The manifests of the policies the explanations name (code-scanning UIs place a
    result on a file; a policy read from a live cluster has no file and is left out)."""
    found = []
    for word in why.replace(",", " ").split():
        origin = origins.get(word)
        if origin and origin not in found and "(document " in origin:
            found.append(origin)
    if not found:
        return {}
    return {"locations": [sarif_location(o) for o in found]}


def diff_sarif(d: SnapshotDiff) -> dict[str, Any]:
    """The audit's SARIF log (same driver, same rules) with the diff's results added."""
    audit_checks = list({f.check.id: f.check for f in (*d.audit_added, *d.audit_removed)}.values())
    checks = [*REACH_CHECKS.values(), DNS_CHECK, *audit_checks]
    log = to_sarif([*d.audit_added, *d.audit_removed], checks)
    run = log["runs"][0]
    results = run["results"]
    n_added = len(d.audit_added)
    for i, result in enumerate(results):
        result["baselineState"] = "new" if i < n_added else "absent"
    index = {c.id: i for i, c in enumerate(checks)}
    level = {Severity.INFO: "note", Severity.WARNING: "warning", Severity.ERROR: "error"}
    extra: list[dict[str, Any]] = []
    origins = dict(d.policy_origins)
    for c in d.reach:
        check = REACH_CHECKS[c.kind]
        text = (
            f"{c.kind}: {ports_text(c.after.ports if c.after.allowed else c.before.ports)} "
            f"from {names(c.sources)} to {names(c.destinations)} ({c.cells} cells). "
            f"Before: {state_text(c.before)}. After: {state_text(c.after)}."
        )
        extra.append(
            {
                "ruleId": check.id,
                "ruleIndex": index[check.id],
                "level": level[check.severity],
                "message": {"text": text},
                "properties": {
                    "example": {"from": c.example[0], "to": c.example[1]},
                    "cells": c.cells,
                },
                **_locations(c.before.why + " " + c.after.why, origins),
            }
        )
    for dc in d.dns.changes if d.dns else ():
        extra.append(
            {
                "ruleId": DNS_CHECK.id,
                "ruleIndex": index[DNS_CHECK.id],
                "level": level[DNS_CHECK.severity],
                "message": {"text": dns_line(dc)},
                "properties": {
                    "name": dc.name,
                    "namespaces": list(dc.namespaces),
                    "change": dc.kind,
                },
            }
        )
    run["results"] = extra + results
    return log
