"""The ``netdiag`` command line: a Click group whose commands load lazily.

Only Click and netdiag's own pure modules are imported here; each command
module is imported when that command runs (or when ``--help`` lists them), and
heavy packages are imported inside the command bodies.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from netdiag import __version__
from netdiag.errors import ExitCode, NetdiagError
from netdiag.visible import visible

#: command name -> "module:attribute". Each command lives in its own module.
COMMANDS: dict[str, str] = {
    "snapshot": "netdiag.cli.snapshot:snapshot",
    "resolve": "netdiag.cli.resolve:resolve",
    "dns": "netdiag.cli.dns:dns",
    "matrix": "netdiag.cli.matrix:matrix",
    "reach": "netdiag.cli.reach:reach",
    "export": "netdiag.cli.export:export",
    "audit": "netdiag.cli.audit:audit",
    "diff": "netdiag.cli.diff:diff",
    "replay": "netdiag.cli.replay:replay",
    "tui": "netdiag.cli.tui:tui",
    "completion": "netdiag.cli.completion:completion",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is used.

    The pattern from Click's documentation ("Complex Applications"); commands
    whose module is not present yet are simply not listed.
    """

    commands_map: dict[str, str] = COMMANDS

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(n for n in self.commands_map if self._load(n) is not None)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self._load(cmd_name)

    def _load(self, name: str) -> click.Command | None:
        target = self.commands_map.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name == module_name:
                return None
            raise
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        return command


def prog_name() -> str:
    """``kubectl netdiag`` when run as a kubectl plugin, else ``netdiag``."""
    base = os.path.basename(sys.argv[0]) if sys.argv else "netdiag"
    if base.startswith("kubectl-netdiag") or base.startswith("kubectl_netdiag"):
        return "kubectl netdiag"
    return "netdiag"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="netdiag")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Kubernetes DNS and network-isolation diagnostics.

    netdiag is read-only: it never changes a cluster. Without --cluster,
    --context, --kubeconfig or --live it works on a bundled demo cluster.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def report(error: NetdiagError) -> None:
    """The one place that prints an error for the user."""
    # Messages quote names from the input: never let them drive the terminal.
    click.echo(f"error: {visible(error.message)}", err=True)
    if error.hint:
        click.echo(f"hint: {visible(error.hint)}", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point for ``netdiag`` and ``kubectl-netdiag``."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        rv = cli.main(args=args, prog_name=prog_name(), standalone_mode=False)
    except NetdiagError as e:
        if debug:
            raise
        report(e)
        sys.exit(int(e.exit_code))
    except click.exceptions.Abort:
        click.echo("error: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv if isinstance(rv, int) else 0)
