"""The live watch's snapshot builder: re-parse only the objects that changed. Pure.

Measured (``benchmarks/bench_watch.py``, ``benchmarks/results/live.md``): at
5,000 pods most of a full rebuild is parsing each API object into the model;
the cross-object steps after it (dedupe, owners, namespaces, synthetic IPs,
EndpointSlices, DNS, CNI) are a small part. So :class:`SnapshotBuilder` keeps
each object's parse result and re-parses only objects it has not seen, then
runs the same assembly as the full rebuild over every parse result, in the same
order. Parsing is a pure function of the object (its origin is derived from the
object too), so the snapshot is the one :func:`netdiag.sources.live.build_snapshot`
gives for the same objects — equal, warnings and origins included.

"Not seen" is by identity: the watch's :class:`netdiag.sources.changes.Store`
replaces an object's dict on every event and never mutates one, so an unchanged
object is the same dict as last time. The cache holds a reference to each dict
it keys, so an ``id`` is never reused while cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from netdiag.cluster.build import ParsedSource, Reuse
from netdiag.cluster.model import ClusterSnapshot
from netdiag.sources.live import parse_live, snapshot_from_parsed


class SnapshotBuilder:
    """``build_snapshot(objects)`` that remembers each object's parse between calls.

    Not thread-safe: one builder per watch stream.
    """

    __slots__ = ("_cache", "_reuse", "parsed_last")

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Mapping[str, Any], ParsedSource]] = {}
        self._reuse = Reuse()
        #: How many objects the last :meth:`build` had to parse (for tests and benchmarks).
        self.parsed_last = 0

    def build(
        self,
        objects: Iterable[Mapping[str, Any]],
        *,
        source: str,
        incomplete: tuple[str, ...] = (),
    ) -> ClusterSnapshot:
        """The snapshot of ``objects``, equal to ``build_snapshot(objects, ...)``."""
        cache: dict[int, tuple[Mapping[str, Any], ParsedSource]] = {}
        parsed: list[ParsedSource] = []
        misses = 0
        for obj in objects:
            hit = self._cache.get(id(obj))
            if hit is None or hit[0] is not obj:
                hit = (obj, parse_live(obj))
                misses += 1
            cache[id(obj)] = hit
            parsed.append(hit[1])
        # Only what this call saw is kept: deleted and replaced objects are dropped.
        self._cache, self.parsed_last = cache, misses
        snapshot = snapshot_from_parsed(
            parsed, source=source, incomplete=incomplete, reuse=self._reuse
        )
        self._reuse.next_round()
        return snapshot
