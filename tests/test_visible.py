"""netdiag.visible: whatever the text, what is printed cannot drive a terminal or a spreadsheet."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netdiag.visible import csv_cell, visible, visible_lines


@given(st.text())
def test_visible_is_always_printable_and_identity_on_printable_text(text: str) -> None:
    out = visible(text)
    assert out.isprintable()
    if text.isprintable():
        assert out == text


@given(st.text())
def test_visible_lines_keeps_only_layout_controls(text: str) -> None:
    out = visible_lines(text)
    assert all(c.isprintable() or c in "\n\t" for c in out)
    assert out.count("\n") == text.count("\n")


@given(st.text(), st.sampled_from(["31", "32;1", "0"]))
def test_sgr_kept_only_when_asked(text: str, code: str) -> None:
    painted = f"\x1b[{code}m{text}\x1b[0m"
    out = visible_lines(painted, sgr=True)
    assert out.startswith(f"\x1b[{code}m") and out.endswith("\x1b[0m")
    assert "\x1b" not in visible_lines(painted)


@given(st.text())
def test_csv_cells_never_start_a_formula(text: str) -> None:
    assert not csv_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))
