"""Values derived from a snapshot, computed once per snapshot. Pure.

Snapshots are frozen, so an index built from one stays valid for as long as
that snapshot lives. :class:`SnapshotMemo` keeps the values of the last few
snapshots only (a TUI watching a live cluster makes a new snapshot per change),
keyed by ``id`` with an identity check, like the resolver trace's memo in
:mod:`netdiag.dns.resolver.trace`. Keyed by identity, not equality: two snapshots that
compare equal may still differ in fields excluded from ``==`` (and hashing a
whole snapshot would cost more than most indexes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from netdiag.cluster.model import ClusterSnapshot

_V = TypeVar("_V")


class SnapshotMemo(Generic[_V]):
    """``memo(snapshot)`` is ``build(snapshot)``, built once per snapshot, for ``size`` snapshots.

    Least recently used entries are dropped first. Thread-safe (the TUI asks from
    worker threads); two threads asking at once for a new snapshot may both
    build, and either result is kept: ``build`` must be a pure function.
    """

    __slots__ = ("_build", "_entries", "_lock", "size")

    def __init__(self, build: Callable[[ClusterSnapshot], _V], *, size: int = 4) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self._build = build
        self.size = size
        # The entry holds the snapshot itself, so its id cannot be reused by
        # another object while the entry lives; the identity check is a guard.
        self._entries: OrderedDict[int, tuple[ClusterSnapshot, _V]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, snapshot: ClusterSnapshot) -> _V:
        key = id(snapshot)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is snapshot:
                self._entries.move_to_end(key)
                return entry[1]
        value = self._build(snapshot)  # outside the lock: building may take a while
        with self._lock:
            self._entries[key] = (snapshot, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
