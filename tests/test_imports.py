"""Engine modules and the CLI start-up import no heavy or I/O-bound third-party package.

Each check runs in a fresh interpreter and inspects ``sys.modules`` (docs/contributing.md
"Start-up"; ruff's TID253 catches module-level imports, this catches the
transitive ones).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("kubernetes", "scapy", "textual", "networkx", "dns", "yaml")

#: Engines named in docs/architecture.md; the policy package and the pure DNS modules are globbed.
ENGINE_MODULES = [
    "netdiag.cluster.model",
    "netdiag.cluster.meta",
    "netdiag.cluster.networkpolicy",
    "netdiag.cluster.selectors",
    "netdiag.cluster.fields",
    "netdiag.cluster.parse",
    "netdiag.cluster.parse_pod",
    "netdiag.cluster.parse_policy",
    "netdiag.cluster.build",
    "netdiag.sources.incremental",
    "netdiag.sources.changes",
    "netdiag.cluster.expand",
    "netdiag.cluster.endpoints",
    "netdiag.cluster.detect",
    "netdiag.cluster.corefile",
    "netdiag.cluster.serialize",
    "netdiag.dns.records",
    # pure, but its name has "wire" in it (the DNS edge words below)
    "netdiag.dns.resolver.wiresize",
]

#: DNS modules that are edges (sockets, dnspython, scapy) rather than engines.
DNS_EDGE_WORDS = ("server", "serve", "capture", "live", "query", "client", "net", "wire", "pcap")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _globbed() -> list[str]:
    names = [_module_name(p) for p in sorted((ROOT / "netdiag" / "policy").rglob("*.py"))]
    for path in sorted((ROOT / "netdiag" / "dns").rglob("*.py")):
        if not any(word in path.stem for word in DNS_EDGE_WORDS):
            names.append(_module_name(path))
    return names


def _loaded_heavy(code: str) -> list[str]:
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("module", sorted(set(ENGINE_MODULES + _globbed())))
def test_engine_module_imports_nothing_heavy(module: str) -> None:
    assert _loaded_heavy(f"import {module}") == []


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import contextlib, io\nfrom netdiag.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "assert 'snapshot' in out.getvalue()"
    )
    assert _loaded_heavy(code) == []


def test_snapshot_summary_on_the_demo_imports_nothing_heavy() -> None:
    # The demo ships pre-parsed JSON (netdiag/sources/demo/_build.py): no PyYAML.
    code = (
        "import contextlib, io\nfrom netdiag.cli import main\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        "    try:\n        main(['snapshot'])\n    except SystemExit:\n        pass\n"
    )
    assert _loaded_heavy(code) == []
