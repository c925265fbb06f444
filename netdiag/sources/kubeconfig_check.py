"""Checking a kubeconfig before the ``kubernetes`` client reads it.

The client takes whatever YAML it is given and fails deep inside with
``TypeError``/``ParserError``/``RecursionError`` tracebacks; this module reads
each file within the :mod:`netdiag.limits` (a regular file, at most
``file_bytes``), parses it safely and checks the shape client-go's
``clientcmd/api/v1`` ``Config`` has: a mapping whose ``clusters``, ``contexts``
and ``users`` are lists of named entries. Every problem is one
:class:`ConfigError` (exit 3) naming the file and field.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Any

from netdiag.errors import ConfigError
from netdiag.limits import Limits
from netdiag.sources.bounded import read_at_most

#: list field -> the key of each entry's body (``clusters[i].cluster``).
_LISTS = {"clusters": "cluster", "contexts": "context", "users": "user"}


def read_kubeconfig(path: str, limits: Limits) -> Mapping[str, Any]:
    """The parsed kubeconfig ``path``; ConfigError for anything client-go would refuse."""
    raw = _read(path, limits)
    data = _parse(path, raw)
    if data is None:
        return {}
    if b"&" in raw:  # YAML anchors: bound what their aliases repeat, as for manifests
        from netdiag.limits import LimitError
        from netdiag.sources.bounded import check_document

        try:
            check_document(data, f"kubeconfig {path}", limits)
        except LimitError as e:
            raise ConfigError(e.message, hint=e.hint) from None
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"kubeconfig {path}: expected a mapping (apiVersion, kind: Config, ...), "
            f"got {type(data).__name__}"
        )
    for key, body in _LISTS.items():
        entries = data.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ConfigError(f"kubeconfig {path}: {key}: must be a list")
        for i, entry in enumerate(entries):
            where = f"kubeconfig {path}: {key}[{i}]"
            if not isinstance(entry, Mapping):
                raise ConfigError(f"{where}: must be a mapping with name and {body}")
            if not isinstance(entry.get("name"), str):
                raise ConfigError(f"{where}.name: must be a string")
            if not isinstance(entry.get(body) or {}, Mapping):
                raise ConfigError(f"{where}.{body}: must be a mapping")
    current = data.get("current-context")
    if current is not None and not isinstance(current, str):
        raise ConfigError(f"kubeconfig {path}: current-context: must be a string")
    return data


def check_server(configs: list[Mapping[str, Any]], context: str, paths: str) -> None:
    """ConfigError when ``context``'s cluster names no server (client-go: "no server found")."""
    ctx = _named(configs, "contexts", context)
    if ctx is None:
        return  # the client reports a missing context itself
    cluster_name = (ctx.get("context") or {}).get("cluster")
    cluster = _named(configs, "clusters", cluster_name) if isinstance(cluster_name, str) else None
    server = (cluster or {}).get("cluster", {}) or {}
    if not isinstance(server.get("server"), str) or not server["server"].strip():
        raise ConfigError(
            f"kubeconfig {paths}: context {context!r}: cluster {cluster_name!r} has no server",
            hint="set clusters[].cluster.server, e.g. https://127.0.0.1:6443",
        )


def _named(configs: list[Mapping[str, Any]], key: str, name: str) -> Mapping[str, Any] | None:
    # The first file that defines a name wins, as with client-go's merge.
    for config in configs:
        for entry in config.get(key) or ():
            if entry.get("name") == name:
                return entry  # type: ignore[no-any-return]
    return None


def _read(path: str, limits: Limits) -> bytes:
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(f"kubeconfig {path}: not a regular file")
        with open(path, "rb") as f:
            data = read_at_most(f, limits.file_bytes)
    except OSError as e:
        raise ConfigError(f"kubeconfig {path}: cannot read: {e.strerror or e}") from e
    if len(data) > limits.file_bytes:
        raise ConfigError(
            f"kubeconfig {path}: more than {limits.file_bytes} bytes",
            hint="if the file is trusted, raise the limit: NETDIAG_MAX_FILE_BYTES=N",
        )
    return data


def _parse(path: str, data: bytes) -> Any:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(data, Loader=loader_class)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ConfigError(f"kubeconfig {where}: malformed YAML: {e.problem or e.context}") from e
    except yaml.YAMLError as e:
        raise ConfigError(f"kubeconfig {path}: malformed YAML: {' '.join(str(e).split())}") from e
    except RecursionError:
        raise ConfigError(f"kubeconfig {path}: nested too deep") from None
    except (ValueError, TypeError) as e:
        raise ConfigError(f"kubeconfig {path}: invalid YAML value: {e}") from None
