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
from typing import IO, TYPE_CHECKING, Any

from netdiag.cluster.model import ClusterSnapshot
from netdiag.sources.kubeapi import (
    DAEMON_SETS,
    KUBE_SYSTEM,
    PAGE_SIZE,
    Listed,
    Query,
    Refused,
    list_all,
    plan,
)
from netdiag.sources.kubeconfig import Connection, connect

if TYPE_CHECKING:
    from netdiag.cluster.build import ParsedSource, Reuse

Progress = Callable[[Query, int], None]
Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveRead:
    """What one pass over :func:`plan` returned: objects per query, and refusals."""

    listed: Mapping[str, Listed]
    refused: tuple[Refused, ...] = ()
    #: The queries that were listed (by key), fallbacks included: what to watch.
    queries: Mapping[str, Query] = dataclasses.field(default_factory=dict)

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
        (warn or stderr_warn)(refusal_warning(read.refused))
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
    """List every query; refusals (403/404) are collected, other failures raise.

    A namespaced list refused in all namespaces is retried in the context's
    namespace (kubectl's default), the one users with a RoleBinding can read;
    the refusal is still recorded.
    """
    listed: dict[str, Listed] = {}
    refused: list[Refused] = []
    used: dict[str, Query] = {}
    for query in queries:
        try:
            listed[query.key] = list_all(conn, query, page_size=page_size, progress=progress)
            used[query.key] = query
        except Refused as e:
            refused.append(e)
            fallback = _fallback(conn, query)
            if fallback is None or fallback.key in listed:
                continue
            try:
                listed[fallback.key] = list_all(conn, fallback, page_size=page_size)
                used[fallback.key] = fallback
            except Refused as again:
                refused.append(again)
    return LiveRead(listed=listed, refused=tuple(refused), queries=used)


def _fallback(conn: Connection, query: Query) -> Query | None:
    """Where to retry a namespaced list refused in all namespaces, if anywhere."""
    if not query.resource.namespaced or query.namespace is not None:
        return None
    if query.resource == DAEMON_SETS:  # for the CNI and NodeLocal DNSCache
        return dataclasses.replace(query, namespace=KUBE_SYSTEM)
    if not conn.namespace:
        return None
    return dataclasses.replace(query, namespace=conn.namespace)


def build_snapshot(
    objects: Iterable[Mapping[str, Any]],
    *,
    source: str,
    incomplete: tuple[str, ...] = (),
) -> ClusterSnapshot:
    """Turn API objects (with kind/apiVersion) into the model via the foundation's builder."""
    return snapshot_from_parsed(
        (parse_live(obj) for obj in objects), source=source, incomplete=incomplete
    )


def parse_live(obj: Mapping[str, Any]) -> ParsedSource:
    """One API object parsed as :func:`build_snapshot` does: a function of ``obj`` alone."""
    from netdiag.cluster.build import parse_source

    return parse_source(obj, _origin(obj), keep_going=True)


def snapshot_from_parsed(
    parsed: Iterable[ParsedSource],
    *,
    source: str,
    incomplete: tuple[str, ...] = (),
    reuse: Reuse | None = None,
) -> ClusterSnapshot:
    """:func:`build_snapshot` from objects already parsed by :func:`parse_live`."""
    from netdiag.cluster.build import assemble

    snapshot = _without_invented_pods(assemble(parsed, source=source, keep_going=True, reuse=reuse))
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


#: What a refused resource can change in netdiag's conclusions.
CONSEQUENCES: dict[str, str] = {
    "namespaces": "namespaceSelector peers see only the kubernetes.io/metadata.name label",
    "nodes": "node addresses are unknown",
    "pods": "pods are missing from every answer",
    "services": "Services are missing from DNS answers and reachability",
    "endpointslices": "Service backends are missing",
    "networkpolicies": "NetworkPolicies are unknown, so any 'allowed' may really be denied",
    "configmaps": "the Corefile is unknown: kubeadm defaults are assumed",
    "daemonsets": "the CNI is unknown: NetworkPolicy enforcement is not known",
}


def refusal_warning(refused: Iterable[Refused]) -> str:
    """One line per refused request, with what it can change; printed once."""
    lines = []
    for r in refused:
        effect = CONSEQUENCES.get(
            r.query.resource.plural, "pods are grouped by their direct owner only"
        )
        lines.append(f"warning: the API server refused {r.what}: {effect}")
    return "\n".join(lines)


def stderr_warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class StderrProgress:
    """Progress of slow lists on stderr: a live counter on a terminal, else one line.

    Quiet unless listing is slow: after ``after`` seconds on a terminal, after
    ``after_pipe`` seconds when stderr is a file or a pipe (logs stay clean).
    """

    def __init__(
        self, stream: IO[str] | None = None, *, after: float = 1.0, after_pipe: float = 5.0
    ) -> None:
        self._stream = stream or sys.stderr
        self._start = time.monotonic()
        self._tty = self._stream.isatty()
        self._after = after if self._tty else after_pipe
        self._shown = False

    def __call__(self, query: Query, count: int) -> None:
        elapsed = time.monotonic() - self._start
        if elapsed < self._after or (self._shown and not self._tty):
            return
        line = f"listing {query.resource.plural}: {count} so far ({elapsed:.0f} s)"
        self._stream.write(f"\r\x1b[K{line}" if self._tty else f"{line}…\n")
        self._shown = True
        self._stream.flush()

    def done(self) -> None:
        if self._shown and self._tty:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
