"""Hostile names through every text output: shown, never obeyed; CSV cells never formulas."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from netdiag.visible import csv_cell, visible, visible_lines
from tests.helpers import run_cli

#: OSC 0 (retitle the terminal), CR, RIGHT-TO-LEFT OVERRIDE, newline, tab.
EVIL = "evil\x1b]0;pwned\x07\r\u202e\nx\ty"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202e]")


def manifests(tmp_path: Path, name: str = EVIL, formula_ns: str = "default") -> str:
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": n, "namespace": ns, "labels": {"app": "a"}},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
            "status": {"podIP": ip},
        }
        for n, ns, ip in (
            (name, "default", "10.0.0.1"),
            ("=cmd|' /C calc'!A0", formula_ns, "10.0.0.2"),
            ("plain", "default", "10.0.0.3"),
        )
    ]
    f = tmp_path / "pods.json"
    f.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}))
    return str(f)


def raw_controls(text: str) -> list[str]:
    """Control characters other than the line breaks between output lines."""
    return RAW.findall(text)


@pytest.mark.parametrize(
    "args",
    [
        ["matrix"],
        ["matrix", "-o", "truthtable"],
        ["snapshot"],
        ["audit"],
        ["reach", f"default/{EVIL}", "default/plain"],
    ],
    ids=["matrix", "truthtable", "snapshot", "audit", "reach"],
)
def test_text_outputs_show_control_characters(tmp_path: Path, args: list[str]) -> None:
    r = run_cli([*args, "--cluster", manifests(tmp_path)])
    assert r.exit_code in (0, 1), r.stderr
    assert raw_controls(r.stdout + r.stderr) == []
    assert visible(EVIL) in r.stdout or "evil\\x1b]0;pwned\\x07\\x0d\\u202e" in r.stdout


def test_matrix_rows_are_not_split_by_a_newline_in_a_name(tmp_path: Path) -> None:
    r = run_cli(["matrix", "--cluster", manifests(tmp_path)])
    rows = [line for line in r.stdout.splitlines() if "default/" in line]
    assert len(rows) == 3, r.stdout


def test_error_lines_show_control_characters(tmp_path: Path) -> None:
    r = run_cli(
        ["reach", "default/nope\x1b]0;x\x07", "default/plain", "--cluster", manifests(tmp_path)]
    )
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and raw_controls(r.stderr) == []
    assert "\\x1b]0;x\\x07" in r.stderr


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    r = run_cli(["matrix", "-o", "csv", "--cluster", manifests(tmp_path, formula_ns="=1+1")])
    assert r.exit_code == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    cells = [cell for row in rows[1:] for cell in (row[0], row[2], row[3], row[5])]
    assert "'=1+1" in cells and "'=1+1/=cmd|' /C calc'!A0" in cells
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_duplicates_are_warned_in_every_command(tmp_path: Path) -> None:
    path = manifests(tmp_path, "p")
    twice = tmp_path / "again.json"
    twice.write_text(Path(path).read_text())
    for command in (["matrix"], ["audit"], ["snapshot"]):
        r = run_cli([*command, "--cluster", path, "--cluster", str(twice)])
        assert "duplicate, replaces" in r.stderr, command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain name", "plain name"),
        ("a\x1b]0;t\x07", "a\\x1b]0;t\\x07"),
        ("cr\rlf\n", "cr\\x0dlf\\x0a"),
        ("\u202egnp.exe", "\\u202egnp.exe"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("ünïcödé", "ünïcödé"),
    ],
)
def test_visible(text: str, expected: str) -> None:
    assert visible(text) == expected


def test_visible_lines_keeps_layout_and_our_colours_only() -> None:
    ours = "a\tb\n\x1b[32m✓\x1b[0m"
    assert visible_lines(ours, sgr=True) == ours
    assert visible_lines(ours) == "a\tb\n\\x1b[32m✓\\x1b[0m"
    assert visible_lines("\x1b[31mx\x1b]0;t\x07", sgr=True) == "\x1b[31mx\\x1b]0;t\\x07"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cell_prefixes_formula_starts(start: str) -> None:
    assert csv_cell(start + "1+1") == "'" + start + "1+1"
    assert csv_cell("default/web") == "default/web"


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "md"])
def test_drawn_formats_hold_no_raw_controls(tmp_path: Path, fmt: str) -> None:
    r = run_cli(["matrix", "-o", fmt, "--cluster", manifests(tmp_path)])
    assert r.exit_code == 0, r.stderr
    assert raw_controls(r.stdout) == []


def test_duplicate_warnings_go_to_a_given_sink(tmp_path: Path) -> None:
    """The TUI passes its own sink: stderr would draw over the running app."""
    from netdiag.app.source import Source, load_snapshot

    path = manifests(tmp_path, "p")
    twice = tmp_path / "again.json"
    twice.write_text(Path(path).read_text())
    seen: list[str] = []
    load_snapshot(Source(cluster=(path, str(twice))), warn=seen.append)
    assert seen and all(w.startswith("warning: ") and "duplicate" in w for w in seen)
