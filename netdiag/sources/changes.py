"""The object store behind ``netdiag.sources.watch``: apply watch events, describe changes.

Pure (no I/O): a :class:`Store` holds the raw API objects of each list+watch query
keyed by ``(namespace, name)``; applying an event or a fresh list returns a new
store and the :class:`Change` values a user reads (``ADDED NetworkPolicy
shop/allow-x``, ``MODIFIED Pod default/web-1 labels``). A re-list after 410 Gone
is diffed against what was known, so changes lost with the watch history are
still reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = Mapping[str, Any]
ObjKey = tuple[str, str]

#: Metadata that changes without the object changing for netdiag.
_VOLATILE_METADATA = frozenset(
    {"resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"}
)
#: Status fields the kubelet bumps constantly (timestamps) — not worth a change line.
_TOP_LEVEL_IGNORED = frozenset({"kind", "apiVersion", "metadata"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One object event as a user reads it."""

    #: ``ADDED``, ``MODIFIED`` or ``DELETED``.
    type: str
    kind: str
    namespace: str
    name: str
    #: What changed in a MODIFIED object: ``labels``, ``spec``, ``status``, …
    fields: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def __str__(self) -> str:
        text = f"{self.type} {self.kind} {self.key}"
        return f"{text} {','.join(self.fields)}" if self.fields else text


def object_key(obj: Obj) -> ObjKey:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def changed_fields(old: Obj, new: Obj) -> tuple[str, ...]:
    """Which parts of an object differ: metadata parts by name, then top-level sections."""
    out: list[str] = []
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    for key in sorted(set(old_meta) | set(new_meta)):
        if key not in _VOLATILE_METADATA and old_meta.get(key) != new_meta.get(key):
            out.append(_metadata_word(key))
    for key in sorted((set(old) | set(new)) - _TOP_LEVEL_IGNORED):
        if old.get(key) != new.get(key):
            out.append(key)
    return tuple(out)


def _metadata_word(key: str) -> str:
    return {"ownerReferences": "owners", "deletionTimestamp": "deleting"}.get(key, key)


def _change(type_: str, obj: Obj, fields: tuple[str, ...] = ()) -> Change:
    namespace, name = object_key(obj)
    return Change(
        type=type_, kind=str(obj.get("kind", "")), namespace=namespace, name=name, fields=fields
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Store:
    """Raw objects per query key; treat as immutable (every method returns a new store)."""

    buckets: Mapping[str, Mapping[ObjKey, Obj]] = field(default_factory=dict)

    @classmethod
    def from_lists(cls, lists: Mapping[str, Iterable[Obj]]) -> Store:
        return cls(buckets={q: {object_key(o): o for o in items} for q, items in lists.items()})

    def objects(self) -> Iterator[Obj]:
        for bucket in self.buckets.values():
            yield from bucket.values()

    def __len__(self) -> int:
        return sum(len(b) for b in self.buckets.values())

    def apply(self, query: str, type_: str, obj: Obj) -> tuple[Store, Change | None]:
        """Apply one ADDED/MODIFIED/DELETED watch event of ``query``."""
        bucket = dict(self.buckets.get(query, {}))
        key = object_key(obj)
        old = bucket.get(key)
        change: Change | None
        if type_ == "DELETED":
            if old is None:
                return self, None
            del bucket[key]
            change = _change("DELETED", old)
        elif old is None:
            bucket[key] = obj
            change = _change("ADDED", obj)
        else:
            bucket[key] = obj
            fields = changed_fields(old, obj)
            change = _change("MODIFIED", obj, fields) if fields else None
        return self._with(query, bucket), change

    def relist(self, query: str, items: Iterable[Obj]) -> tuple[Store, tuple[Change, ...]]:
        """Replace a query's objects with a fresh list; the difference as changes."""
        old = self.buckets.get(query, {})
        new = {object_key(o): o for o in items}
        changes: list[Change] = []
        for key in sorted(set(old) | set(new)):
            if key not in new:
                changes.append(_change("DELETED", old[key]))
            elif key not in old:
                changes.append(_change("ADDED", new[key]))
            elif fields := changed_fields(old[key], new[key]):
                changes.append(_change("MODIFIED", new[key], fields))
        return self._with(query, new), tuple(changes)

    def _with(self, query: str, bucket: Mapping[ObjKey, Obj]) -> Store:
        buckets = dict(self.buckets)
        buckets[query] = bucket
        return Store(buckets=buckets)


def merge_changes(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Collapse a burst: one line per object, ADDED+MODIFIED stays ADDED, ADDED+DELETED vanishes."""
    merged: dict[tuple[str, str, str], Change] = {}
    for change in changes:
        ident = (change.kind, change.namespace, change.name)
        prev = merged.get(ident)
        if prev is None:
            merged[ident] = change
        elif prev.type == "ADDED" and change.type == "DELETED":
            del merged[ident]
        elif prev.type == "ADDED":
            continue
        elif prev.type == "MODIFIED" and change.type == "MODIFIED":
            fields = tuple(dict.fromkeys(prev.fields + change.fields))
            merged[ident] = Change(
                type="MODIFIED",
                kind=change.kind,
                namespace=change.namespace,
                name=change.name,
                fields=fields,
            )
        elif prev.type == "DELETED" and change.type == "ADDED":
            merged[ident] = Change(
                type="MODIFIED",
                kind=change.kind,
                namespace=change.namespace,
                name=change.name,
                fields=("recreated",),
            )
        else:
            merged[ident] = change
    return tuple(merged.values())
