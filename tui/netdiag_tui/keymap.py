"""The user's keymap file: binding id -> keys, applied with ``App.set_keymap``.

``$XDG_CONFIG_HOME/netdiag/keymap.toml`` (default ``~/.config/netdiag/keymap.toml``)::

    # binding id = "comma,separated,keys"   (ids are listed by ``?``)
    "matrix.down" = "j,down,ctrl+n"
    "app.command" = "colon,semicolon"

A ``[keymap]`` table is accepted too. A bad file is reported, never fatal.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path


def keymap_path(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME", "~"), ".config")
    return Path(base).expanduser() / "netdiag" / "keymap.toml"


def load_keymap(path: Path) -> tuple[dict[str, str], str | None]:
    """The keymap in ``path`` (empty when absent) and an error message if it is bad."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return {}, f"{path}: {e}"
    table = data.get("keymap", data)
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            return {}, f"{path}: {binding_id}: expected a string of comma-separated keys"
        keymap[str(binding_id)] = keys
    return keymap, None
