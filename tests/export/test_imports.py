"""Heavy packages load only when their format is asked for (docs/contributing.md "Start-up")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("networkx", "jsonschema", "yaml", "kubernetes", "textual", "scapy", "dns")


@pytest.mark.parametrize(
    "module",
    [
        "netdiag.export.graph",
        "netdiag.export.dot",
        "netdiag.export.mermaid",
        "netdiag.export.tables",
        "netdiag.export.formats",
        "netdiag.export.nxgraph",
        "netdiag.export.schema",
        "netdiag.export.graphviz",
        "netdiag.cli.export",
    ],
)
def test_module_imports_no_heavy_package(module: str) -> None:
    code = (
        f"import json, sys, {module}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
