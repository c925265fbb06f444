"""The one place the TUI talks to netdiag's engines.

Every screen and widget consumes the small view values defined here; the
functions below translate the engines' results (``netdiag.dns.trace``,
``netdiag.policy.matrix``/``evaluate``, ``netdiag.export``, ``netdiag.audit``,
``netdiag.cluster.watch``) into them. No engine logic lives in the TUI: when an
engine is missing, the adapter says so instead of guessing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from netdiag.cli.options import SnapshotSource
    from netdiag.cluster.model import ClusterSnapshot

RESOLVERS = ("glibc", "musl", "go")
FAMILIES = ("unspec", "inet", "inet6")
GRANULARITIES = ("pod", "workload", "namespace")


class EngineMissing(Exception):
    """An engine module this view needs is not part of this build (yet)."""


# --------------------------------------------------------------------------- resolve


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryRow:
    name: str
    type: str
    rcode: str
    answers: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceView:
    name: str
    resolver: str
    family: str
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    queries: tuple[QueryRow, ...] = ()
    #: The winning query's name and answers, or ``None`` when nothing resolved.
    winner: QueryRow | None = None
    #: ``kind namespace/name`` of what the name landed on, e.g. ``service default/x``.
    target: str = ""
    target_namespace: str = ""
    shadowed: tuple[str, ...] = ()
    cost: str = ""
    advice: tuple[str, ...] = ()
    error: str = ""


def trace(
    snapshot: ClusterSnapshot,
    name: str,
    *,
    namespace: str = "default",
    pod: str | None = None,
    resolver: str = "glibc",
    family: str = "unspec",
) -> TraceView:
    """Run the DNS trace engine for ``name`` as seen from a pod (or namespace)."""
    try:
        from netdiag.dns.trace import trace_name
    except ImportError:
        return TraceView(
            name=name, resolver=resolver, family=family, error="DNS trace engine not available"
        )
    from netdiag.errors import NetdiagError

    try:
        result = trace_name(
            snapshot, name, namespace=namespace, pod=pod, resolver=resolver, family=family
        )
    except NetdiagError as e:
        return TraceView(name=name, resolver=resolver, family=family, error=e.message)
    return _trace_view(result, name=name, resolver=resolver, family=family)


def _trace_view(result: Any, *, name: str, resolver: str, family: str) -> TraceView:
    """Translate a ``netdiag.dns.trace.Trace`` through its JSON form (the stable contract)."""
    data: dict[str, Any] = result.to_json() if hasattr(result, "to_json") else dict(result)
    rc = data.get("resolv_conf") or {}
    queries = tuple(_query_row(q) for q in data.get("queries") or ())
    answer = data.get("answer")
    target = data.get("target") or None
    return TraceView(
        name=name,
        resolver=resolver,
        family=family,
        nameservers=tuple(rc.get("nameservers") or ()),
        search=tuple(rc.get("search") or ()),
        options=tuple(str(o) for o in rc.get("options") or ()),
        queries=queries,
        winner=_query_row(answer) if answer else None,
        target=(
            f"{target['kind']} {target.get('namespace') or ''}/{target['name']}" if target else ""
        ),
        target_namespace=(target or {}).get("namespace") or "",
        shadowed=tuple(_shadow_text(s) for s in data.get("shadowed") or ()),
        cost=str(data.get("cost") or ""),
        advice=tuple(str(a) for a in data.get("advice") or ()),
    )


def _query_row(q: dict[str, Any]) -> QueryRow:
    answers = tuple(
        a if isinstance(a, str) else str(a.get("data") or a.get("value") or a)
        for a in q.get("answers") or ()
    )
    return QueryRow(
        name=str(q.get("name", "")),
        type=str(q.get("type", "")),
        rcode=str(q.get("rcode", "")),
        answers=answers,
        note=str(q.get("note") or q.get("stop") or ""),
    )


def _shadow_text(s: Any) -> str:
    if isinstance(s, str):
        return s
    return str(s.get("fqdn") or f"{s.get('namespace')}/{s.get('name')}")


# --------------------------------------------------------------------------- matrix


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixNode:
    id: str
    kind: str
    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...] = ()


class MatrixModel(Protocol):
    """What the matrix widget needs: labelled rows/cols and an O(1) cell lookup."""

    @property
    def rows(self) -> Sequence[MatrixNode]: ...

    @property
    def cols(self) -> Sequence[MatrixNode]: ...

    def cell(self, i: int, j: int) -> Verdict: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ListMatrix:
    """A matrix held as rows of verdicts (tests, and engines that return lists)."""

    rows: Sequence[MatrixNode]
    cols: Sequence[MatrixNode]
    cells: Sequence[Sequence[Verdict]]

    def cell(self, i: int, j: int) -> Verdict:
        return self.cells[i][j]


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixRequest:
    port: str | None = None
    granularity: str = "pod"


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    source: str
    destination: str
    port: str
    verdict: Verdict
    egress: tuple[str, ...] = ()
    ingress: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def matrix(snapshot: ClusterSnapshot, request: MatrixRequest) -> MatrixModel:
    """Compute the reachability matrix (heavy: call from a worker)."""
    try:
        from netdiag.policy import matrix as engine
    except ImportError:
        return _unknown_matrix(snapshot)
    return _adapt_matrix(engine, snapshot, request)


def _adapt_matrix(engine: Any, snapshot: ClusterSnapshot, request: MatrixRequest) -> MatrixModel:
    return _unknown_matrix(snapshot)  # replaced when the policy engine lands


def _unknown_matrix(snapshot: ClusterSnapshot) -> MatrixModel:
    nodes = [
        MatrixNode(
            id=p.key, kind="pod", namespace=p.namespace, name=p.name, labels=tuple(p.labels.items())
        )
        for p in sorted(snapshot.pods, key=lambda p: p.key)
    ]
    return _ConstMatrix(rows=nodes, cols=nodes, verdict=Verdict.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class _ConstMatrix:
    rows: Sequence[MatrixNode]
    cols: Sequence[MatrixNode]
    verdict: Verdict

    def cell(self, i: int, j: int) -> Verdict:
        return self.verdict


def explain(
    snapshot: ClusterSnapshot, source: MatrixNode, destination: MatrixNode, port: str | None
) -> Explanation:
    """Both sides of one verdict, as ``netdiag reach`` explains it."""
    return Explanation(
        source=source.id,
        destination=destination.id,
        port=port or "any",
        verdict=Verdict.UNKNOWN,
        notes=("policy engine not available in this build",),
    )


def ports_in(snapshot: ClusterSnapshot) -> tuple[str, ...]:
    """``PORT/PROTO`` choices for the matrix: every container and service port."""
    seen: set[tuple[str, int]] = set()
    for pod in snapshot.pods:
        for cp in pod.container_ports:
            seen.add((cp.protocol.value, cp.container_port))
    for svc in snapshot.services:
        for sp in svc.ports:
            if isinstance(sp.target_port, int) and sp.target_port:
                seen.add((sp.protocol.value, sp.target_port))
    return tuple(f"{port}/{proto}" for proto, port in sorted(seen, key=lambda t: (t[1], t[0])))


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyView:
    key: str
    namespace: str
    name: str
    policy_types: tuple[str, ...]
    selected: tuple[str, ...]
    ingress: tuple[str, ...]
    egress: tuple[str, ...]
    yaml: str


def policies(snapshot: ClusterSnapshot) -> tuple[PolicyView, ...]:
    from netdiag_tui.describe import describe_policy

    return tuple(
        describe_policy(snapshot, pol)
        for pol in sorted(snapshot.network_policies, key=lambda p: p.key)
    )


def policies_for_pod(views: Sequence[PolicyView], pod_key: str) -> tuple[PolicyView, ...]:
    return tuple(v for v in views if pod_key in v.selected)


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    severity: str
    code: str
    message: str


def audit(snapshot: ClusterSnapshot) -> tuple[Finding, ...] | None:
    """Audit findings, or ``None`` when the audit engine is not in this build."""
    try:
        from netdiag import audit as engine  # type: ignore[attr-defined]
    except ImportError:
        return None
    run = getattr(engine, "audit", None) or getattr(engine, "run", None)
    if run is None:
        return None
    out = []
    for f in run(snapshot):
        sev = getattr(f, "severity", "")
        out.append(
            Finding(
                severity=str(getattr(sev, "value", sev)),
                code=str(getattr(f, "code", getattr(f, "id", ""))),
                message=str(getattr(f, "message", f)),
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- export


def export_formats() -> tuple[str, ...]:
    try:
        from netdiag import export as engine  # noqa: F401
    except ImportError:
        return ()
    formats = getattr(engine, "FORMATS", None)
    return (
        tuple(formats)
        if formats
        else ("dot", "svg", "png", "graphml", "mermaid", "json", "csv", "md")
    )


def export(
    snapshot: ClusterSnapshot,
    request: MatrixRequest,
    fmt: str,
    path: str,
    *,
    namespace: str | None = None,
) -> str:
    """Write the current matrix/graph view in ``fmt`` to ``path``; returns the path."""
    try:
        from netdiag import export as engine  # noqa: F401
    except ImportError as e:
        raise EngineMissing("export engine not available in this build") from e
    raise EngineMissing("export adapter not wired yet")


# --------------------------------------------------------------------------- sources


@dataclass(slots=True, kw_only=True)
class SourceState:
    """Where snapshots come from; the app reloads through :func:`load`."""

    source: SnapshotSource | None = None
    mtimes: dict[str, float] = field(default_factory=dict)


def load(source: SnapshotSource | None) -> ClusterSnapshot:
    """Load a snapshot (blocking: call from a thread worker)."""
    if source is None:
        from netdiag.cluster.demo import load_demo

        return load_demo()
    from netdiag.cli.options import load_snapshot

    return load_snapshot(source)


def watch(source: SnapshotSource) -> Iterator[ClusterSnapshot]:
    """New snapshots of a live cluster as they change (blocking iterator)."""
    try:
        from netdiag.cluster import watch as engine
    except ImportError as e:
        raise EngineMissing("live watch not available in this build") from e
    fn = getattr(engine, "watch_snapshots", None) or engine.watch
    result: Iterator[ClusterSnapshot] = fn(
        context=source.context, kubeconfig=source.kubeconfig, namespace=source.namespace
    )
    return result


def manifest_mtimes(paths: Sequence[str]) -> dict[str, float]:
    """Modification times of every file under the given manifest paths (file watching)."""
    import os

    out: dict[str, float] = {}
    for root in paths:
        if root == "-":
            continue
        if os.path.isdir(root):
            for dirpath, _dirs, files in os.walk(root):
                for f in files:
                    p = os.path.join(dirpath, f)
                    try:
                        out[p] = os.stat(p).st_mtime_ns
                    except OSError:
                        continue
        else:
            try:
                out[root] = os.stat(root).st_mtime_ns
            except OSError:
                out[root] = -1
    return out
