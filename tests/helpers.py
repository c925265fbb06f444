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


def require_tool(name: str) -> str:
    """Path of a system tool the test needs: skip locally, fail in CI when missing."""
    import shutil

    import pytest

    from tests.conftest import IN_CI

    path = shutil.which(name)
    if path is None:
        message = f"system tool {name!r} is not installed"
        if IN_CI:
            pytest.fail(message + " (CI must install it: see .ci/run)")
        pytest.skip(message)
    return path


def require_root() -> None:
    """Skip locally, fail in CI, when the test needs root (netns, port 53, mounts)."""
    import os

    import pytest

    from tests.conftest import IN_CI

    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("this test needs root (CI runs as root)")
        pytest.skip("needs root")
