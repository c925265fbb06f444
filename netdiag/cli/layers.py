"""Policy layers a command's answer does not take into account: one ``warning:`` line each."""

from __future__ import annotations

import click

from netdiag.cluster.model import ClusterSnapshot


def warn_unevaluated(snapshot: ClusterSnapshot) -> None:
    """One ``warning:`` line on stderr per policy kind present but not evaluated.

    The kinds and groups come from netdiag's own table, never from the input,
    so the line holds no attacker-controlled text.
    """
    for layer in snapshot.unevaluated_layers:
        click.echo(f"warning: {layer.warning}", err=True)
