"""Audit presenters: text for people, JSON for scripts (SARIF lives in sarif.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from netdiag.audit.findings import Finding, Severity

SCHEMA = "netdiag/audit/v1"
_GLYPH = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}
_COLOUR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def summary(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.effective_severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in reversed(Severity)}


def to_json(findings: Sequence[Finding]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "summary": summary(findings),
        "findings": [
            {
                "id": f.check.id,
                "severity": f.effective_severity.value,
                "title": f.check.title,
                "message": f.message,
                "objects": list(f.objects),
                "evidence": list(f.evidence),
                "fix": f.fix,
                "fix_yaml": f.fix_yaml,
            }
            for f in findings
        ],
    }


def to_text(findings: Sequence[Finding], *, colour: bool) -> str:
    lines: list[str] = []
    for f in findings:
        sev = f.effective_severity
        head = f"{_GLYPH[sev]} {sev.value.upper():7} {f.check.id}  {f.message}"
        if colour:
            head = f"\x1b[{_COLOUR[sev]}m{head}\x1b[0m"
        lines.append(head)
        lines.extend(f"      evidence: {e}" for e in f.evidence)
        if f.fix:
            lines.append(f"      fix: {f.fix}")
        lines.extend(f"        {y}" for y in f.fix_yaml.rstrip("\n").splitlines())
        lines.append("")
    counts = summary(findings)
    lines.append(
        f"{len(findings)} finding(s): " + ", ".join(f"{n} {sev}" for sev, n in counts.items())
    )
    return "\n".join(lines)
