"""Every export format by name: what it is, its file extensions, how to make it.

:func:`export_document` turns a ``netdiag/reachability/v1`` document into the
bytes of one format plus notes for stderr (e.g. "aggregated to namespace
granularity for Mermaid"). Renderers that need networkx or Graphviz load them
only when that format is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from netdiag.errors import UsageError
from netdiag.export.graph import Graph, graph_from_document, to_namespaces


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    binary: bool
    description: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(name="dot", extensions=(".dot", ".gv"), binary=False, description="Graphviz DOT"),
        Format(name="svg", extensions=(".svg",), binary=False, description="SVG via Graphviz"),
        Format(name="png", extensions=(".png",), binary=True, description="PNG via Graphviz"),
        Format(name="graphml", extensions=(".graphml",), binary=False, description="GraphML"),
        Format(name="gexf", extensions=(".gexf",), binary=False, description="GEXF (Gephi)"),
        Format(name="cyjs", extensions=(".cyjs",), binary=False, description="Cytoscape.js JSON"),
        Format(
            name="node-link",
            extensions=(".nodelink.json",),
            binary=False,
            description="networkx node-link JSON",
        ),
        Format(
            name="mermaid",
            extensions=(".mmd", ".mermaid"),
            binary=False,
            description="Mermaid flowchart",
        ),
        Format(
            name="json",
            extensions=(".json",),
            binary=False,
            description="netdiag/reachability/v1",
        ),
        Format(name="csv", extensions=(".csv",), binary=False, description="CSV, a row per port"),
        Format(name="md", extensions=(".md", ".markdown"), binary=False, description="Markdown"),
    )
}

#: Coarser levels, in the order aggregation tries them.
LEVELS = ("pod", "workload", "namespace")


@dataclass(frozen=True, slots=True, kw_only=True)
class Exported:
    data: bytes
    notes: tuple[str, ...] = ()


def format_for_path(path: str) -> str | None:
    """The format a file name implies (longest matching extension wins)."""
    lower = path.lower()
    matches = [
        (len(ext), f.name) for f in FORMATS.values() for ext in f.extensions if lower.endswith(ext)
    ]
    return max(matches)[1] if matches else None


def level_of(graph: Graph) -> str:
    kinds = {n.kind for n in graph.nodes}
    for level in LEVELS:
        if level in kinds:
            return level
    return "namespace"


Coarser = Callable[[str], Mapping[str, Any]]


def _mermaid(graph: Graph, coarser: Coarser | None) -> Exported:
    from netdiag.export.mermaid import MAX_EDGES, MAX_TEXT_SIZE, fits, render_mermaid

    if fits(graph):
        return Exported(data=render_mermaid(graph).encode())
    start = level_of(graph)
    tried = f"{len(graph.edges)} {start}-level edges"
    for level in LEVELS[LEVELS.index(start) + 1 :]:
        if coarser is not None:
            candidate = graph_from_document(coarser(level))
        elif level == "namespace":
            candidate = to_namespaces(graph)
        else:
            continue
        tried += f", {len(candidate.edges)} at {level} granularity"
        if fits(candidate):
            note = (
                f"Mermaid draws fewer than {MAX_EDGES} edges: {len(graph.edges)} {start}-level "
                f"edges aggregated to {level} granularity ({len(candidate.edges)} edges)"
            )
            return Exported(data=render_mermaid(candidate, note=note).encode(), notes=(note,))
    raise UsageError(
        f"Mermaid cannot draw this graph: {tried} (Mermaid draws fewer than {MAX_EDGES} "
        f"edges and {MAX_TEXT_SIZE} characters)",
        hint="narrow it with -n NS or --port, or use -f dot, svg or graphml",
    )


def render_graph(graph: Graph, fmt: str) -> bytes:
    """One format of a graph (Mermaid without aggregation; JSON from the graph)."""
    if fmt == "dot":
        from netdiag.export.dot import render_dot

        return render_dot(graph).encode()
    if fmt in ("svg", "png"):
        from netdiag.export.dot import render_dot
        from netdiag.export.graphviz import render_image

        return render_image(render_dot(graph), fmt)
    if fmt in ("graphml", "gexf", "cyjs", "node-link"):
        from netdiag.export import nxgraph

        renderers: dict[str, Callable[[Graph], bytes | str]] = {
            "graphml": nxgraph.render_graphml,
            "gexf": nxgraph.render_gexf,
            "cyjs": nxgraph.render_cyjs,
            "node-link": nxgraph.render_node_link,
        }
        out = renderers[fmt](graph)
        return out if isinstance(out, bytes) else out.encode()
    if fmt == "mermaid":
        from netdiag.export.mermaid import render_mermaid

        return render_mermaid(graph).encode()
    if fmt in ("csv", "md"):
        from netdiag.export.tables import render_csv, render_md

        return (render_csv(graph) if fmt == "csv" else render_md(graph)).encode()
    if fmt == "json":
        from netdiag.export.graph import document_from_graph

        return dumps_document(document_from_graph(graph)).encode()
    raise UsageError(f"unknown export format {fmt!r}", hint="choose one of " + ", ".join(FORMATS))


def dumps_document(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_document(
    document: Mapping[str, Any], fmt: str, *, coarser: Coarser | None = None
) -> Exported:
    """Validate ``document`` and render it as ``fmt``.

    ``coarser(level)`` may return the same matrix at a coarser granularity
    (``workload``, ``namespace``); Mermaid uses it when a graph is too big for
    it, and falls back to grouping by namespace itself.
    """
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown export format {fmt!r}", hint="choose one of " + ", ".join(FORMATS)
        )
    # The reader enforces what schemas/reachability-v1.schema.json says (the
    # tests hold every output against the schema with jsonschema, which is
    # ~10x slower and not a runtime dependency).
    graph = graph_from_document(document)
    if fmt == "json":
        return Exported(data=dumps_document(document).encode())
    if fmt == "mermaid":
        return _mermaid(graph, coarser)
    return Exported(data=render_graph(graph, fmt))
