"""Mermaid ``flowchart LR`` text that renders on GitHub. Pure: standard library only.

Node and subgraph IDs are synthetic (``n0``, ``s0``) so no user text is ever
parsed as syntax (``end``, ``-->``, ``%%`` in a name); every label is a quoted
string whose risky characters are Mermaid entity codes (``#34;``), which Mermaid
decodes back into HTML entities — text, never markup (mermaid docs, flowchart
"Entity codes to escape characters").

Mermaid refuses diagrams above ``maxEdges`` (default 500) or ``maxTextSize``
(default 50,000 characters) (mermaid ``config.schema.yaml``): :func:`fits`
says whether a graph is under both so callers can aggregate first.
"""

from __future__ import annotations

from netdiag.export.graph import Graph, Node, port_label
from netdiag.visible import BIDI_CONTROLS

MAX_EDGES = 500
MAX_TEXT_SIZE = 50_000

# Characters that mean something somewhere in flowchart syntax or in HTML.
_ENTITY = set('"#&<>%`|{}[]();:\\')


_TABLE = str.maketrans(
    {
        **{c: "#65533;" for c in (*range(32), 127, *BIDI_CONTROLS)},
        **{ch: f"#{ord(ch)};" for ch in _ENTITY},
        "\n": "<br>",
        "\t": " ",
    }
)


def mermaid_text(text: str) -> str:
    """The inside of a quoted Mermaid label showing exactly ``text``."""
    return '"' + text.translate(_TABLE) + '"'


def _node(node: Node, node_id: str) -> str:
    label = mermaid_text(node.name)
    if node.kind == "cidr":
        return f"{node_id}{{{{{label}}}}}"
    if node.kind == "namespace":
        return f"{node_id}[({label})]"
    return f"{node_id}[{label}]"


def render_mermaid(graph: Graph, *, note: str | None = None) -> str:
    """The flowchart; ``note`` becomes a ``%%`` comment (e.g. "aggregated to …")."""
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = ["%% netdiag reachability (netdiag/reachability/v1)"]
    if note:
        lines.append("%% " + " ".join(note.split()))
    lines.append("flowchart LR")
    for i, namespace in enumerate(graph.namespaces):
        members = graph.members(namespace)
        if all(n.kind == "namespace" for n in members):
            lines.extend(f"  {_node(n, ids[n.id])}" for n in members)
            continue
        lines.append(f"  subgraph s{i}[{mermaid_text(namespace)}]")
        lines.extend(f"    {_node(n, ids[n.id])}" for n in members)
        lines.append("  end")
    externals = graph.members(None)
    lines.extend(f"  {_node(n, ids[n.id])}" for n in externals)
    open_edges = []
    for index, edge in enumerate(graph.edges):
        if port_label(edge.ports) == "all ports" and not edge.implementation_defined:
            open_edges.append(str(index))
        if edge.implementation_defined:
            label = mermaid_text("? " + port_label(edge.ports))
            lines.append(f"  {ids[edge.source]} -.->|{label}| {ids[edge.target]}")
        else:
            label = mermaid_text(port_label(edge.ports))
            lines.append(f"  {ids[edge.source]} -->|{label}| {ids[edge.target]}")
    if graph.edges:
        # Same colours as the DOT drawing: amber = only the ports shown, grey = all ports.
        lines.append("  linkStyle default stroke:#d97706,stroke-width:1.5px")
    if open_edges:
        lines.append(f"  linkStyle {','.join(open_edges)} stroke:#94a3b8,stroke-width:1px")
    lines.append("  classDef cidr fill:#fee2e2,stroke:#b91c1c,color:#7f1d1d,stroke-dasharray:4 2")
    if externals:
        lines.append(f"  class {','.join(ids[n.id] for n in externals)} cidr")
    return "\n".join(lines) + "\n"


def fits(graph: Graph) -> bool:
    """Under Mermaid's default ``maxEdges`` and ``maxTextSize``.

    Mermaid 11.17 refuses a flowchart once the edge count *reaches* maxEdges
    ("500 edges found, but the limit is 500"), so at most 499 fit.
    """
    return len(graph.edges) < MAX_EDGES and len(render_mermaid(graph)) <= MAX_TEXT_SIZE
