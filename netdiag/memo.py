"""Bounded, thread-safe memo tables: the one home of the engines' caches.

The engines are pure and their inputs immutable, so what they derive can be
kept: per snapshot (the resolv.conf of a pod, whole traces), per zone (answers),
per shape of a captured chain. The TUI asks from worker threads, so every table
lives behind a lock here; a value computed twice by two threads that raced is
harmless (it is the same value), a table that two threads evict at once is not.

Objects are found by identity (``id`` with the object kept alive in the entry,
so an id is never reused while its entry exists): snapshots and zones are large,
hashing them would cost more than the memo saves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """A value derived from each of the last ``limit`` objects, found by identity."""

    __slots__ = ("_entries", "_limit", "_lock")

    def __init__(self, limit: int) -> None:
        self._entries: dict[int, tuple[object, V]] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, owner: object, factory: Callable[[], V]) -> V:
        """The value for ``owner``, built by ``factory`` the first time."""
        entry = self._entries.get(id(owner))
        if entry is not None and entry[0] is owner:
            return entry[1]
        with self._lock:
            entry = self._entries.get(id(owner))
            if entry is not None and entry[0] is owner:
                return entry[1]
            while len(self._entries) >= self._limit:
                del self._entries[next(iter(self._entries))]
            value = factory()
            self._entries[id(owner)] = (owner, value)
            return value


class BoundedMemo(Generic[K, V]):
    """A dict of computed values that starts over when it holds ``limit`` entries."""

    __slots__ = ("_data", "_limit", "_lock")

    def __init__(self, limit: int) -> None:
        self._data: dict[K, V] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        return self._data.get(key)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def put(self, key: K, value: V) -> V:
        with self._lock:
            if len(self._data) >= self._limit:
                self._data.clear()
            self._data[key] = value
        return value
