"""The DOT text is checked by the real consumer: Graphviz ``dot -Tsvg``."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from netdiag.export.dot import BIG, dot_id, dot_label, drawn_edges, render_dot
from netdiag.export.graph import graph_from_document, to_namespaces
from tests.export import documents
from tests.helpers import require_tool

SVG = "{http://www.w3.org/2000/svg}"


def draw(dot_text: str) -> ET.Element:
    """Run ``dot -Tsvg``; fail on any warning or error, return the parsed SVG."""
    program = require_tool("dot")
    done = subprocess.run(
        [program, "-Tsvg"], input=dot_text.encode(), capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr.decode().strip() == ""
    return ET.fromstring(done.stdout)


def groups(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == cls]


def texts(group: ET.Element) -> list[str]:
    return [t.text or "" for t in group.iter(f"{SVG}text")]


DOCUMENTS: dict[str, Any] = {
    "simple": documents.simple,
    "hostile": documents.hostile,
    "empty": lambda: {"schema": documents.SCHEMA, "nodes": [], "edges": []},
}


@pytest.mark.system
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_graphviz_draws_every_node_edge_and_namespace_box(name: str) -> None:
    graph = graph_from_document(DOCUMENTS[name]())
    svg = draw(render_dot(graph))
    clusters = groups(svg, "cluster")
    drawn = sorted("\n".join(texts(c)) for c in clusters)
    assert drawn == sorted(ns.replace("\t", " ") for ns in graph.namespaces)
    assert len(groups(svg, "node")) == len(graph.nodes)
    assert len(groups(svg, "edge")) == len(drawn_edges(graph))


@pytest.mark.system
def test_hostile_text_is_drawn_literally() -> None:
    graph = graph_from_document(documents.hostile())
    svg = draw(render_dot(graph))
    drawn = sorted("\n".join(texts(g)) for g in groups(svg, "node"))
    # Graphviz draws each line of a label as its own <text>; tabs come out as spaces.
    assert drawn == sorted(n.name.replace("\t", " ") for n in graph.nodes)
    boxes = sorted("\n".join(texts(g)) for g in groups(svg, "cluster"))
    assert boxes == sorted(ns.replace("\t", " ") for ns in graph.namespaces)


@pytest.mark.system
def test_edge_labels_and_cidr_styling() -> None:
    graph = graph_from_document(documents.simple())
    svg = draw(render_dot(graph))
    labels = sorted(" ".join(texts(g)) for g in groups(svg, "edge"))
    # "all ports" edges are thin grey and unlabelled; the legend says so.
    assert labels == ["", "? UDP 53", "TCP 53 · UDP 53", "TCP 80,443,8000-8080"]
    assert "grey: all ports" in " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    unsure = [g for g in groups(svg, "edge") if texts(g) == ["? UDP 53"]]
    assert any(p.get("stroke-dasharray") for p in unsure[0].iter())
    cidr = [g for g in groups(svg, "node") if texts(g) == ["0.0.0.0/0"]]
    assert cidr and any(p.get("stroke-dasharray") for p in cidr[0].iter())


@pytest.mark.system
def test_namespace_granularity_draws_namespaces_without_boxes() -> None:
    graph = to_namespaces(graph_from_document(documents.simple()))
    svg = draw(render_dot(graph))
    assert groups(svg, "cluster") == []
    assert sorted(" ".join(texts(g)) for g in groups(svg, "node")) == sorted(
        ["default", "kube-system", "0.0.0.0/0"]
    )


def test_mutual_edges_with_the_same_ports_are_drawn_once() -> None:
    doc = documents.simple()
    doc["edges"].append(documents.edge("default/api", "default/web", "TCP/80", "TCP/443"))
    doc["edges"].append(documents.edge("kube-system/coredns", "default/web", "UDP/53", "TCP/53"))
    graph = graph_from_document(doc)
    pairs = {(e.source, e.target): both for e, both in drawn_edges(graph)}
    assert pairs[("default/web", "kube-system/coredns")] is True
    assert ("kube-system/coredns", "default/web") not in pairs
    assert pairs[("default/api", "default/web")] is False  # ports differ: two edges
    assert pairs[("default/web", "default/api")] is False
    text = render_dot(graph)
    assert text.count("dir=both") == 1
    assert 'tooltip="default/web ↔ kube-system/coredns: TCP 53 · UDP 53"' in text


def test_escaping() -> None:
    assert dot_id('a"b\\') == '"a\\"b\\\\"'
    assert dot_id("x\ny") == '"x\\ny"'
    assert dot_label("<a & b>") == '"&lt;a &amp; b&gt;"'
    assert dot_label("\\N") == '"\\\\N"'
    assert dot_label("bell\x07") == '"bell\ufffd"'


def test_same_graph_same_bytes() -> None:
    graph = graph_from_document(documents.hostile())
    assert render_dot(graph) == render_dot(graph_from_document(documents.hostile()))


def test_big_graphs_get_a_bounded_layout_small_ones_do_not() -> None:
    assert "nslimit" not in render_dot(graph_from_document(documents.hostile()))
    big = graph_from_document(documents.big(pods_per_ns=40, namespaces=2, fanout=2))
    assert len(drawn_edges(big)) > BIG
    assert "  graph [nslimit=0.5, nslimit1=0.5, mclimit=0.1];" in render_dot(big)


@pytest.mark.system
def test_graphviz_accepts_the_bounded_layout() -> None:
    big = graph_from_document(documents.big(pods_per_ns=40, namespaces=2, fanout=2))
    svg = draw(render_dot(big))
    assert len(groups(svg, "edge")) == len(drawn_edges(big))
