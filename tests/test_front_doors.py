"""Same question, same answer, in every front door.

The CLI (JSON and text), the TUI's engine adapter, ``netdiag export -f json``
and ``netdiag audit`` all answer from :mod:`netdiag.app`; these tests ask each
of them the same questions — on the bundled demo and on a generated cluster —
and require identical answers: resolution (resolved, winner, target namespace)
per name and namespace, every matrix cell (external pairs, implementation-
defined cells and synthetic-IP markers included), reach verdicts, findings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netdiag.app.session import Session
from netdiag.app.source import Source
from tests.helpers import run_cli

NAMES = ("baidu.com", "www.baidu.com", "tke-six-six-six", "kube-dns.kube-system", "nope.invalid")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    from benchmarks.gencluster import generate, write_manifests

    root = tmp_path_factory.mktemp("gen")
    write_manifests(generate(pods=60, namespaces=4, policies=12, seed=7), root)
    return str(root)


def _source_args(cluster: str | None) -> list[str]:
    return ["--cluster", cluster] if cluster else []


def _session(cluster: str | None) -> Session:
    return Session.open(Source(cluster=(cluster,) if cluster else ()))


def _cli_json(args: list[str]) -> Any:
    result = run_cli([*args, "-o", "json"])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("which", ["demo", "generated"])
def test_resolution_is_the_same_in_cli_and_tui(which: str, generated: str) -> None:
    from netdiag_tui.trace_view import trace

    cluster = generated if which == "generated" else None
    session = _session(cluster)
    for namespace in session.namespaces()[:4]:
        for name in NAMES:
            doc = _cli_json(["resolve", name, "--ns", namespace, *_source_args(cluster)])
            view = trace(session, name, namespace=namespace)
            assert view.error == ("" if doc["resolved"] else doc.get("error") or "")
            assert view.resolved == doc["resolved"], (name, namespace)
            winner = (doc.get("answer") or {}).get("name") or ""
            assert view.winner == winner, (name, namespace)
            assert view.target_namespace == ((doc.get("target") or {}).get("namespace") or "")
            assert len(view.queries) == len(doc["queries"]), (name, namespace)
            assert view.notes == tuple(doc.get("notes") or ())


def test_demo_external_name_resolves_in_the_tui_as_in_the_cli() -> None:
    """Regression: the TUI built its own zone without the demo's upstream zone."""
    from netdiag_tui.trace_view import trace

    view = trace(_session(None), "baidu.com", namespace="default")
    assert view.resolved and view.winner == "baidu.com."
    assert any(a.startswith("39.156.66.") for a in view.answers)


def _cells_from_document(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    cells: dict[tuple[str, str], str] = {}
    for edge in doc["edges"]:
        mark = "?" if edge.get("implementation_defined") else "allowed"
        cells[(edge["from"], edge["to"])] = mark
    return cells


@pytest.mark.parametrize("which", ["demo", "generated"])
@pytest.mark.parametrize("granularity", ["pod", "namespace"])
def test_matrix_cells_are_the_same_in_cli_export_and_tui(
    which: str, granularity: str, generated: str, tmp_path: Path
) -> None:
    from netdiag_tui.matrix_view import MatrixRequest, Verdict, matrix

    cluster = generated if which == "generated" else None
    args = ["--granularity", granularity, "--external", "203.0.113.0/24", *_source_args(cluster)]
    cli = _cli_json(["matrix", *args])
    out = tmp_path / "m.json"
    exported = run_cli(["export", "-f", "json", "-o", str(out), *args])
    assert exported.exit_code == 0, exported.stderr
    export_doc = json.loads(out.read_text())
    assert export_doc["nodes"] == cli["nodes"]
    assert _cells_from_document(export_doc) == _cells_from_document(cli)

    session = _session(cluster)
    engine_matrix = session.matrix(granularity=granularity, externals=("203.0.113.0/24",))
    tui = matrix(session, MatrixRequest(granularity=granularity))
    # The TUI's matrix has no --external; compare the nodes both have.
    cli_cells = _cells_from_document(cli)
    ids = [n.id for n in tui.rows]
    assert set(ids) <= {n["id"] for n in cli["nodes"]}
    for i, src in enumerate(tui.rows):
        for j, dst in enumerate(tui.cols):
            if i == j:
                continue
            got = tui.cell(i, j)
            want = cli_cells.get((src.id, dst.id))
            if src.kind == "cidr" and dst.kind == "cidr":
                assert got is Verdict.NONE, (src.id, dst.id)
            elif want == "?":
                assert got is Verdict.UNKNOWN, (src.id, dst.id)
            elif want == "allowed":
                assert got is Verdict.ALLOWED, (src.id, dst.id)
            else:
                assert got is Verdict.DENIED, (src.id, dst.id)
    assert engine_matrix.rows[0].id == cli["nodes"][0]["id"]


@pytest.mark.parametrize("which", ["demo", "generated"])
def test_reach_verdicts_are_the_same_in_cli_and_tui(which: str, generated: str) -> None:
    from netdiag_tui.matrix_view import MatrixRequest, Verdict, matrix

    cluster = generated if which == "generated" else None
    session = _session(cluster)
    tui = matrix(session, MatrixRequest(granularity="pod"))
    pods = [i for i, n in enumerate(tui.rows) if n.kind == "pod"][:8]
    for i in pods:
        for j in pods:
            if i == j:
                continue
            src, dst = tui.rows[i].id, tui.cols[j].id
            doc = _cli_json(["reach", src, dst, *_source_args(cluster)])
            expected = {"allowed": Verdict.ALLOWED, "denied": Verdict.DENIED}.get(
                doc["verdict"], Verdict.UNKNOWN
            )
            assert tui.cell(i, j) is expected, (src, dst, doc["verdict"])
            assert session.reach(src, dst).verdict.value == doc["verdict"]


@pytest.mark.parametrize("which", ["demo", "generated"])
def test_findings_are_the_same_in_audit_and_tui(which: str, generated: str) -> None:
    from netdiag_tui.engine import audit

    cluster = generated if which == "generated" else None
    doc = _cli_json(["audit", *_source_args(cluster)])
    tui = audit(_session(cluster))
    assert [(f.code, f.message) for f in tui] == [(f["id"], f["message"]) for f in doc["findings"]]


# -- one validation, in every command -------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "baidu.com", "--ns", "defualt"],
        ["matrix", "-n", "defualt"],
        ["audit", "-n", "defualt", "--fail-on", "info"],
        ["export", "-f", "json", "-n", "defualt"],
    ],
)
def test_unknown_namespace_is_one_error_with_did_you_mean(args: list[str]) -> None:
    result = run_cli(args)
    assert result.exit_code == 2, result.stdout
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert errors == ["error: -n 'defualt': no such namespace in the snapshot"], result.stderr
    assert "hint: did you mean default?" in result.stderr


def test_reach_between_two_external_ranges_is_not_an_answer() -> None:
    """Regression: ALLOWED where the matrix shows '-' (no policy judges that traffic)."""
    result = run_cli(["reach", "0.0.0.0/0", "203.0.113.0/24"])
    assert result.exit_code == 2
    assert "neither end is a pod or Service" in result.stderr
