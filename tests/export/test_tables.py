from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest

from netdiag.export.graph import Edge, PortSpec, graph_from_document, make_graph
from netdiag.export.tables import CSV_COLUMNS, md_cell, render_csv, render_md
from tests.export import documents

DOCS = [documents.simple, documents.hostile]


@pytest.mark.parametrize("make", DOCS, ids=["simple", "hostile"])
def test_csv_round_trips_through_the_csv_module(make: Callable[[], dict[str, Any]]) -> None:
    graph = graph_from_document(make())
    rows = list(csv.DictReader(io.StringIO(render_csv(graph), newline="")))
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    by_id = graph.by_id
    edges = []
    for row in rows:
        for end in ("from", "to"):
            node = by_id[row[end]]
            assert row[f"{end}_kind"] == node.kind
            assert row[f"{end}_namespace"] == (node.namespace or "")
        port = PortSpec(
            protocol=row["protocol"],
            port=int(row["port"]) if row["port"] else None,
            end_port=int(row["end_port"]) if row["end_port"] else None,
        )
        unsure = {"true": True, "false": False}[row["implementation_defined"]]
        edges.append(
            Edge(source=row["from"], target=row["to"], ports=(port,), implementation_defined=unsure)
        )
    assert make_graph(graph.nodes, edges) == graph


def test_csv_row_per_port_entry() -> None:
    text = render_csv(graph_from_document(documents.simple()))
    assert "default/web,pod,default,default/api,pod,default,TCP,8000,8080,false\r\n" in text
    assert "default/api,pod,default,0.0.0.0/0,cidr,,SCTP,,,false\r\n" in text
    assert "kube-system/coredns,pod,kube-system,0.0.0.0/0,cidr,,UDP,53,,true\r\n" in text
    assert len(text.splitlines()) == 1 + 3 + 3 + 2 + 1


def split_row(line: str) -> list[str]:
    """Cells of a GFM table row: split on pipes that are not backslash-escaped."""
    assert line.startswith("| ") and line.endswith(" |")
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def unescape(cell: str) -> str:
    cell = cell.replace("<br>", "\n")
    cell = re.sub(r"\\(.)", r"\1", cell)
    return cell.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_md_one_table_per_namespace_pair_with_three_cells_a_row() -> None:
    graph = graph_from_document(documents.hostile())
    text = render_md(graph)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    pairs = {
        (by.namespace or "(external)", to.namespace or "(external)")
        for e in graph.edges
        for by, to in [(graph.by_id[e.source], graph.by_id[e.target])]
    }
    assert len(headings) == len(pairs)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    body = [r for r in rows if r != "| From | To | Ports |"]
    assert len(body) == len(graph.edges)
    names = {t.replace("\t", " ") for n in graph.nodes for t in (n.name, n.id)}
    for row in body:
        cells = split_row(row)
        assert len(cells) == 3, row
        assert unescape(cells[0]) in names and unescape(cells[1]) in names
    assert "<script>" not in text and "\n\n\n" not in text


def test_md_cell_escapes() -> None:
    assert md_cell("a|b") == "a\\|b"
    assert md_cell("<b>&") == "&lt;b&gt;&amp;"
    assert md_cell("x\ny") == "x<br>y"
    assert md_cell("*_`[]") == "\\*\\_\\`\\[\\]"


def test_md_simple_reads_naturally() -> None:
    text = render_md(graph_from_document(documents.simple()))
    assert "## default → kube-system" in text
    assert "| web | coredns | TCP 53 · UDP 53 |" in text
    assert "| api | 0.0.0.0/0 | all ports |" in text
    assert "| coredns | 0.0.0.0/0 | ? UDP 53 (implementation-defined) |" in text
