"""``netdiag tui``: the interactive Textual app over the same snapshot."""

from __future__ import annotations

from typing import Any

import click

from netdiag.cli.options import note, snapshot_options, source_from, warn
from netdiag.errors import UsageError

_MODES = ("resolve", "matrix", "policies", "overview")


@click.command()
@snapshot_options
@click.option(
    "--screen",
    type=click.Choice(_MODES),
    default="resolve",
    show_default=True,
    help="Screen to start on.",
)
@click.option("--no-watch", is_flag=True, help="Do not follow changes to the source.")
@click.option("--ascii", "ascii_glyphs", is_flag=True, help="Matrix glyphs . X ? instead of ✓ ✗ ?.")
def tui(screen: str, no_watch: bool, ascii_glyphs: bool, **params: Any) -> None:
    """Explore DNS and reachability interactively (read-only).

    Keys follow k9s: ':' commands (:resolve :matrix :policies :overview
    :ns NAME :port 443/TCP :q; a unique prefix is enough, Tab completes),
    '/' filter, '?' help, 'esc' back, '0' all namespaces, ctrl+s saves what
    the screen shows, ctrl+p command palette. Remap keys in
    $XDG_CONFIG_HOME/netdiag/keymap.toml.
    """
    source = source_from(params)
    if "-" in source.cluster:
        raise UsageError(
            "--cluster -: the TUI reads your keys from stdin, so it cannot read manifests there",
            hint="save them to a file first (kubectl get ... -o yaml > cluster.yaml)",
        )
    from netdiag.app.source import load_snapshot

    snapshot = load_snapshot(source, note=note, warn=warn)
    from netdiag_tui.app import NetdiagApp
    from netdiag_tui.terminal import terminal_on_stderr

    app = NetdiagApp(
        snapshot,
        source=source,
        watch=not no_watch,
        ascii_glyphs=ascii_glyphs,
        start_mode=screen,
    )
    with terminal_on_stderr():  # Textual draws on stderr: `2>/dev/null` must not blank it
        app.run()
