"""networkx reads each file back into the same graph with the same attributes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import networkx as nx
import pytest

from netdiag.export.graph import graph_from_document
from netdiag.export.nxgraph import (
    render_cyjs,
    render_gexf,
    render_graphml,
    render_node_link,
    to_networkx,
)
from tests.export import documents

NODE_ATTRS = ("kind", "namespace", "name", "labels")


def read_graphml(data: bytes) -> Any:
    return nx.read_graphml(io.BytesIO(data))


def read_gexf(data: bytes) -> Any:
    g = nx.read_gexf(io.BytesIO(data))
    return g


def read_node_link(text: str) -> Any:
    return nx.node_link_graph(json.loads(text), edges="edges")


def read_cyjs(text: str) -> Any:
    return nx.cytoscape_graph(json.loads(text))


READERS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "graphml": (render_graphml, read_graphml),
    "gexf": (render_gexf, read_gexf),
    "node-link": (render_node_link, read_node_link),
    "cyjs": (render_cyjs, read_cyjs),
}


def node_attrs(g: Any) -> dict[str, dict[str, str]]:
    return {n: {k: d[k] for k in NODE_ATTRS} for n, d in g.nodes(data=True)}


def edge_attrs(g: Any) -> dict[tuple[str, str], dict[str, str]]:
    keys = ("ports", "label", "implementation_defined")
    return {(s, t): {k: d[k] for k in keys} for s, t, d in g.edges(data=True)}


@pytest.mark.parametrize("fmt", sorted(READERS))
@pytest.mark.parametrize("make", [documents.simple, documents.hostile], ids=["simple", "hostile"])
def test_read_back_is_the_same_graph(fmt: str, make: Callable[[], dict[str, Any]]) -> None:
    graph = graph_from_document(make())
    expected = to_networkx(graph)
    render, read = READERS[fmt]
    got = read(render(graph))
    assert got.is_directed()
    assert nx.is_isomorphic(got, expected)
    # Same node ids, same edges, same (flattened) attributes — not merely isomorphic.
    assert node_attrs(got) == node_attrs(expected)
    assert edge_attrs(got) == edge_attrs(expected)


def test_attributes_are_scalars_and_labels_parse_back() -> None:
    g = to_networkx(graph_from_document(documents.hostile()))
    for _, data in g.nodes(data=True):
        assert all(isinstance(v, str) for v in data.values())
        assert isinstance(json.loads(data["labels"]), dict)
    for _, _, data in g.edges(data=True):
        assert all(isinstance(v, str | bool) for v in data.values())


def test_control_characters_cannot_break_the_xml() -> None:
    doc = documents.simple()
    doc["nodes"][0]["name"] = "bell\x07nul\x00"
    graph = graph_from_document(doc)
    for data in (render_graphml(graph), render_gexf(graph)):
        g = read_graphml(data) if b"<graphml" in data else read_gexf(data)
        assert g.nodes["default/web"]["name"] == "bell\ufffdnul\ufffd"


def test_gexf_is_deterministic() -> None:
    graph = graph_from_document(documents.hostile())
    assert b"lastmodifieddate" not in render_gexf(graph)
    assert render_gexf(graph) == render_gexf(graph_from_document(documents.hostile()))
