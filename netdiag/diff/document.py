"""JSON ``netdiag/diff/v1``: a :class:`SnapshotDiff` as a stable, sorted document.

The schema ships as ``netdiag/export/schemas/diff-v1.schema.json``. Every list is
sorted and nothing depends on time or memory addresses, so equal diffs give
byte-identical JSON (``json.dumps(..., sort_keys=True)``).
"""

from __future__ import annotations

from typing import Any

from netdiag.audit.findings import Finding
from netdiag.diff.dnsdiff import DnsChange, Outcome
from netdiag.diff.reach import CellState, ReachChange
from netdiag.diff.report import SnapshotDiff
from netdiag.policy.matrixdiff import PortKey

SCHEMA = "netdiag/diff/v1"


def port_json(p: PortKey) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": p[0]}
    if p[1] is not None:
        out["port"] = p[1]
    if p[2] is not None:
        out["end_port"] = p[2]
    return out


def _state(s: CellState) -> dict[str, Any]:
    return {
        "allowed": bool(s.ports),
        "ports": [port_json(p) for p in s.ports],
        "implementation_defined": s.implementation_defined,
        "why": s.why,
    }


def reach_json(c: ReachChange) -> dict[str, Any]:
    return {
        "change": c.kind,
        "cells": c.cells,
        "before": _state(c.before),
        "after": _state(c.after),
        "ports_added": [port_json(p) for p in c.ports_added],
        "ports_removed": [port_json(p) for p in c.ports_removed],
        "sources": list(c.sources),
        "destinations": list(c.destinations),
        "blocks": [{"from": list(s), "to": list(d)} for s, d in c.blocks],
        "example": {"from": c.example[0], "to": c.example[1]},
    }


def _outcome(o: Outcome) -> dict[str, Any]:
    return {
        "resolved": o.resolved,
        "winner": o.winner,
        "target": o.target,
        "addresses": list(o.addresses),
        "queries": o.queries,
    }


def dns_json(c: DnsChange) -> dict[str, Any]:
    return {
        "change": c.kind,
        "name": c.name,
        "namespaces": list(c.namespaces),
        "pods": list(c.pods),
        "before": _outcome(c.before),
        "after": _outcome(c.after),
    }


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "id": f.check.id,
        "severity": f.effective_severity.value,
        "title": f.check.title,
        "message": f.message,
        "objects": list(f.objects),
    }


def summary(d: SnapshotDiff) -> dict[str, int]:
    return {
        "opened": d.cells("opened"),
        "closed": d.cells("closed"),
        "ports": d.cells("ports"),
        "implementation_defined": d.cells("implementation-defined"),
        "defined": d.cells("defined"),
        "dns": len(d.dns.changes) if d.dns else 0,
        "audit_added": len(d.audit_added),
        "audit_removed": len(d.audit_removed),
    }


def diff_document(d: SnapshotDiff, *, fail_on: str = "any") -> dict[str, Any]:
    """The whole diff; ``changed`` follows ``--fail-on`` as the exit status does."""
    return {
        "schema": SCHEMA,
        "before": d.before,
        "after": d.after,
        "granularity": d.granularity,
        "compared": list(d.parts),
        "changed": d.changed,
        "fail_on": fail_on,
        "failed": d.fails(fail_on),
        "summary": summary(d),
        "reachability": [reach_json(c) for c in d.reach],
        "dns": [dns_json(c) for c in d.dns.changes] if d.dns else [],
        "audit": {
            "added": [finding_json(f) for f in d.audit_added],
            "removed": [finding_json(f) for f in d.audit_removed],
        },
        "notes": list(d.notes),
    }
