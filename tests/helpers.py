"""Run the real CLI entry point in-process and capture what a user would see."""

from __future__ import annotations

from dataclasses import dataclass

from click.testing import CliRunner

from netdiag.cli import main


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], input: str | None = None) -> Result:
    """Call ``netdiag.cli.main(args)`` like the console script does."""
    runner = CliRunner()
    code = 0
    with runner.isolation(input=input) as streams:
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Result(exit_code=code, stdout=out.decode(), stderr=err.decode())
