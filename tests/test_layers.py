"""The layers of docs/architecture.md hold: imports point down, and there is no circle.

Every ``import`` statement counts — at module level, inside functions and under
``TYPE_CHECKING`` alike: a circle broken by a lazy import is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_ROOTS = {"netdiag": ROOT / "netdiag", "netdiag_tui": ROOT / "tui" / "netdiag_tui"}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for top, root in SOURCE_ROOTS.items():
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            out[".".join((top, *parts))] = path
    return out


MODULES = _modules()


def _imports(module: str) -> set[str]:
    """Our modules ``module`` imports (``from pkg import mod`` names the module)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
            # ``from pkg import mod`` imports mod; only other names come from pkg itself.
            if len(submodules) < len(node.names):
                found.add(node.module)
            found.update(submodules)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: _imports(m) for m in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles() -> None:
    assert _cycles() == []


#: Package prefix -> prefixes it must never import (the arrows point down only).
FORBIDDEN = {
    "netdiag.cluster": ("netdiag.dns", "netdiag.policy", "netdiag.sources", "netdiag.app"),
    "netdiag.dns": ("netdiag.sources", "netdiag.app", "netdiag.cli", "netdiag.export"),
    "netdiag.policy": ("netdiag.sources", "netdiag.app", "netdiag.cli", "netdiag.export"),
    "netdiag.sources": ("netdiag.app", "netdiag.cli", "netdiag_tui"),
    "netdiag.export": ("netdiag.app", "netdiag.cli", "netdiag_tui"),
    "netdiag.audit": ("netdiag.app", "netdiag.cli", "netdiag_tui"),
    "netdiag.app": ("netdiag.cli", "netdiag_tui"),
    "netdiag_tui": ("netdiag.cli",),
}


def test_imports_point_down() -> None:
    wrong = [
        f"{m} imports {target}"
        for m, targets in GRAPH.items()
        for layer, banned in FORBIDDEN.items()
        if m == layer or m.startswith(layer + ".")
        for target in targets
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert wrong == []


def test_the_graph_sees_real_imports() -> None:
    """Guard against a parser that finds nothing (then both tests above pass vacuously)."""
    assert "netdiag.app.session" in GRAPH["netdiag.cli.options"]
    assert "netdiag.dns.resolver.search" in GRAPH["netdiag.dns.resolver.glibc"]
    assert len(MODULES) > 100
