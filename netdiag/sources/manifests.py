"""Manifests on disk (or stdin) -> :class:`ClusterSnapshot`. The I/O edge of loading.

Files or directories (walked recursively for ``*.yaml``, ``*.yml``, ``*.json``,
in sorted order), ``-`` for stdin; YAML multi-document streams and JSON. Every
failure is one :class:`ManifestError` naming the file and, where known, the
line or document.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.model import ClusterSnapshot
from netdiag.errors import ManifestError

SUFFIXES = (".yaml", ".yml", ".json")


def load_manifests(paths: Sequence[str], *, keep_going: bool = False) -> ClusterSnapshot:
    """Load every manifest under ``paths``.

    Raises:
        ManifestError: unreadable path, empty directory, malformed YAML/JSON, a
            document without ``kind``, or (without ``keep_going``) an invalid object.
    """
    files = [f for p in paths for f in _files(p)]
    objects: list[tuple[Mapping[str, Any], str]] = []
    for name in files:
        objects.extend(parse_documents(_read(name), name))
    return snapshot_from_objects(objects, source=", ".join(paths), keep_going=keep_going)


def _files(path: str) -> list[str]:
    if path == "-":
        return ["-"]
    p = Path(path)
    if p.is_dir():
        try:
            found = sorted(
                str(f)
                for f in p.rglob("*")
                if f.suffix.lower() in SUFFIXES and (f.is_file() or f.is_symlink())
            )
        except OSError as e:
            raise ManifestError(f"{path}: cannot read directory: {e.strerror}") from e
        if not found:
            raise ManifestError(
                f"{path}: directory holds no *.yaml, *.yml or *.json files",
                hint="point --cluster at manifests, e.g. the output of kubectl get -A -o yaml",
            )
        return found
    if not p.exists():
        raise ManifestError(f"{path}: no such file or directory")
    return [path]


def _read(name: str) -> str:
    try:
        if name == "-":
            return sys.stdin.read()
        with open(name, encoding="utf-8") as fh:
            return fh.read()
    except OSError as e:
        raise ManifestError(f"{name}: cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ManifestError(f"{name}: not UTF-8 text (byte {e.start})") from e


@dataclass(frozen=True, slots=True)
class _Document:
    data: Any
    #: 1-based line where the document starts, and where each ``items[i]`` starts
    #: (YAML only: JSON documents carry no positions).
    line: int | None = None
    item_lines: tuple[int, ...] = ()


def parse_documents(text: str, name: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Yield ``(object, origin)`` for each non-empty document of a YAML/JSON stream.

    Origins name the file, the line where known and the document:
    ``dump.yaml:120 (document 1, items[7])``. Items of a YAML list are yielded
    one by one so each gets its own line; typed lists give their kind to items.
    """
    label = "<stdin>" if name == "-" else name
    if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
        docs = _json_documents(text, label)
    else:
        docs = _yaml_documents(text, label)
    for index, doc in enumerate(docs, start=1):
        data = doc.data
        if data is None:
            continue
        where = f"{label}:{doc.line}" if doc.line else label
        origin = f"{where} (document {index})"
        if isinstance(data, list):
            data = {"kind": "List", "items": data}
        if not isinstance(data, Mapping):
            raise ManifestError(
                f"{origin}: expected a Kubernetes object, got {type(data).__name__}"
            )
        if not data.get("kind"):
            raise ManifestError(
                f"{origin}: object has no 'kind'",
                hint="every manifest needs apiVersion and kind",
            )
        yield from _split_list(data, label, index, doc, origin)


def _split_list(
    data: Mapping[str, Any], label: str, index: int, doc: _Document, origin: str
) -> Iterator[tuple[Mapping[str, Any], str]]:
    kind = str(data["kind"])
    items = data.get("items")
    if not (kind.endswith("List") and isinstance(items, list)) or len(doc.item_lines) != len(items):
        yield data, origin
        return
    item_kind = kind[: -len("List")]
    meta = data.get("metadata")
    if isinstance(meta, Mapping) and meta.get("annotations"):
        # The List's own annotations (netdiag.io/incomplete) would be lost with
        # the split: hand them to the builder as the same List without items.
        yield {"kind": kind, "metadata": meta, "items": []}, origin
    for i, (item, line) in enumerate(zip(items, doc.item_lines, strict=True)):
        item_origin = f"{label}:{line} (document {index}, items[{i}])"
        if isinstance(item, Mapping) and not item.get("kind") and item_kind:
            item = {**item, "kind": item_kind}
        if isinstance(item, Mapping) and item.get("kind"):
            yield item, item_origin
        else:  # let the builder report it (or skip it with --keep-going)
            yield {"kind": "List", "items": [item]}, item_origin


def _json_documents(text: str, label: str) -> list[_Document]:
    import json

    try:
        return [_Document(json.loads(text))]
    except json.JSONDecodeError as e:
        if not label.endswith(".json"):
            return _yaml_documents(text, label)  # YAML flow style that is not JSON
        raise ManifestError(f"{label}:{e.lineno}:{e.colno}: malformed JSON: {e.msg}") from e


def _yaml_documents(text: str, label: str) -> list[_Document]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    docs: list[_Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            docs.append(
                _Document(
                    loader.construct_document(node), node.start_mark.line + 1, _item_lines(node)
                )
            )
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        problem = e.problem or e.context or "syntax error"
        if e.problem and e.context and e.context_mark is not None:
            problem += f" ({e.context} at line {e.context_mark.line + 1})"
        raise ManifestError(f"{where}: malformed YAML: {problem}") from e
    except yaml.YAMLError as e:
        raise ManifestError(f"{label}: malformed YAML: {e}") from e
    finally:
        loader.dispose()
    return docs


def _item_lines(node: Any) -> tuple[int, ...]:
    """Start lines of the ``items`` of a mapping node (a ``kind: List``)."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return ()
    for key, value in node.value:
        if getattr(key, "value", None) == "items" and isinstance(value, yaml.SequenceNode):
            return tuple(child.start_mark.line + 1 for child in value.value)
    return ()
