"""``netdiag export`` through the real entry point."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest

from netdiag.export.formats import FORMATS
from tests.export import documents
from tests.helpers import require_tool, run_cli


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "reach.json"
    path.write_text(json.dumps(documents.hostile()), encoding="utf-8")
    return path


def test_format_from_extension(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.graphml"
    result = run_cli(["export", "--input", str(saved), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert nx.read_graphml(out).number_of_nodes() == len(documents.hostile()["nodes"])


def test_stdout_and_dash(saved: Path) -> None:
    for args in (["-f", "csv"], ["-f", "csv", "-o", "-"]):
        result = run_cli(["export", "--input", str(saved), *args])
        assert result.exit_code == 0, result.stderr
        rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
        assert len(rows) == 2 * len(documents.hostile()["edges"]) - 1


def test_stdin_input() -> None:
    doc = json.dumps(documents.simple())
    result = run_cli(["export", "--input", "-", "-f", "json"], input=doc)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == documents.simple()


def test_input_at_namespace_granularity(saved: Path) -> None:
    result = run_cli(["export", "--input", str(saved), "-f", "json", "--granularity", "namespace"])
    assert result.exit_code == 0, result.stderr
    kinds = {n["kind"] for n in json.loads(result.stdout)["nodes"]}
    assert kinds == {"namespace", "cidr"}


@pytest.mark.system
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_from_the_command_line(saved: Path, tmp_path: Path, fmt: str) -> None:
    if fmt in ("svg", "png"):
        require_tool("dot")
    out = tmp_path / f"out.{fmt}"
    result = run_cli(["export", "--input", str(saved), "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "graph.txt"], "cannot tell the format from the file name 'graph.txt'"),
        ([], "no format given"),
        (["-f", "dot", "--port", "80/TCP"], "--input draws a saved document as it is"),
        (["-f", "dot", "--granularity", "pod"], "--input draws a saved document as it is"),
    ],
)
def test_usage_errors_are_one_line_exit_2(saved: Path, args: list[str], message: str) -> None:
    result = run_cli(["export", "--input", str(saved), *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"error: {message}"
    assert "Traceback" not in result.stderr


def test_bad_documents_exit_2_naming_the_field(tmp_path: Path) -> None:
    bad = documents.simple()
    bad["edges"][1]["to"] = "default/ghost"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = run_cli(["export", "--input", str(path), "-f", "dot"])
    assert result.exit_code == 2
    assert "edges[1].to 'default/ghost' is not a node id" in result.stderr
    path.write_text("{not json")
    result = run_cli(["export", "--input", str(path), "-f", "dot"])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {path}: not JSON")
    result = run_cli(["export", "--input", str(tmp_path / "missing.json"), "-f", "dot"])
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_png_refuses_a_terminal(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import netdiag.cli.export

    monkeypatch.setattr(netdiag.cli.export, "_stdout_is_tty", lambda: True)
    result = run_cli(["export", "--input", str(saved), "-f", "png"])
    assert result.exit_code == 2
    assert "refusing to write PNG to a terminal" in result.stderr


def test_missing_graphviz_exit_5(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run_cli(["export", "--input", str(saved), "-f", "svg", "-o", "/dev/null"])
    assert result.exit_code == 5
    assert result.stderr.startswith("error: Graphviz 'dot' is not installed")
    assert "hint: install Graphviz (Debian/Ubuntu: apt-get install graphviz" in result.stderr


def test_mermaid_aggregation_note_goes_to_stderr(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(documents.big(pods_per_ns=60, namespaces=5, fanout=2)))
    result = run_cli(["export", "--input", str(path), "-f", "mermaid"])
    assert result.exit_code == 0
    assert "note: Mermaid draws fewer than 500 edges" in result.stderr
    assert result.stdout.startswith("%% netdiag reachability")
