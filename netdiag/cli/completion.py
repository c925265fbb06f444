"""``netdiag completion bash|zsh|fish``: print a shell completion script (Click's)."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL.

    \b
    bash:  eval "$(netdiag completion bash)"        (in ~/.bashrc)
    zsh:   eval "$(netdiag completion zsh)"         (in ~/.zshrc)
    fish:  netdiag completion fish > ~/.config/fish/completions/netdiag.fish
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root()
    # The script completes the executable; as a kubectl plugin that is kubectl-netdiag.
    prog = "kubectl-netdiag" if (root.info_name or "").startswith("kubectl") else "netdiag"
    complete_var = f"_{prog}_COMPLETE".replace("-", "_").upper()
    cls = get_completion_class(shell)
    assert cls is not None  # every choice is a built-in Click shell
    click.echo(cls(root.command, {}, prog, complete_var).source())
