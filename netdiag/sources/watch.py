"""A stream of immutable snapshots of a live cluster, informer-style.

For every query of :func:`netdiag.sources.kubeapi.plan`: list, then watch from
the list's resourceVersion (``allowWatchBookmarks=true``; a BOOKMARK only moves
the resourceVersion on). A watch that ends normally (``timeoutSeconds``) is
resumed from the last resourceVersion; a dropped connection is resumed the same
way after an exponential backoff; 410 Gone — as an HTTP status or as an ``ERROR``
event carrying a Status, which is how the API server reports compacted history —
means re-list (api-concepts "Efficient detection of changes"). This is
client-go's reflector loop (tools/cache/reflector.go), one thread per query.

Events are coalesced into bursts (``coalesce`` seconds of quiet, at most
``max_delay``); each burst that changes the model yields an :class:`Update`:
the new :class:`ClusterSnapshot` and the object changes that caused it. Each
snapshot is built by :class:`~netdiag.sources.incremental.SnapshotBuilder`,
which re-parses only the objects the burst changed; the result equals a full
rebuild from the same objects.

Made for a worker thread: pass ``stop`` (a :class:`threading.Event`) and set it
to end the stream; closing the generator also stops every watch.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from netdiag.cluster.model import ClusterSnapshot
from netdiag.errors import NetdiagError
from netdiag.sources.changes import Change, Store, merge_changes
from netdiag.sources.incremental import SnapshotBuilder
from netdiag.sources.kubeapi import PAGE_SIZE, Expired, Query, Refused, call, list_all, plan
from netdiag.sources.kubeconfig import Connection, connect
from netdiag.sources.live import (
    Warn,
    describe_source,
    read_all,
    refusal_warning,
    stderr_warn,
)

#: Server-side watch timeout; client-go picks 5–10 minutes.
WATCH_TIMEOUT_SECONDS = 300


class Update(NamedTuple):
    """One step of the stream: the new snapshot and what changed to produce it."""

    snapshot: ClusterSnapshot
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Exponential reconnect delays (client-go's default backoff starts at 800 ms)."""

    initial: float = 0.8
    maximum: float = 30.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * 2, self.maximum)


@dataclass(frozen=True, slots=True)
class _Event:
    query: str
    type: str
    obj: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Relisted:
    query: str
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class _Refusal:
    refused: Refused


_Item = _Event | _Relisted | _Refusal


def watch_snapshots(
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    namespace: str | None = None,
    stop: threading.Event | None = None,
    coalesce: float = 0.2,
    max_delay: float = 1.0,
    backoff: Backoff = Backoff(),
    warn: Warn | None = None,
    page_size: int = PAGE_SIZE,
) -> Generator[Update, None, None]:
    """Yield the initial snapshot (no changes), then one :class:`Update` per burst."""
    stop = stop or threading.Event()
    warn = warn or stderr_warn
    conn = connect(context=context, kubeconfig=kubeconfig)
    queries = plan(namespace)
    read = read_all(conn, queries, page_size=page_size)
    if read.refused:
        warn(refusal_warning(read.refused))
    store = Store.from_lists({k: v.items for k, v in read.listed.items()})
    incomplete = read.incomplete
    source = describe_source(conn, namespace)
    builder = SnapshotBuilder()
    snapshot = builder.build(store.objects(), source=source, incomplete=incomplete)

    events: queue.Queue[_Item] = queue.Queue()
    halt = threading.Event()
    reflectors = [
        _Reflector(conn, q, read.listed[k].resource_version, events, halt, backoff, warn, page_size)
        for k, q in read.queries.items()
    ]
    for reflector in reflectors:
        reflector.start()
    try:
        yield Update(snapshot, ())
        while not stop.is_set():
            burst = _next_burst(events, stop, coalesce, max_delay)
            if not burst:
                continue
            store, changes, refused = _apply(store, burst)
            if refused:
                warn("warning: the API server refused " + "; ".join(refused))
                incomplete += refused
            new = builder.build(store.objects(), source=source, incomplete=incomplete)
            if new != snapshot or refused:
                snapshot = new
                yield Update(snapshot, merge_changes(changes))
    finally:
        halt.set()
        for reflector in reflectors:
            reflector.interrupt()
        conn.close()


def _next_burst(
    events: queue.Queue[_Item], stop: threading.Event, coalesce: float, max_delay: float
) -> list[_Item]:
    """The next events, gathered until ``coalesce`` s of quiet or ``max_delay`` s in all."""
    import time

    try:
        first = events.get(timeout=0.1)
    except queue.Empty:
        return []
    burst = [first]
    deadline = time.monotonic() + max_delay
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            burst.append(events.get(timeout=min(coalesce, remaining)))
        except queue.Empty:
            break
    return burst


