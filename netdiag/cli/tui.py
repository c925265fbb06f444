"""``netdiag tui``: the interactive Textual app over the same snapshot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import click

from netdiag.cli.options import load_snapshot, snapshot_options, source_from
from netdiag.errors import UsageError

_MODES = ("resolve", "matrix", "policies", "overview")


def _import_app() -> Any:
    """``netdiag_tui`` when installed; from a source checkout, the ``tui/`` folder."""
    if "netdiag_tui" not in sys.modules and importlib.util.find_spec("netdiag_tui") is None:
        root = Path(__file__).resolve().parents[2] / "tui"
        spec = importlib.util.spec_from_file_location(
            "netdiag_tui", root / "__init__.py", submodule_search_locations=[str(root)]
        )
        if spec is None or spec.loader is None or not (root / "__init__.py").exists():
            raise UsageError(
                "the TUI package (netdiag_tui) is not installed",
                hint="reinstall netdiag: pip install netdiag",
            )
        module = importlib.util.module_from_spec(spec)
        sys.modules["netdiag_tui"] = module
        spec.loader.exec_module(module)
    return importlib.import_module("netdiag_tui.app")


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
    :ns NAME :q), '/' filter, '?' help, 'esc' back, '0' all namespaces,
    ctrl+s save, ctrl+p command palette. Remap keys in
    $XDG_CONFIG_HOME/netdiag/keymap.toml.
    """
    source = source_from(params)
    if "-" in source.cluster:
        raise UsageError(
            "--cluster -: the TUI reads your keys from stdin, so it cannot read manifests there",
            hint="save them to a file first (kubectl get ... -o yaml > cluster.yaml)",
        )
    snapshot = load_snapshot(source)
    app_module = _import_app()
    app = app_module.NetdiagApp(
        snapshot,
        source=source,
        watch=not no_watch,
        ascii_glyphs=ascii_glyphs,
        start_mode=screen,
    )
    app.run()
