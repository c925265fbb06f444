"""Graphviz DOT text for a reachability graph. Pure: standard library only.

One ``subgraph "cluster_<ns>"`` per namespace — the ``cluster`` prefix is what
makes Graphviz draw the box (Graphviz "The DOT Language", *Subgraphs and
Clusters*) — external CIDRs as red dashed nodes outside every box, one edge
per (source, destination) labelled with its ports (``TCP 80,443 · UDP 53``).
Colours follow np-guard/netpol-analyzer's DOT output: workloads blue, IP
blocks red, connections amber with green labels.
"""

from __future__ import annotations

from netdiag.export.graph import Edge, Graph, Node, port_label
from netdiag.visible import BIDI_CONTROLS

#: What :func:`port_label` says for every port of every protocol.
OPEN = "all ports"
LEGEND = (
    "grey: all ports · amber: only the ports shown · dashed ?: implementation-defined"
    " (depends on the CNI) · red: external CIDRs · ↔: both directions"
)

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"

_HEADER = f"""\
digraph reachability {{
  graph [rankdir=LR, fontname="{FONT}", fontsize=12, nodesep=0.35, ranksep=1.1,
         pad=0.3, newrank=true, splines=true, labelloc=b, labeljust=l,
         fontcolor="#475569"];
  node [fontname="{FONT}", fontsize=11, shape=box, style="rounded,filled",
        fillcolor="#dbeafe", color="#1d4ed8", fontcolor="#0f172a", penwidth=1.2,
        margin="0.15,0.06"];
  edge [fontname="{FONT}", fontsize=9, color="#d97706", fontcolor="#166534",
        arrowsize=0.7, penwidth=1.1];
"""

_CLUSTER_STYLE = (
    'style="rounded,filled", fillcolor="#f8fafc", color="#64748b", '
    'fontsize=13, fontcolor="#0f172a", labeljust=l, labelloc=t, margin=14'
)

_KIND_STYLE = {
    "pod": "",
    "workload": "",
    "namespace": 'shape=tab, fillcolor="#e0e7ff", color="#4338ca"',
    "cidr": 'style="filled,dashed", fillcolor="#fee2e2", color="#b91c1c", fontcolor="#7f1d1d"',
}


#: C0 controls and DEL cannot be drawn, bidi controls would reorder what is
#: drawn: they become U+FFFD.
_CONTROLS = {c: "\ufffd" for c in (*range(32), 127, *BIDI_CONTROLS)}
_ID_TABLE = str.maketrans({**_CONTROLS, "\\": "\\\\", '"': '\\"', "\n": "\\n"})
_LABEL_TABLE = str.maketrans(
    {
        **_CONTROLS,
        "\\": "\\\\",
        '"': '\\"',
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\n": "\\n",
        "\t": " ",
    }
)


def dot_id(text: str) -> str:
    """A quoted DOT ID. Inside quotes only ``\\"`` is an escape; backslashes
    are doubled so a trailing one cannot swallow the closing quote, and line
    breaks become the two characters ``\\n`` (identical text, identical ID)."""
    return '"' + text.translate(_ID_TABLE) + '"'


def dot_label(text: str) -> str:
    """A quoted DOT label (an escString) that draws exactly ``text``.

    Graphviz decodes HTML entities in labels and gives ``\\N``, ``\\l`` … a
    meaning, so ``&<>`` become entities, a backslash becomes ``\\\\`` and a line
    break ``\\n`` (a centred line break)."""
    return '"' + text.translate(_LABEL_TABLE) + '"'


def _node_line(node: Node, indent: str) -> str:
    attrs = [f"label={dot_label(node.name)}"]
    tooltip = node.id
    if node.labels:
        tooltip += "\n" + "\n".join(f"{k}={v}" for k, v in node.labels)
    attrs.append(f"tooltip={dot_label(tooltip)}")
    style = _KIND_STYLE.get(node.kind, "")
    if style:
        attrs.append(style)
    return f"{indent}{dot_id(node.id)} [{', '.join(attrs)}];"


def drawn_edges(graph: Graph) -> list[tuple[Edge, bool]]:
    """Edges, with A→B and B→A drawn once (``dir=both``) when they allow the same
    ports: half the lines, and a mutual allow reads as one."""
    index = {(e.source, e.target): e for e in graph.edges}
    out = []
    for edge in graph.edges:
        back = index.get((edge.target, edge.source))
        both = (
            back is not None
            and edge.source != edge.target
            and back.ports == edge.ports
            and back.implementation_defined == edge.implementation_defined
        )
        if both and edge.source > edge.target:
            continue  # drawn with its twin
        out.append((edge, both))
    return out


def _edge_line(edge: Edge, both: bool) -> str:
    label = port_label(edge.ports)
    arrow = " ↔ " if both else " → "
    tooltip = f"{edge.source}{arrow}{edge.target}: {label}"
    attrs = []
    if edge.implementation_defined:
        label = "? " + label
        tooltip += " (implementation-defined: depends on the CNI)"
        attrs.append(f"label={dot_label(label)}")
        attrs.append('style=dashed, color="#6b7280", fontcolor="#4b5563"')
    elif label == OPEN:
        # Unrestricted pairs are the common case: thin grey, unlabelled (legend).
        attrs.append('color="#94a3b8", penwidth=0.8, arrowsize=0.5')
    else:
        attrs.append(f"label={dot_label(label)}")
        attrs.append("penwidth=1.6")
    attrs.append(f"tooltip={dot_label(tooltip)}")
    if both:
        attrs.append("dir=both")
    return f"  {dot_id(edge.source)} -> {dot_id(edge.target)} [{', '.join(attrs)}];"


#: Above this many drawn edges, bound Graphviz's network-simplex and crossing
#: passes: on a 57-node, 678-edge graph ``nslimit`` alone took dot from 163 s
#: to 28 s, all three to 11 s (benchmarks/results/export.md); small graphs
#: keep the full-quality layout.
BIG = 150
_BIG_LAYOUT = "  graph [nslimit=0.5, nslimit1=0.5, mclimit=0.1];"


def render_dot(graph: Graph) -> str:
    """The DOT text; same graph, same bytes."""
    lines = [_HEADER.rstrip("\n"), f"  label={dot_label('netdiag reachability — ' + LEGEND)};"]
    edges = drawn_edges(graph)
    if len(edges) > BIG:
        lines.append(_BIG_LAYOUT)
    for namespace in graph.namespaces:
        members = graph.members(namespace)
        if all(n.kind == "namespace" for n in members):
            lines.extend(_node_line(n, "  ") for n in members)
            continue
        lines.append(f"  subgraph {dot_id('cluster_' + namespace)} {{")
        lines.append(f"    graph [label={dot_label(namespace)}, {_CLUSTER_STYLE}];")
        lines.extend(_node_line(n, "    ") for n in members)
        lines.append("  }")
    lines.extend(_node_line(n, "  ") for n in graph.members(None))
    lines.extend(_edge_line(edge, both) for edge, both in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"
