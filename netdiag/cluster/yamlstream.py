"""YAML documents built straight from libyaml's event stream: no node tree in memory.

PyYAML's loaders first *compose* a whole document into a node graph (an object per
scalar, mapping and sequence, each with two marks) and only then construct Python
values from it; for a ``kubectl get -A -o yaml`` dump that is one document, so the
graph of the entire cluster sits in memory next to the values — several times the
size of the values themselves. Here the events of the C parser (``CSafeLoader``)
are turned into plain dicts, lists and scalars as they arrive, which needs memory
only for the values, and keeps the positions the loader reports (the line where a
document and each ``items[i]`` of a List start).

Plain scalars are resolved with PyYAML's own YAML 1.1 resolver and constructors
(``SafeLoader``: null, bool, int, float, timestamp), once per distinct text: the
results are memoised, which also makes equal strings (label keys and values,
namespaces, kinds) one object. Anything rarer — explicit tags other than the core
ones, merge keys (``<<``), aliases to a collection still being built, unhashable
keys — raises :class:`Unsupported`, and the caller parses the text again with the
composing loader, which handles (or reports) every case exactly as PyYAML does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Tags whose values are built here; any other explicit tag means "use PyYAML".
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = (None, "!")


class Unsupported(Exception):
    """The stream uses a feature this builder leaves to PyYAML's composing loader."""


class Document:
    """One YAML document: its value, start line (1-based) and ``items[i]`` start lines."""

    __slots__ = ("data", "item_lines", "line")

    def __init__(self, data: Any, line: int, item_lines: tuple[int, ...]) -> None:
        self.data = data
        self.line = line
        self.item_lines = item_lines


class _Frame:
    __slots__ = ("anchor", "key", "lines", "value")

    def __init__(self, value: Any, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        #: For a mapping: the key waiting for its value (``_NO_KEY`` when none).
        self.key: Any = _NO_KEY
        #: Start lines of the children, recorded only for a List's ``items``.
        self.lines: list[int] | None = None


_NO_KEY = object()


def documents(text: str | bytes) -> Iterator[Document]:
    """Every document of a YAML stream, built from parser events.

    Raises:
        yaml.YAMLError: a syntax error (with its mark), as PyYAML reports it.
        Unsupported: a feature left to the composing loader; nothing yielded so
            far should be used (callers collect into a list first).
    """
    import yaml

    loader = yaml.CSafeLoader(text)
    try:
        yield from _documents(loader, yaml)
    finally:
        loader.dispose()


def _documents(loader: Any, yaml: Any) -> Iterator[Document]:
    get = loader.get_event
    scalar_ev, alias_ev = yaml.ScalarEvent, yaml.AliasEvent
    seq_start, seq_end = yaml.SequenceStartEvent, yaml.SequenceEndEvent
    map_start, map_end = yaml.MappingStartEvent, yaml.MappingEndEvent
    doc_start, stream_end = yaml.DocumentStartEvent, yaml.StreamEndEvent
    plain = _PlainScalars(loader, yaml)
    quoted: dict[str, str] = {}
    get()  # StreamStartEvent
    while True:
        ev = get()
        if ev.__class__ is stream_end:
            return
        if ev.__class__ is not doc_start:  # pragma: no cover - libyaml guarantees it
            raise Unsupported(f"unexpected {ev.__class__.__name__}")
        anchors: dict[str, Any] = {}
        stack: list[_Frame] = []
        root: Any = None
        line = 0
        items: tuple[int, ...] = ()
        while True:
            ev = get()
            cls = ev.__class__
            if not line:
                line = ev.start_mark.line + 1
            if stack and stack[-1].lines is not None and cls is not seq_end:
                stack[-1].lines.append(ev.start_mark.line + 1)
            if cls is scalar_ev:
                tag = ev.tag
                if tag in _PLAIN_TAGS:
                    if ev.implicit[0]:
                        value = plain.get(ev.value)
                    else:
                        value = quoted.setdefault(ev.value, ev.value)
                elif tag == _STR:
                    value = quoted.setdefault(ev.value, ev.value)
                else:
                    raise Unsupported(f"tag {tag}")
                if ev.anchor is not None:
                    anchors[ev.anchor] = value
            elif cls is map_start or cls is seq_start:
                if ev.tag not in _PLAIN_TAGS and ev.tag != (_MAP if cls is map_start else _SEQ):
                    raise Unsupported(f"tag {ev.tag}")
                frame = _Frame({} if cls is map_start else [], ev.anchor)
                if (
                    cls is seq_start
                    and len(stack) == 1
                    and stack[0].key == "items"
                    and isinstance(stack[0].value, dict)
                ):
                    frame.lines = []
                stack.append(frame)
                continue
            elif cls is map_end or cls is seq_end:
                frame = stack.pop()
                value = frame.value
                if frame.lines is not None:
                    items = tuple(frame.lines)
                if frame.anchor is not None:
                    anchors[frame.anchor] = value
            elif cls is alias_ev:
                if ev.anchor not in anchors:  # an alias into a collection being built
                    raise Unsupported("recursive alias")
                value = anchors[ev.anchor]
            else:  # DocumentEndEvent
                yield Document(root, line, items)
                break
            if not stack:
                root = value
                continue
            top = stack[-1]
            container = top.value
            if container.__class__ is list:
                container.append(value)
            elif top.key is _NO_KEY:
                if value.__class__ is not str:
                    try:
                        hash(value)
                    except TypeError:
                        raise Unsupported("unhashable key") from None
                top.key = value
            else:
                container[top.key] = value
                top.key = _NO_KEY


class _PlainScalars:
    """Plain scalar text -> value with SafeLoader's implicit resolvers, memoised."""

    def __init__(self, loader: Any, yaml: Any) -> None:
        self._loader = loader
        self._node = yaml.ScalarNode
        self._cache: dict[str, Any] = {}

    def get(self, text: str) -> Any:
        try:
            return self._cache[text]
        except KeyError:
            pass
        loader = self._loader
        tag = loader.resolve(self._node, text, (True, False))
        if tag == _STR:
            value: Any = text
        elif tag == _MERGE:
            # ``<<`` (yaml.org/type/merge.html): PyYAML's own precedence rules apply.
            raise Unsupported("merge key")
        else:
            constructor = loader.yaml_constructors.get(tag)
            if constructor is None:
                raise Unsupported(f"tag {tag}")
            value = constructor(loader, self._node(tag, text))
        self._cache[text] = value
        return value
