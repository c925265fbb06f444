"""k9s-style ``/`` filters over matrix nodes.

Terms are separated by spaces and all must match: ``key=value`` / ``key!=value``
(labels), ``ns:NAME`` (namespace), ``!term`` (inverse), anything else is a
case-insensitive substring of ``namespace/name``.
"""

from __future__ import annotations

from collections.abc import Sequence

from netdiag_tui.matrix_view import MatrixNode


def _term_matches(node: MatrixNode, term: str) -> bool:
    if term.startswith("!") and len(term) > 1:
        return not _term_matches(node, term[1:])
    if term.startswith("ns:"):
        return node.namespace == term[3:]
    if "!=" in term:
        key, value = term.split("!=", 1)
        return dict(node.labels).get(key) != value
    if "=" in term:
        key, value = term.split("=", 1)
        return dict(node.labels).get(key) == value
    return term.lower() in node.id.lower()


def matches(node: MatrixNode, text: str, namespace: str | None = None) -> bool:
    # A namespace scope keeps the CIDR nodes, as ``netdiag matrix -n`` does: they
    # are in no namespace, and they are what the scoped pods' policies talk to.
    if namespace is not None and node.namespace != namespace and node.kind != "cidr":
        return False
    return all(_term_matches(node, t) for t in text.split())


def filter_indices(
    nodes: Sequence[MatrixNode], text: str, namespace: str | None = None
) -> list[int]:
    if not text.strip() and namespace is None:
        return list(range(len(nodes)))
    return [i for i, n in enumerate(nodes) if matches(n, text, namespace)]
