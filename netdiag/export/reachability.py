"""Ask the policy engine for the ``netdiag/reachability/v1`` document to draw.

The one place ``netdiag export`` meets ``netdiag.policy``: it maps the export
flags onto the matrix engine and returns its document unchanged, apart from
``-n`` (keep edges that touch the namespace).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from netdiag.errors import NetdiagError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot


def restrict_to_namespace(document: dict[str, Any], namespace: str) -> dict[str, Any]:
    """Edges with an end in ``namespace``, and the nodes they touch plus its own."""
    nodes = document.get("nodes", [])
    inside = {n["id"] for n in nodes if n.get("namespace") == namespace}
    edges = [e for e in document.get("edges", []) if e["from"] in inside or e["to"] in inside]
    touched = inside | {e["from"] for e in edges} | {e["to"] for e in edges}
    return {**document, "nodes": [n for n in nodes if n["id"] in touched], "edges": edges}


def reachability_for(
    snapshot: ClusterSnapshot,
    *,
    granularity: str,
    ports: Sequence[str] = (),
    namespace: str | None = None,
    externals: Sequence[str] = (),
) -> dict[str, Any]:
    """The reachability document of ``snapshot`` at ``granularity``."""
    raise NetdiagError(
        "the policy engine (netdiag.policy.matrix) is not available in this build",
        hint="export a saved document with --input FILE",
    )
