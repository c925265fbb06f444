"""CSV and Markdown tables of a reachability graph. Pure: standard library only.

CSV has one row per edge and port entry (``port`` empty = every port of the
protocol), written by the ``csv`` module so quotes and line breaks inside names
survive a round trip. Markdown has one table per (source namespace,
destination namespace) pair so a PR reviewer reads it in pieces.
"""

from __future__ import annotations

import csv
import io

from netdiag.export.graph import Graph, Node, port_label
from netdiag.visible import csv_cell, visible_lines

CSV_COLUMNS = (
    "from",
    "from_kind",
    "from_namespace",
    "to",
    "to_kind",
    "to_namespace",
    "protocol",
    "port",
    "end_port",
    "implementation_defined",
)


def render_csv(graph: Graph) -> str:
    by_id = graph.by_id
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for edge in graph.edges:
        source, target = by_id[edge.source], by_id[edge.target]
        for p in edge.ports:
            writer.writerow(
                (
                    csv_cell(source.id),
                    source.kind,
                    csv_cell(source.namespace or ""),
                    csv_cell(target.id),
                    target.kind,
                    csv_cell(target.namespace or ""),
                    p.protocol,
                    "" if p.port is None else p.port,
                    "" if p.end_port is None else p.end_port,
                    "true" if edge.implementation_defined else "false",
                )
            )
    return buffer.getvalue()


_MD_BACKSLASH = set("\\`*_[]|#~!")


_MD_TABLE = str.maketrans(
    {
        **{c: " " for c in (*range(32), 127)},
        **{ch: "\\" + ch for ch in _MD_BACKSLASH},
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        "\n": "<br>",
    }
)


def md_cell(text: str) -> str:
    """Table-cell text shown literally on GitHub: Markdown punctuation
    backslash-escaped, ``<>&`` as entities (no raw HTML), line breaks as ``<br>``,
    other invisible characters (U+202E, ...) escaped."""
    return visible_lines(text.translate(_MD_TABLE))


def _group(node: Node) -> str:
    return node.namespace if node.namespace is not None else "(external)"


def _endpoint(node: Node, namespace: str) -> str:
    return node.name if node.namespace == namespace else node.id


def render_md(graph: Graph) -> str:
    by_id = graph.by_id
    pairs: dict[tuple[str, str], list[tuple[Node, Node, str]]] = {}
    for edge in graph.edges:
        source, target = by_id[edge.source], by_id[edge.target]
        ports = port_label(edge.ports, limit=64)
        if edge.implementation_defined:
            ports = "? " + ports + " (implementation-defined)"
        pairs.setdefault((_group(source), _group(target)), []).append((source, target, ports))
    lines = ["# Reachability", ""]
    lines.append(
        f"{len(graph.nodes)} nodes, {len(graph.edges)} allowed connections "
        f"(`netdiag/reachability/v1`). Pairs not listed are denied; "
        "`?` marks implementation-defined verdicts (they depend on the CNI)."
    )
    for (src_ns, dst_ns), rows in sorted(pairs.items()):
        lines += ["", f"## {md_cell(src_ns)} → {md_cell(dst_ns)}", ""]
        lines += ["| From | To | Ports |", "| --- | --- | --- |"]
        for source, target, ports in rows:
            lines.append(
                f"| {md_cell(_endpoint(source, src_ns))} "
                f"| {md_cell(_endpoint(target, dst_ns))} | {md_cell(ports)} |"
            )
    if not pairs:
        lines += ["", "_No allowed connections._"]
    return "\n".join(lines) + "\n"
