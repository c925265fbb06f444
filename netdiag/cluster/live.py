"""A read-only snapshot of a live cluster: list what the model needs, parse JSON straight in.

``load_live`` is what ``--context/--kubeconfig/--live`` run (see
:func:`netdiag.cli.options.load_snapshot`). It only ever issues GET requests.
Restricted RBAC is expected (k9s #42, #534): a 403 on one resource is recorded in
``ClusterSnapshot.incomplete`` with the exact verb, resource and namespace, one
warning goes to stderr, and the rest of the cluster is still read.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from netdiag.cluster.kubeapi import (
    PAGE_SIZE,
    Connection,
    Listed,
    Query,
    Refused,
    connect,
    list_all,
    plan,
)
from netdiag.cluster.model import ClusterSnapshot

Progress = Callable[[Query, int], None]
Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveRead:
    """What one pass over :func:`plan` returned: objects per query, and refusals."""

    listed: Mapping[str, Listed]
    refused: tuple[Refused, ...] = ()

    @property
    def incomplete(self) -> tuple[str, ...]:
        return tuple(r.what for r in self.refused)


def load_live(
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    namespace: str | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
    page_size: int = PAGE_SIZE,
) -> ClusterSnapshot:
    """Snapshot the cluster of ``context`` (current context when ``None``).

    ``namespace`` limits namespaced listings to that namespace (the kube-system
    objects DNS needs are still read). ConfigError (exit 3) for a bad kubeconfig
    or context; ClusterError (exit 4) when the API server cannot be reached.
    """
    conn = connect(context=context, kubeconfig=kubeconfig)
    reporter = progress or StderrProgress()
    try:
        read = read_all(conn, plan(namespace), progress=reporter, page_size=page_size)
    finally:
        conn.close()
        if isinstance(reporter, StderrProgress):
            reporter.done()
    if read.refused:
        (warn or _stderr)(refusal_warning(read.refused))
    return build_snapshot(
        (obj for listed in read.listed.values() for obj in listed.items),
        source=describe_source(conn, namespace),
        incomplete=read.incomplete,
    )


def read_all(
    conn: Connection,
    queries: Iterable[Query],
    *,
    progress: Progress | None = None,
    page_size: int = PAGE_SIZE,
) -> LiveRead:
    """List every query; refusals (403/404) are collected, other failures raise."""
    listed: dict[str, Listed] = {}
    refused: list[Refused] = []
    for query in queries:
        try:
            listed[query.key] = list_all(conn, query, page_size=page_size, progress=progress)
        except Refused as e:
            refused.append(e)
    return LiveRead(listed=listed, refused=tuple(refused))


def build_snapshot(
    objects: Iterable[Mapping[str, Any]],
    *,
    source: str,
    incomplete: tuple[str, ...] = (),
) -> ClusterSnapshot:
    """Turn API objects (with kind/apiVersion) into the model via the foundation's builder."""
    from netdiag.cluster.build import snapshot_from_objects

    snapshot = _without_invented_pods(
        snapshot_from_objects(
            ((obj, _origin(obj)) for obj in objects), source=source, keep_going=True
        )
    )
    if incomplete:
        snapshot = dataclasses.replace(snapshot, incomplete=snapshot.incomplete + incomplete)
    return snapshot


def _without_invented_pods(snapshot: ClusterSnapshot) -> ClusterSnapshot:
    """Drop pods the builder expanded from workload templates.

    Expansion stands in for pods a manifest directory does not contain; a live
    cluster is the truth — a CronJob between runs or a DaemonSet in a namespace
    we may not list has no pods to show. EndpointSlices derived from those pods
    lose them too.
    """
    if not any(p.synthetic for p in snapshot.pods):
        return snapshot
    pods = tuple(p for p in snapshot.pods if not p.synthetic)
    real = {(p.namespace, p.name) for p in pods}
    slices = tuple(
        dataclasses.replace(
            s,
            endpoints=tuple(e for e in s.endpoints if (s.namespace, e.target_pod) in real),
        )
        if s.derived
        else s
        for s in snapshot.endpoint_slices
    )
    return dataclasses.replace(snapshot, pods=pods, endpoint_slices=slices)


def _origin(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    name = f"{ns}/{meta.get('name')}" if ns else str(meta.get("name"))
    return f"live: {obj.get('kind')} {name}"


def describe_source(conn: Connection, namespace: str | None) -> str:
    scope = f", namespace {namespace}" if namespace else ""
    return f"live cluster (context {conn.context}, {conn.host}{scope})"


def refusal_warning(refused: Iterable[Refused]) -> str:
    """One line naming every refused request; the snapshot is marked incomplete."""
    parts = "; ".join(r.what for r in refused)
    return (
        f"warning: the API server refused {parts}: the snapshot is incomplete and "
        "conclusions that depend on those objects may be wrong"
    )


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class StderrProgress:
    """Progress of slow lists on stderr: a live counter on a terminal, else one line.

    Nothing is printed for lists that finish within ``after`` seconds, so quick
    clusters stay quiet.
    """

    def __init__(self, stream: IO[str] | None = None, *, after: float = 1.0) -> None:
        self._stream = stream or sys.stderr
        self._after = after
        self._start = time.monotonic()
        self._tty = self._stream.isatty()
        self._shown = False

    def __call__(self, query: Query, count: int) -> None:
        elapsed = time.monotonic() - self._start
        if elapsed < self._after:
            return
        line = f"listing {query.resource.plural}: {count} so far ({elapsed:.0f} s)"
        if self._tty:
            self._stream.write(f"\r\x1b[K{line}")
        elif not self._shown:
            self._stream.write("listing a large cluster…\n")
        self._shown = True
        self._stream.flush()

    def done(self) -> None:
        if self._shown and self._tty:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
