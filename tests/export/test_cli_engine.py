"""``netdiag export`` and ``netdiag matrix -o <export format>`` on real snapshots
(the bundled demo cluster, and generated manifests), through the policy engine."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from netdiag.export.schema import load_schema
from tests.helpers import require_tool, run_cli


def test_demo_json_is_the_engine_document_and_valid() -> None:
    result = run_cli(["export", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert "using the bundled demo cluster" in result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, load_schema())
    assert doc["granularity"] == "pod"  # 17 pods: under the workload threshold
    matrix = json.loads(run_cli(["matrix", "-o", "json"]).stdout)
    assert doc == matrix


def test_external_and_port_reach_the_engine() -> None:
    args = ["export", "-f", "json", "--external", "192.0.2.7", "--port", "53/UDP"]
    result = run_cli(args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"id": "192.0.2.7", "kind": "cidr"}.items() <= next(
        n for n in doc["nodes"] if n["id"] == "192.0.2.7"
    ).items()
    assert doc["edges"]
    for edge in doc["edges"]:
        if edge.get("implementation_defined"):
            continue  # present with no port surely allowed: the answer is undefined
        assert any(p["protocol"] == "UDP" and p.get("port", 53) <= 53 for p in edge["ports"])


def test_namespace_and_granularity() -> None:
    result = run_cli(["export", "-f", "csv", "-n", "shop", "--granularity", "workload"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    pairs = {(r["from"], r["to"], r["port"]) for r in rows}
    assert ("shop/api", "shop/db", "5432") in pairs
    assert all("shop" in (r["from_namespace"], r["to_namespace"]) for r in rows)


def test_unknown_namespace_and_bad_flags_are_one_line_errors() -> None:
    result = run_cli(["export", "-f", "dot", "-n", "shpo"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        "error: -n 'shpo': no such namespace in the snapshot",
        "hint: did you mean shop?",
    ]
    result = run_cli(["export", "-f", "dot", "--external", "not-an-ip"])
    assert result.exit_code == 2 and "error: --external 'not-an-ip'" in result.stderr
    result = run_cli(["export", "-f", "dot", "--port", "70000/TCP"])
    assert result.exit_code == 2 and "error: --port: bad port '70000/TCP'" in result.stderr


@pytest.fixture(scope="module")
def sixty_pods(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from benchmarks.gencluster import generate, write_manifests

    out = tmp_path_factory.mktemp("gen60")
    write_manifests(generate(pods=60, seed=3), out)
    return out


def test_many_pods_default_to_workloads_with_a_note(sixty_pods: Path) -> None:
    result = run_cli(["export", "--cluster", str(sixty_pods), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert "pods: drawing workloads (--granularity pod for every pod" in result.stderr
    assert json.loads(result.stdout)["granularity"] == "workload"
    forced = run_cli(["export", "--cluster", str(sixty_pods), "-f", "json", "--granularity", "pod"])
    assert json.loads(forced.stdout)["granularity"] == "pod"
    assert "drawing workloads" not in forced.stderr


@pytest.mark.system
def test_demo_svg_boxes_every_namespace(tmp_path: Path) -> None:
    require_tool("dot")
    out = tmp_path / "demo.svg"
    result = run_cli(["export", "-o", str(out), "--granularity", "workload"])
    assert result.exit_code == 0, result.stderr
    svg = ET.parse(out).getroot()
    titles = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")}
    for namespace in ("default", "kube-system", "monitoring", "shop"):
        assert f"cluster_{namespace}" in titles


@pytest.mark.parametrize("fmt", ["csv", "md", "dot", "mermaid", "graphml", "gexf", "cyjs"])
def test_matrix_speaks_the_export_formats(fmt: str) -> None:
    via_matrix = run_cli(["matrix", "-o", fmt, "-n", "shop"])
    via_export = run_cli(["export", "-f", fmt, "-n", "shop", "--granularity", "pod"])
    assert via_matrix.exit_code == 0, via_matrix.stderr
    assert via_matrix.stdout.rstrip("\n") == via_export.stdout.rstrip("\n")


def test_grouping_a_pod_document_by_namespace_matches_the_engine() -> None:
    from netdiag.export.graph import graph_from_document, to_namespaces

    pods = json.loads(run_cli(["export", "-f", "json", "--granularity", "pod"]).stdout)
    namespaces = json.loads(run_cli(["export", "-f", "json", "--granularity", "namespace"]).stdout)
    ours = to_namespaces(graph_from_document(pods))
    engine = graph_from_document(namespaces)
    assert [(e.source, e.target, e.ports) for e in ours.edges] == [
        (e.source, e.target, e.ports) for e in engine.edges
    ]
