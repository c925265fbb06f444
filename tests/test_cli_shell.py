from __future__ import annotations

from netdiag import __version__
from tests.helpers import run_cli


def test_version() -> None:
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_unknown_command_is_usage_error() -> None:
    result = run_cli(["no-such-command"])
    assert result.exit_code == 2
    assert "no-such-command" in result.stderr
