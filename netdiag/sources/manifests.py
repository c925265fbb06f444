"""Manifests on disk (or stdin) -> :class:`ClusterSnapshot`. The I/O edge of loading.

Files or directories (walked recursively for ``*.yaml``, ``*.yml``, ``*.json``,
in sorted order), ``-`` for stdin; YAML multi-document streams and JSON. Every
failure is one :class:`ManifestError` naming the file and, where known, the
line or document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.cache import is_cache
from netdiag.cluster.model import ClusterSnapshot
from netdiag.errors import ManifestError
from netdiag.limits import DEFAULTS, LimitError, Limits, current
from netdiag.sources.bounded import check_document, needs_check, read_text

SUFFIXES = (".yaml", ".yml", ".json")


def load_manifests(
    paths: Sequence[str], *, keep_going: bool = False, limits: Limits | None = None
) -> ClusterSnapshot:
    """Load every manifest under ``paths``, within ``limits`` (default: the environment's).

    Raises:
        ManifestError: unreadable path, empty directory, no objects at all, a device
            or FIFO, malformed YAML/JSON, a document without ``kind``, or (without
            ``keep_going``) an invalid object.
        LimitError: an input past one of :mod:`netdiag.limits`.
    """
    limits = current() if limits is None else limits
    files = [f for p in paths for f in _files(p)]
    objects: list[tuple[Mapping[str, Any], str]] = []
    for name in files:
        text = read_text(name, limits)
        if is_cache(text):
            return _cached(text, name, len(files))
        objects.extend(parse_documents(text, name, limits))
    if not any(_is_object(obj) for obj, _origin in objects):
        where = ", ".join("<stdin>" if p == "-" else p for p in paths)
        raise ManifestError(
            f"no Kubernetes objects in {where}",
            hint="give manifests, e.g. the output of kubectl get -A -o yaml",
        )
    return snapshot_from_objects(
        objects, source=", ".join(paths), keep_going=keep_going, limits=limits
    )


def _is_object(obj: Mapping[str, Any]) -> bool:
    """Not a List that holds nothing (its annotations are passed on without items)."""
    return not (str(obj.get("kind", "")).endswith("List") and obj.get("items") == [])


def read_objects(
    paths: Sequence[str], limits: Limits | None = None
) -> list[tuple[Mapping[str, Any], str]]:
    """Every ``(object, origin)`` of the manifests under ``paths``, Lists split,
    read within ``limits`` (default: the environment's)."""
    limits = current() if limits is None else limits
    objects: list[tuple[Mapping[str, Any], str]] = []
    for name in [f for p in paths for f in _files(p)]:
        objects.extend(parse_documents(read_text(name, limits), name, limits))
    return objects


def _cached(text: str, name: str, files: int) -> ClusterSnapshot:
    """A snapshot cache (``netdiag snapshot -o cache``): the model as it was saved."""
    from dataclasses import replace

    from netdiag.cluster.cache import CacheError, load_cache

    label = "<stdin>" if name == "-" else name
    if files > 1:
        raise ManifestError(
            f"{label}: a snapshot cache must be the only --cluster source",
            hint="load the manifests together and save one cache of them",
        )
    try:
        snap = load_cache(text)
    except CacheError as e:
        raise ManifestError(
            f"{label}: unusable snapshot cache: {e}",
            hint="write it again: netdiag snapshot --cluster MANIFESTS -o cache > FILE",
        ) from e
    return replace(snap, source=f"{label} (snapshot cache of {snap.source})")


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


@dataclass(frozen=True, slots=True)
class _Document:
    data: Any
    #: 1-based line where the document starts, and where each ``items[i]`` starts
    #: (YAML only: JSON documents carry no positions).
    line: int | None = None
    item_lines: tuple[int, ...] = ()


def parse_documents(
    text: str, name: str, limits: Limits = DEFAULTS
) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Yield ``(object, origin)`` for each non-empty document of a YAML/JSON stream.

    Origins name the file, the line where known and the document:
    ``dump.yaml:120 (document 1, items[7])``. Items of a YAML list are yielded
    one by one so each gets its own line; typed lists give their kind to items.
    """
    label = "<stdin>" if name == "-" else name
    if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
        docs = _json_documents(text, label, limits)
    else:
        docs = _yaml_documents(text, label, limits)
    walk = needs_check(text)
    for index, doc in enumerate(docs, start=1):
        data = doc.data
        if data is None:
            continue
        where = f"{label}:{doc.line}" if doc.line else label
        origin = f"{where} (document {index})"
        if walk:
            data = check_document(data, origin, limits)
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
    if kind.endswith("List") and items is not None and not isinstance(items, list):
        raise ManifestError(f"{origin}: items: must be a list, not {type(items).__name__}")
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


def _json_documents(text: str, label: str, limits: Limits) -> list[_Document]:
    import json

    try:
        return [_Document(json.loads(text))]
    except json.JSONDecodeError as e:
        if not label.endswith(".json"):
            return _yaml_documents(text, label, limits)  # YAML flow style that is not JSON
        raise ManifestError(f"{label}:{e.lineno}:{e.colno}: malformed JSON: {e.msg}") from e
    except RecursionError:
        raise LimitError("nesting", label, f"more than {limits.nesting} levels", limits) from None
    except ValueError as e:  # an integer of more than 4300 digits
        raise ManifestError(f"{label}: malformed JSON: {_short(e)}") from None


def _short(e: BaseException) -> str:
    return str(e).partition(";")[0]


def _yaml_documents(text: str, label: str, limits: Limits) -> list[_Document]:
    import yaml

    from netdiag.cluster import yamlstream

    if hasattr(yaml, "CSafeLoader"):
        # Built from libyaml's events: no node tree of the whole dump in memory.
        try:
            with _yaml_errors(label, limits):
                docs: list[_Document] = []
                for d in yamlstream.documents(text):
                    if len(docs) >= limits.documents:
                        raise LimitError(
                            "documents", label, f"more than {len(docs)} documents", limits
                        )
                    docs.append(_Document(d.data, d.line, d.item_lines))
                return docs
        except yamlstream.Unsupported:
            pass  # merge keys, explicit tags, …: PyYAML's composing loader below
        except (ValueError, TypeError, OverflowError):
            pass  # a value SafeConstructor refuses: the composing loader names its line
    with _yaml_errors(label, limits):
        return _composed_documents(text, label, limits)


@contextmanager
def _yaml_errors(label: str, limits: Limits) -> Iterator[None]:
    import yaml

    try:
        yield
    except RecursionError:
        raise LimitError("nesting", label, "YAML nested too deep", limits) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        problem = e.problem or e.context or "syntax error"
        if e.problem and e.context and e.context_mark is not None:
            problem += f" ({e.context} at line {e.context_mark.line + 1})"
        raise ManifestError(f"{where}: malformed YAML: {problem}") from e
    except yaml.YAMLError as e:
        raise ManifestError(f"{label}: malformed YAML: {' '.join(str(e).split())}") from e


def _composed_documents(text: str, label: str, limits: Limits) -> list[_Document]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    docs: list[_Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            if len(docs) >= limits.documents:
                raise LimitError("documents", label, f"more than {len(docs)} documents", limits)
            line = node.start_mark.line + 1
            try:
                data = loader.construct_document(node)
            except RecursionError:
                raise LimitError(
                    "nesting", f"{label}:{line}", "YAML nested too deep", limits
                ) from None
            except (ValueError, TypeError, OverflowError) as e:
                # SafeConstructor's own checks fail as these (a timestamp 2001-13-45,
                # an integer of 5,000 digits).
                raise ManifestError(f"{label}:{line}: invalid YAML value: {_short(e)}") from None
            docs.append(_Document(data, line, _item_lines(node)))
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
