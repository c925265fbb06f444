"""GraphML, GEXF, Cytoscape.js JSON and node-link JSON, written by networkx.

networkx is imported inside the functions (docs/contributing.md: it costs ~0.3 s). GraphML
and GEXF take scalar attribute values only — networkx 3.6.1 raises
``NetworkXError`` (GraphML) or ``TypeError`` (GEXF) on a list — so ports and
labels are flattened into strings: ``ports="TCP/80,UDP/53"`` and ``labels`` as
a JSON object. ``node_link_data`` gets ``edges="edges"`` explicitly because the
key's default changed across networkx 3.x ("links" before 3.4).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from netdiag.export.graph import Graph, port_label, ports_flat

# XML 1.0 forbids most C0 controls even as character references; Kubernetes
# names never hold them but a hostile document might, so they become U+FFFD.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def to_networkx(graph: Graph, *, xml: bool = False) -> Any:
    """A ``networkx.DiGraph`` with scalar attributes only (ports, labels flattened)."""
    import networkx as nx

    clean = _xml_safe if xml else (lambda s: s)
    g = nx.DiGraph(name="netdiag reachability", schema="netdiag/reachability/v1")
    for n in graph.nodes:
        g.add_node(
            clean(n.id),
            kind=n.kind,
            namespace=clean(n.namespace or ""),
            name=clean(n.name),
            labels=clean(json.dumps(dict(n.labels), ensure_ascii=False, sort_keys=True)),
        )
    for e in graph.edges:
        g.add_edge(
            clean(e.source),
            clean(e.target),
            ports=clean(ports_flat(e.ports)),
            label=port_label(e.ports),
            implementation_defined=e.implementation_defined,
        )
    return g


def render_graphml(graph: Graph) -> bytes:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(to_networkx(graph, xml=True), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def render_gexf(graph: Graph) -> bytes:
    import networkx as nx

    g = to_networkx(graph, xml=True)
    # GEXF has a dedicated node ``label``: show the object name there.
    for node, data in g.nodes(data=True):
        data["label"] = data["name"] or node
    buffer = io.BytesIO()
    nx.write_gexf(g, buffer, encoding="utf-8", prettyprint=True)
    # networkx stamps today's date into <meta>; the attribute is optional in
    # GEXF 1.2 and dropping it keeps the same graph giving the same bytes.
    return re.sub(rb' lastmodifieddate="[^"]*"', b"", buffer.getvalue(), count=1)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render_cyjs(graph: Graph) -> str:
    import networkx as nx

    return _dumps(nx.cytoscape_data(to_networkx(graph)))


def render_node_link(graph: Graph) -> str:
    import networkx as nx

    return _dumps(nx.node_link_data(to_networkx(graph), edges="edges"))
