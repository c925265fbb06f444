"""Property tests: arbitrary names, namespaces and labels never break any syntax.

Each example is a small document whose text is drawn by hypothesis; every text
format must come back intact through its real reader (Graphviz, the ``csv``
module, networkx, a strict Mermaid line reader).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.export.dot import render_dot
from netdiag.export.formats import export_document
from netdiag.export.graph import graph_from_document
from netdiag.export.mermaid import render_mermaid
from netdiag.export.schema import load_schema
from netdiag.visible import csv_cell
from tests.export.test_mermaid import comparable, expected, structure
from tests.helpers import require_tool

# Printable text plus the characters that break formats; no other controls
# (those are replaced by U+FFFD on purpose and tested separately).
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")),
        st.sampled_from('"\\\n<>&|{}[]()#%;:`*_-'),
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and "\n" not in (s[0], s[-1]))


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    names = draw(st.lists(TEXT, min_size=2, max_size=4, unique=True))
    namespaces = draw(st.lists(TEXT, min_size=len(names), max_size=len(names)))
    nodes = [
        {
            "id": f"{ns}/{name}",
            "kind": "pod",
            "namespace": ns,
            "name": name,
            "labels": {name: ns},
        }
        for name, ns in zip(names, namespaces, strict=True)
    ]
    ids = list(dict.fromkeys(n["id"] for n in nodes))
    nodes = [next(n for n in nodes if n["id"] == i) for i in ids]
    edges = [
        {"from": a, "to": b, "ports": [{"protocol": "TCP", "port": 80}]}
        for a in ids
        for b in ids
        if a != b and draw(st.booleans())
    ]
    return {"schema": "netdiag/reachability/v1", "nodes": nodes, "edges": edges}


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents())
def test_mermaid_text_reads_back(doc: dict[str, Any]) -> None:
    graph = graph_from_document(doc)
    assert comparable(structure(render_mermaid(graph))) == expected(graph)


@SETTINGS
@given(documents())
def test_csv_json_and_networkx_read_back(doc: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(export_document(doc, "csv").data.decode(), newline="")))
    # A cell that would start a spreadsheet formula carries a leading "'" (OWASP).
    assert {(r["from"], r["to"]) for r in rows} == {
        (csv_cell(e["from"]), csv_cell(e["to"])) for e in doc["edges"]
    }
    out = json.loads(export_document(doc, "json").data)
    jsonschema.validate(out, load_schema())
    g = nx.read_graphml(io.BytesIO(export_document(doc, "graphml").data))
    assert set(g.nodes) == {n["id"] for n in doc["nodes"]}
    assert {g.nodes[n["id"]]["name"] for n in doc["nodes"]} == {n["name"] for n in doc["nodes"]}


@pytest.mark.system
@SETTINGS
@given(documents())
def test_graphviz_draws_every_name_literally(doc: dict[str, Any]) -> None:
    program = require_tool("dot")
    graph = graph_from_document(doc)
    done = subprocess.run(
        [program, "-Tsvg"], input=render_dot(graph).encode(), capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    svg = ET.fromstring(done.stdout)
    svg_ns = "{http://www.w3.org/2000/svg}"
    # SVG collapses runs of spaces, so Graphviz writes the second of two spaces as
    # a no-break space to keep the name as drawn: in SVG text the two cannot be
    # told apart, so both sides read a no-break space as a space.
    drawn = sorted(
        "\n".join(t.text or "" for t in g.iter(f"{svg_ns}text")).replace("\xa0", " ")
        for g in svg.iter(f"{svg_ns}g")
        if g.get("class") == "node"
    )
    assert drawn == sorted(n.name.replace("\xa0", " ") for n in graph.nodes)
