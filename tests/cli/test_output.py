"""Chunked output: the bytes written are exactly the lines, however they fall into chunks."""

from __future__ import annotations

import click
from click.testing import CliRunner

from netdiag.cli import output


def _run(lines: list[str]) -> tuple[str, int]:
    calls = []
    real = click.echo

    def counting_echo(*args: object, **kwargs: object) -> None:
        calls.append(1)
        real(*args, **kwargs)  # type: ignore[arg-type]

    @click.command()
    def cmd() -> None:
        output.write_lines(lines)

    import unittest.mock

    with unittest.mock.patch.object(output.click, "echo", counting_echo):
        result = CliRunner().invoke(cmd)
    assert result.exit_code == 0, result.output
    return result.output, len(calls)


def test_lines_span_several_chunks_without_loss_or_reordering() -> None:
    lines = [f"line {i} " + "x" * (i % 97) for i in range(20_000)]
    text, writes = _run(lines)
    assert text == "".join(line + "\n" for line in lines)
    # Fewer writes than lines, more than one: the output was chunked.
    assert 1 < writes < len(lines) // 100


def test_empty_lines_are_kept_and_no_lines_writes_nothing() -> None:
    assert _run(["", "a", ""])[0] == "\na\n\n"
    assert _run([]) == ("", 0)
