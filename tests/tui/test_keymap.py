"""The user's keymap file."""

from __future__ import annotations

from pathlib import Path

from netdiag_tui.keymap import keymap_path, load_keymap


def test_path_follows_xdg_then_home() -> None:
    assert keymap_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/netdiag/keymap.toml")
    assert keymap_path({"HOME": "/h"}) == Path("/h/.config/netdiag/keymap.toml")


def test_strings_lists_and_tables(tmp_path: Path) -> None:
    f = tmp_path / "k.toml"
    f.write_text('"matrix.down" = "j,ctrl+n"\n"matrix.up" = ["k", "ctrl+p"]\n')
    assert load_keymap(f) == ({"matrix.down": "j,ctrl+n", "matrix.up": "k,ctrl+p"}, None)
    f.write_text('[keymap]\n"app.help" = "f1"\n')
    assert load_keymap(f) == ({"app.help": "f1"}, None)


def test_missing_is_empty_and_bad_is_reported(tmp_path: Path) -> None:
    assert load_keymap(tmp_path / "absent.toml") == ({}, None)
    f = tmp_path / "k.toml"
    f.write_text('"matrix.down" = 3\n')
    keymap, error = load_keymap(f)
    assert keymap == {} and error is not None and "matrix.down" in error
    f.write_text("not toml [")
    keymap, error = load_keymap(f)
    assert keymap == {} and error is not None and str(f) in error
