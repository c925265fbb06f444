"""SARIF 2.1.0 output so code-scanning UIs show findings on the manifests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netdiag import __version__
from netdiag.audit.findings import Check, Finding, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.INFO: "note", Severity.WARNING: "warning", Severity.ERROR: "error"}


def to_sarif(findings: Sequence[Finding], checks: Sequence[Check]) -> dict[str, Any]:
    """A SARIF log with one run, one rule per check and one result per finding."""
    rule_index = {check.id: i for i, check in enumerate(checks)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "netdiag",
                        "version": __version__,
                        "informationUri": "https://github.com/netdiag/netdiag",
                        "rules": [_rule(c) for c in checks],
                    }
                },
                "results": [_result(f, rule_index) for f in findings],
            }
        ],
    }


def _rule(check: Check) -> dict[str, Any]:
    return {
        "id": check.id,
        "name": "".join(w.capitalize() for w in check.title.split()[:6] if w.isalnum()),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.help},
        "defaultConfiguration": {"level": _LEVEL[check.severity]},
    }


def _result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    text = finding.message
    if finding.fix:
        text += f" Fix: {finding.fix}"
    result: dict[str, Any] = {
        "ruleId": finding.check.id,
        "ruleIndex": rule_index[finding.check.id],
        "level": _LEVEL[finding.effective_severity],
        "message": {"text": text},
        "properties": {"objects": list(finding.objects), "evidence": list(finding.evidence)},
    }
    locations = [_location(o) for o in finding.origins if o]
    if locations:
        result["locations"] = locations
    return result


def _location(origin: str) -> dict[str, Any]:
    """``path#doc`` or ``path:line`` -> a physical location (line 1 when unknown)."""
    path, line = origin, 1
    if "#" in origin:
        path = origin.split("#", 1)[0]
    elif origin.rsplit(":", 1)[-1].isdigit():
        path, _, num = origin.rpartition(":")
        line = int(num)
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path},
            "region": {"startLine": max(line, 1)},
        }
    }
