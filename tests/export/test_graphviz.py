from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netdiag.errors import ExitCode, ToolMissingError
from netdiag.export.dot import render_dot
from netdiag.export.graph import graph_from_document
from netdiag.export.graphviz import GraphvizError, render_image
from tests.export import documents
from tests.helpers import require_tool

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.system
def test_svg_and_png_from_the_real_program() -> None:
    require_tool("dot")
    dot_text = render_dot(graph_from_document(documents.hostile()))
    svg = render_image(dot_text, "svg")
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert b"&lt;script&gt;" in svg and b"<script>" not in svg
    assert render_image(dot_text, "png").startswith(PNG_MAGIC)


def test_missing_dot_is_exit_5_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolMissingError) as caught:
        render_image("digraph {}", "svg")
    assert caught.value.exit_code == ExitCode.TOOL_MISSING
    assert caught.value.hint is not None and "apt-get install graphviz" in caught.value.hint


@pytest.mark.system
def test_dot_failure_is_reported_not_raised_raw() -> None:
    require_tool("dot")
    with pytest.raises(GraphvizError, match="failed"):
        render_image("digraph { this is not dot", "svg")


def test_a_killed_dot_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\nkill -9 $$\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizError, match="killed by signal 9") as caught:
        render_image("digraph {}", "svg")
    assert caught.value.hint is not None and "out of memory" in caught.value.hint
