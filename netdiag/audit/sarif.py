"""SARIF 2.1.0 output so code-scanning UIs show findings on the manifests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
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


#: Loader origins: ``path:LINE (document N, items[i])``, ``path (document N)`` or a path.
_ORIGIN = re.compile(r"^(?P<path>.*?)(?::(?P<line>\d+))?(?: \(document [^)]*\))?$")


def _location(origin: str, base: Path | None = None) -> dict[str, Any]:
    """A manifest origin -> a physical location relative to ``base`` (the cwd)."""
    match = _ORIGIN.match(origin)
    path = match.group("path") if match else origin
    line = int(match.group("line")) if match and match.group("line") else 1
    try:
        path = Path(path).resolve().relative_to((base or Path.cwd()).resolve()).as_posix()
    except ValueError:
        pass
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path},
            "region": {"startLine": max(line, 1)},
        }
    }
