"""Mermaid output: checked structurally, and by Mermaid's own parser under Node.

The parser check needs ``node`` and ``npm ci --prefix tests/export/mermaid``
(pinned mermaid + jsdom in the committed lockfile); like every system tool it
skips locally when missing and fails in CI.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from netdiag.errors import UsageError
from netdiag.export.formats import export_document
from netdiag.export.graph import Graph, graph_from_document, port_label, to_namespaces
from netdiag.export.mermaid import MAX_EDGES, mermaid_text, render_mermaid
from tests.conftest import IN_CI
from tests.export import documents
from tests.helpers import require_tool

HERE = Path(__file__).parent / "mermaid"
NODE_LINE = re.compile(r'^\s*(n\d+)(\[|\[\(|\{\{)"([^"]*)"(\]|\)\]|\}\})$')
EDGE_LINE = re.compile(r'^\s*(n\d+) (?:-->|-\.->)\|"([^"]*)"\| (n\d+)$')
SUBGRAPH_LINE = re.compile(r'^\s*subgraph (s\d+)\["([^"]*)"\]$')


def decode(text: str) -> str:
    """Undo :func:`mermaid_text` the way Mermaid does (entity codes, ``<br>``)."""
    text = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)
    return text.replace("<br>", "\n")


def structure(text: str) -> dict[str, Any]:
    """A strict line-by-line reading of the flowchart we write."""
    lines = text.splitlines()
    assert lines[0].startswith("%% ") and "flowchart LR" in lines[:3]
    vertices: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    subgraphs: list[tuple[str, str, list[str]]] = []
    open_subgraph: tuple[str, str, list[str]] | None = None
    for line in lines[lines.index("flowchart LR") + 1 :]:
        if m := SUBGRAPH_LINE.match(line):
            assert open_subgraph is None, "nested subgraph"
            open_subgraph = (m.group(1), decode(m.group(2)), [])
        elif line.strip() == "end":
            assert open_subgraph is not None
            subgraphs.append(open_subgraph)
            open_subgraph = None
        elif m := NODE_LINE.match(line):
            vertices[m.group(1)] = decode(m.group(3))
            if open_subgraph is not None:
                open_subgraph[2].append(m.group(1))
        elif m := EDGE_LINE.match(line):
            assert m.group(1) in vertices and m.group(3) in vertices
            edges.append((m.group(1), m.group(3), decode(m.group(2))))
        else:
            assert line.strip().startswith(("classDef ", "class ", "linkStyle ")), line
    assert open_subgraph is None
    return {"vertices": vertices, "edges": edges, "subgraphs": subgraphs}


def expected(graph: Graph) -> dict[str, Any]:
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    return {
        "vertices": {ids[n.id]: n.name.replace("\t", " ") for n in graph.nodes},
        "edges": sorted(
            (
                ids[e.source],
                ids[e.target],
                ("? " if e.implementation_defined else "") + port_label(e.ports),
            )
            for e in graph.edges
        ),
        "subgraphs": sorted(
            (ns.replace("\t", " "), sorted(ids[n.id] for n in graph.members(ns)))
            for ns in graph.namespaces
            if any(n.kind != "namespace" for n in graph.members(ns))
        ),
    }


def comparable(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "vertices": found["vertices"],
        "edges": sorted(tuple(e) for e in found["edges"]),
        "subgraphs": sorted((title, sorted(nodes)) for _, title, nodes in found["subgraphs"]),
    }


@pytest.mark.parametrize("make", [documents.simple, documents.hostile], ids=["simple", "hostile"])
def test_structure_holds_every_node_edge_and_namespace(make: Any) -> None:
    graph = graph_from_document(make())
    assert comparable(structure(render_mermaid(graph))) == expected(graph)


def test_labels_hold_no_syntax() -> None:
    text = mermaid_text('a"b|c-->d<script>%%{x}%%')
    assert text.count('"') == 2
    assert not set("|<>%{}") & set(text[1:-1].replace("#", "").replace(";", ""))
    assert mermaid_text("x\ny") == '"x<br>y"'


def test_more_than_500_edges_aggregates_and_says_so() -> None:
    doc = documents.big(pods_per_ns=60, namespaces=5, fanout=2)
    assert len(graph_from_document(doc).edges) > MAX_EDGES
    out = export_document(doc, "mermaid")
    assert out.notes and "aggregated to namespace granularity" in out.notes[0]
    found = structure(out.data.decode())
    assert sorted(found["vertices"].values()) == [f"ns{i}" for i in range(5)]
    assert found["subgraphs"] == []
    assert "%% Mermaid draws fewer than 500 edges" in out.data.decode()


def test_coarser_callback_is_preferred() -> None:
    doc = documents.big(pods_per_ns=60, namespaces=5, fanout=2)
    asked: list[str] = []

    def coarser(level: str) -> dict[str, Any]:
        asked.append(level)
        return documents.simple()

    out = export_document(doc, "mermaid", coarser=coarser)
    assert asked == ["workload"]
    assert "to workload granularity" in out.notes[0]


def test_too_big_even_for_namespaces_is_a_usage_error() -> None:
    doc = documents.big(pods_per_ns=1, namespaces=40, fanout=20)
    with pytest.raises(UsageError) as caught:
        export_document(doc, "mermaid")
    assert caught.value.message == (
        "Mermaid cannot draw this graph: 780 pod-level edges, 780 at namespace granularity "
        "(Mermaid draws fewer than 500 edges and 50000 characters)"
    )


def mermaid_parser() -> Path:
    require_tool("node")
    if not (HERE / "node_modules" / "mermaid").is_dir():
        message = "Mermaid parser not installed: run npm ci --prefix tests/export/mermaid"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return HERE / "parse.mjs"


@pytest.mark.system
def test_mermaids_own_parser_reads_what_we_meant(tmp_path: Path) -> None:
    script = mermaid_parser()
    at_limit = documents.big(pods_per_ns=50, namespaces=5, fanout=2)
    at_limit["edges"] = at_limit["edges"][: MAX_EDGES - 1]
    graphs = {
        "simple": graph_from_document(documents.simple()),
        "hostile": graph_from_document(documents.hostile()),
        "at-limit": graph_from_document(at_limit),
    }
    texts = {name: render_mermaid(graph) for name, graph in graphs.items()}
    big = documents.big(pods_per_ns=60, namespaces=5, fanout=2)
    texts["aggregated"] = export_document(big, "mermaid").data.decode()
    graphs["aggregated"] = to_namespaces(graph_from_document(big))
    files = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.mmd"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        ["node", str(script), *files], capture_output=True, text=True, timeout=120, check=False
    )
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stdout + done.stderr
    for (name, graph), result in zip(graphs.items(), results, strict=True):
        assert result["ok"] and result["type"] == "flowchart-v2", name
        # Mermaid keeps entity codes as placeholders until it draws; undo them.
        result["vertices"] = {k: placeholders(v) for k, v in result["vertices"].items()}
        result["edges"] = [(s, t, placeholders(x)) for s, t, x in result["edges"]]
        result["subgraphs"] = [(i, placeholders(t), n) for i, t, n in result["subgraphs"]]
        assert comparable(result) == expected(graph), name


def placeholders(text: str) -> str:
    text = re.sub("ﬂ°°(\\d+)¶ß", lambda m: chr(int(m.group(1))), text)
    text = re.sub("ﬂ°(\\w+)¶ß", lambda m: html.unescape(f"&{m.group(1)};"), text)
    return text.replace("<br>", "\n")