def _apply(store: Store, burst: list[_Item]) -> tuple[Store, list[Change], tuple[str, ...]]:
    changes: list[Change] = []
    refused: list[str] = []
    for item in burst:
        if isinstance(item, _Event):
            store, change = store.apply(item.query, item.type, item.obj)
            if change is not None:
                changes.append(change)
        elif isinstance(item, _Relisted):
            store, relist_changes = store.relist(item.query, item.items)
            changes.extend(relist_changes)
        else:
            refused.append(item.refused.what)
    return store, changes, tuple(refused)


class _Reflector(threading.Thread):
    """Keeps one query's objects flowing into the queue: watch, resume, re-list."""

    def __init__(
        self,
        conn: Connection,
        query: Query,
        resource_version: str,
        out: queue.Queue[_Item],
        halt: threading.Event,
        backoff: Backoff,
        warn: Warn,
        page_size: int,
    ) -> None:
        super().__init__(name=f"netdiag-watch {query.key}", daemon=True)
        self._conn, self._query, self._rv = conn, query, resource_version
        self._out, self._halt, self._backoff, self._warn = out, halt, backoff, warn
        self._page_size = page_size
        self._resp: Any = None

    def interrupt(self) -> None:
        """Unblock a read in progress (urllib3 >= 2.3 ``HTTPResponse.shutdown``)."""
        resp = self._resp
        if resp is not None:
            try:
                getattr(resp, "shutdown", resp.close)()
            except Exception:  # noqa: BLE001 - best effort while stopping
                pass

    def run(self) -> None:
        delays = self._backoff.delays()
        fresh = False  # just re-listed: a 410 now means the server misbehaves; back off
        while not self._halt.is_set():
            try:
                if self._watch_once():
                    delays, fresh = self._backoff.delays(), False
                    continue
            except Expired:
                if not fresh and self._relist():
                    fresh = True
                    continue
                fresh = False
            except Refused as e:
                self._out.put(_Refusal(e))
                return
            except NetdiagError as e:
                if not self._halt.is_set():
                    self._warn(f"warning: {self._query.describe('watch')}: {e}; retrying")
            except Exception:  # noqa: BLE001 - a dropped stream: resume from self._rv
                pass
            self._halt.wait(next(delays))

    def _relist(self) -> bool:
        try:
            listed = list_all(self._conn, self._query, page_size=self._page_size)
        except (NetdiagError, Refused, Expired) as e:
            if not self._halt.is_set():
                self._warn(f"warning: re-list {self._query.describe()}: {e}; retrying")
            return False
        self._rv = listed.resource_version
        self._out.put(_Relisted(self._query.key, listed.items))
        return True

    def _watch_once(self) -> bool:
        """One watch request; True when it delivered at least one event or bookmark.

        A dropped connection surfaces as a urllib3 error and is resumed by
        :meth:`run` from the last resourceVersion seen.
        """
        params: dict[str, str | int] = {
            "watch": "true",
            "resourceVersion": self._rv,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": WATCH_TIMEOUT_SECONDS,
        }
        self._resp = call(
            self._conn, self._query, "watch", params, timeout=(10.0, WATCH_TIMEOUT_SECONDS + 30.0)
        )
        progressed = False
        try:
            for line in _lines(self._resp):
                if self._halt.is_set():
                    break
                self._handle(line)
                progressed = True
        finally:
            resp, self._resp = self._resp, None
            resp.release_conn()
        return progressed

    def _handle(self, line: bytes) -> None:
        import json

        event = json.loads(line)
        type_, obj = event.get("type"), event.get("object") or {}
        if type_ == "ERROR":
            if obj.get("code") == 410:
                raise Expired(str(obj.get("message", "410 Gone")))
            raise OSError(f"watch error {obj.get('code')}: {obj.get('message')}")
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if type_ in ("ADDED", "MODIFIED", "DELETED"):
            obj["kind"] = self._query.resource.kind
            obj["apiVersion"] = self._query.resource.api_version
            self._out.put(_Event(self._query.key, type_, obj))
        if rv:
            self._rv = rv


def _lines(resp: Any) -> Iterator[bytes]:
    """Newline-delimited JSON events from a chunked watch response."""
    buffer = b""
    for chunk in resp.stream(amt=None, decode_content=False):
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        yield from (line for line in complete if line.strip())
    if buffer.strip():
        yield buffer
