"""The policy engine is pure: importing it pulls in no heavy or I/O package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ENGINE = [
    "ports",
    "compile",
    "endpoints",
    "verdict",
    "evaluate",
    "classes",
    "cells",
    "matrix",
    "matrixdiff",
    "render",
    "layers",
    "tiers",
    "tiercompile",
    "chaincells",
    "domains",
]
BANNED = {"yaml", "kubernetes", "textual", "scapy", "networkx", "dns", "click", "rich", "numpy"}


def test_engine_modules_import_only_stdlib_and_netdiag() -> None:
    code = (
        "import json, sys\n"
        + "".join(f"import netdiag.policy.{m}\n" for m in ENGINE)
        + "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    loaded = set(json.loads(out.stdout))
    assert not loaded & BANNED
