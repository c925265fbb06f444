"""Text presentations: glyph always paired with colour, e2e truth tables, split wide tables."""

from __future__ import annotations

from dataclasses import replace

from netdiag.policy.evaluate import evaluate
from netdiag.policy.matrix import Matrix
from netdiag.policy.render import Style, matrix_lines, truth_table, verdict_lines
from tests.policy.conftest import e2e_cluster, e2e_pod, policy

DENY_X = policy("x", "deny")


def test_colour_never_replaces_the_glyph() -> None:
    m = Matrix(e2e_cluster([DENY_X]), policy_cidrs=False)
    plain = "\n".join(matrix_lines(m, Style()))
    colour = "\n".join(matrix_lines(m, Style(color=True, unicode=True)))
    assert "\x1b[" not in plain and "X" in plain and "." in plain
    assert "\x1b[31m✗\x1b[0m" in colour and "\x1b[32m✓\x1b[0m" in colour


def test_truth_table_is_tab_separated_e2e_format() -> None:
    lines = truth_table(Matrix(e2e_cluster([DENY_X]), policy_cidrs=False)).splitlines()
    assert lines[0] == "-\tx/a\tx/b\tx/c\ty/a\ty/b\ty/c\tz/a\tz/b\tz/c"
    assert lines[4] == "y/a\tX\tX\tX\t.\t.\t.\t.\t.\t."


def test_wide_tables_split_into_numbered_column_blocks() -> None:
    out = list(matrix_lines(Matrix(e2e_cluster([DENY_X]), policy_cidrs=False), Style(width=16)))
    blocks = [line for line in out if line.startswith("destinations ")]
    assert len(blocks) >= 2 and blocks[0].startswith("destinations 1-")
    assert any(line.startswith("1 x/a") for line in out)
    assert all(
        len(line) <= 16
        for line in out
        if not line.startswith(("rows:", "note", "*", "destinations"))
    )


def test_synthetic_ips_are_marked() -> None:
    pods = [replace(e2e_pod("x", "a", 0), synthetic_ip=True), e2e_pod("y", "b", 1)]
    text = "\n".join(matrix_lines(Matrix(e2e_cluster(pods=pods), policy_cidrs=False), Style()))
    assert "x/a*" in text and "synthetic IP" in text


def test_verdict_text_names_both_sides() -> None:
    lines = list(verdict_lines(evaluate(e2e_cluster([DENY_X]), "y/a", "x/a"), Style()))
    assert lines[0] == "y/a → x/a: DENIED"
    assert "egress of y/a: not isolated (no policy selects it)" in lines[1]
    assert "ingress of x/a: isolated by x/deny" in lines[2]
