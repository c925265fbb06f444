"""The one place the TUI talks to netdiag's engines.

Every screen and widget consumes the small view values defined here; the
functions below translate the engines' results (``netdiag.dns.trace``,
``netdiag.policy.matrix``/``evaluate``, ``netdiag.export``, ``netdiag.audit``,
``netdiag.cluster.watch``) into them. No engine logic lives in the TUI: when an
engine is missing, the adapter says so instead of guessing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
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
    nameserver: str = ""
    winner: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceView:
    name: str
    resolver: str
    family: str
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    origin: str = ""
    queries: tuple[QueryRow, ...] = ()
    resolved: bool = False
    #: The name that answered and its records (``A 10.0.0.1``), when resolved.
    winner: str = ""
    answers: tuple[str, ...] = ()
    #: ``service default/x`` — what the name landed on.
    target: str = ""
    target_namespace: str = ""
    shadowed: tuple[str, ...] = ()
    cost: str = ""
    advice: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
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
        from netdiag.dns.report import to_json
        from netdiag.dns.trace import trace_name
    except ImportError:
        return TraceView(
            name=name, resolver=resolver, family=family, error="DNS trace engine not available"
        )
    from netdiag.errors import NetdiagError

    try:
        result = trace_name(
            snapshot,
            name,
            namespace=namespace,
            pod=f"{namespace}/{pod}" if pod else None,
            resolver=resolver,
            family=family,
            zone=_zone_for(snapshot),
        )
    except NetdiagError as e:
        return TraceView(name=name, resolver=resolver, family=family, error=e.message)
    return trace_view(to_json(result), name=name, resolver=resolver, family=family)


#: The cluster zone of the last snapshot traced: building it indexes every pod and
#: service (~50 ms at 2,000 pods), which as-you-type tracing must not pay per key.
_ZONE: list[tuple[ClusterSnapshot, Any]] = []


def _zone_for(snapshot: ClusterSnapshot) -> Any:
    try:
        from netdiag.dns.zone import ClusterZone
    except ImportError:
        return None
    cached = _ZONE[0] if _ZONE else None
    if cached is not None and cached[0] is snapshot:
        return cached[1]
    zone = ClusterZone(snapshot)
    _ZONE[:] = [(snapshot, zone)]
    return zone


def _record_text(r: Any) -> str:
    if isinstance(r, str):
        return r
    kind, data = r.get("type", ""), r.get("data", "")
    return str(data) if kind in ("A", "AAAA") else f"{kind} {data}"


def trace_view(data: dict[str, Any], *, name: str, resolver: str, family: str) -> TraceView:
    """A ``netdiag/resolve/v1`` document (the stable contract) laid out for the screen."""
    rc = data.get("resolv_conf") or {}
    answer = data.get("answer") or None
    winner = str(answer["name"]) if answer else ""
    rows: list[QueryRow] = []
    marked = False
    for q in data.get("queries") or ():
        answers = tuple(_record_text(a) for a in q.get("answers") or ())
        is_winner = not marked and bool(winner) and q.get("name") == winner and bool(answers)
        marked = marked or is_winner
        rows.append(
            QueryRow(
                name=str(q.get("name", "")),
                type=str(q.get("type", "")),
                rcode=str(q.get("rcode", "")),
                answers=answers,
                nameserver=str(q.get("nameserver") or ""),
                winner=is_winner,
            )
        )
    target = data.get("target") or None
    cost = data.get("cost") or {}
    cost_text = (
        f"{cost.get('queries', len(rows))} queries, {cost.get('nxdomains', 0)} NXDOMAIN, "
        f"{cost.get('round_trips', 0)} round trips"
        + (f", {cost['timeouts']} timeouts" if cost.get("timeouts") else "")
        if isinstance(cost, dict)
        else str(cost)
    )
    return TraceView(
        name=name,
        resolver=resolver,
        family=family,
        nameservers=tuple(rc.get("nameservers") or ()),
        search=tuple(rc.get("search") or ()),
        options=tuple(str(o) for o in rc.get("options") or ()),
        origin=str(rc.get("origin") or ""),
        queries=tuple(rows),
        resolved=bool(data.get("resolved", answer is not None)),
        winner=winner,
        answers=tuple(_record_text(r) for r in (answer or {}).get("records") or ()),
        target=(
            f"{target['kind']} {target.get('namespace') + '/' if target.get('namespace') else ''}"
            f"{target['name']}"
            if target
            else ""
        ),
        target_namespace=str((target or {}).get("namespace") or ""),
        shadowed=tuple(str(s.get("fqdn") or s) for s in data.get("shadowed") or ()),
        cost=cost_text,
        advice=tuple(
            f"{a.get('text')} (saves {a.get('queries_saved')} queries)"
            if isinstance(a, dict)
            else str(a)
            for a in data.get("advice") or ()
        ),
        warnings=tuple(str(w) for w in data.get("warnings") or ()),
        error=str(data.get("error") or "") if not data.get("resolved", True) else "",
    )


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
    #: Both sides (egress of the source, ingress of the destination), per path.
    lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def matrix(snapshot: ClusterSnapshot, request: MatrixRequest) -> MatrixModel:
    """Compute the reachability matrix (heavy: call from a worker)."""
    try:
        from netdiag.policy.matrix import Matrix
        from netdiag.policy.ports import parse_port_spec
    except ImportError:
        return _unknown_matrix(snapshot)
    ports = parse_port_spec(request.port) if request.port else None
    return PolicyMatrix(Matrix(snapshot, granularity=request.granularity, ports=ports), request)


class PolicyMatrix:
    """``netdiag.policy.matrix.Matrix`` seen through :class:`MatrixModel`."""

    def __init__(self, engine_matrix: Any, request: MatrixRequest) -> None:
        from netdiag.policy.verdict import Verdict as EngineVerdict

        self.engine = engine_matrix
        self.request = request
        self.rows = tuple(_node(n) for n in engine_matrix.rows)
        self.cols = (
            self.rows
            if engine_matrix.cols is engine_matrix.rows
            else tuple(_node(n) for n in engine_matrix.cols)
        )
        self._verdicts = {
            EngineVerdict.ALLOWED: Verdict.ALLOWED,
            EngineVerdict.DENIED: Verdict.DENIED,
            EngineVerdict.UNKNOWN: Verdict.UNKNOWN,
        }
        self._cell = engine_matrix.cell

    def cell(self, i: int, j: int) -> Verdict:
        return self._verdicts[self._cell(i, j).verdict]

    def ports(self, i: int, j: int) -> str:
        return str(self._cell(i, j).ports)

    def explain(self, i: int, j: int) -> Explanation:
        verdict = self.engine.explain(i, j)
        return _explanation(
            verdict,
            source=self.rows[i].id,
            destination=self.cols[j].id,
            port=self.request.port,
            cell=self.cell(i, j),
            cell_ports=self.ports(i, j),
        )


def _node(n: Any) -> MatrixNode:
    return MatrixNode(
        id=n.id,
        kind=n.kind,
        namespace=n.namespace or "",
        name=n.name,
        labels=tuple(n.labels.items()),
    )


def _explanation(
    cv: Any, *, source: str, destination: str, port: str | None, cell: Verdict, cell_ports: str
) -> Explanation:
    """The engine's verdict in ``netdiag reach``'s own words (``netdiag.policy.render``)."""
    from netdiag.policy.render import Style, verdict_lines

    lines = list(verdict_lines(cv, Style(unicode=True, color=False)))
    notes = [line[len("note: ") :] for line in lines if line.startswith("note: ")]
    body = [line for line in lines[1:] if not line.startswith("note: ")]
    if (cv.src, cv.dst) != (source, destination):
        notes.append(f"explained through its members {cv.src} → {cv.dst}")
    if cell is not Verdict.DENIED and cell_ports not in ("all", "none"):
        notes.append(f"ports allowed: {cell_ports}")
    return Explanation(
        source=source,
        destination=destination,
        port=port or "any",
        verdict=cell,
        lines=tuple(body),
        notes=tuple(notes),
    )


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


def explain(model: MatrixModel, source: MatrixNode, destination: MatrixNode) -> Explanation:
    """Both sides of one verdict, as ``netdiag reach`` explains it (call from a worker)."""
    i = next((k for k, n in enumerate(model.rows) if n.id == source.id), None)
    j = next((k for k, n in enumerate(model.cols) if n.id == destination.id), None)
    explainer = getattr(model, "explain", None)
    if i is None or j is None or explainer is None:
        return Explanation(
            source=source.id,
            destination=destination.id,
            port="any",
            verdict=Verdict.UNKNOWN if i is None or j is None else model.cell(i, j),
            notes=("policy engine not available in this build",),
        )
    result: Explanation = explainer(i, j)
    return result


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
    #: The policy itself, for its YAML (rendered on demand: ``policy_yaml``).
    policy: Any = None


def policy_yaml(view: PolicyView) -> str:
    from netdiag_tui.describe import policy_yaml as render

    return render(view.policy) if view.policy is not None else ""


def policies(snapshot: ClusterSnapshot) -> tuple[PolicyView, ...]:
    from netdiag_tui.describe import describe_policy

    by_ns: dict[str, list[Any]] = {}
    for pod in snapshot.pods:
        by_ns.setdefault(pod.namespace, []).append(pod)
    return tuple(
        describe_policy(snapshot, pol, by_ns)
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
    """``netdiag audit``'s findings, or ``None`` when the audit engine is not in this build."""
    try:
        from netdiag.audit.run import run_audit
    except ImportError:
        return None
    return tuple(
        Finding(
            severity=f.effective_severity.value,
            code=f.check.id,
            message=f.message,
        )
        for f in run_audit(snapshot)
    )


# --------------------------------------------------------------------------- export


def export_formats() -> tuple[str, ...]:
    """Format names ``netdiag export`` knows; empty when the export engine is absent."""
    try:
        from netdiag.export.formats import FORMATS
    except ImportError:
        return ()
    return tuple(FORMATS)


def export(
    snapshot: ClusterSnapshot,
    request: MatrixRequest,
    fmt: str,
    path: str,
    *,
    namespace: str | None = None,
) -> tuple[str, tuple[str, ...]]:
    """Write the matrix view (granularity, port, namespace) as ``fmt`` to ``path``.

    The same path as ``netdiag export``: the policy engine's reachability
    document, drawn by :mod:`netdiag.export`. Returns the path and the notes.
    """
    try:
        from netdiag.export.formats import export_document
        from netdiag.export.reachability import reachability_for
    except ImportError as e:
        raise EngineMissing("export engine not available in this build") from e
    from pathlib import Path

    ports = (request.port,) if request.port else ()

    def ask(level: str) -> Any:
        return reachability_for(snapshot, granularity=level, ports=ports, namespace=namespace)[0]

    document, notes = reachability_for(
        snapshot, granularity=request.granularity, ports=ports, namespace=namespace
    )
    exported = export_document(document, fmt, coarser=ask)
    target = Path(path).expanduser()
    target.write_bytes(exported.data)
    return str(target), tuple(notes) + tuple(exported.notes)


# --------------------------------------------------------------------------- sources


@dataclass(slots=True, kw_only=True)
class SourceState:
    """Where snapshots come from; the app reloads through :func:`load`."""

    source: SnapshotSource | None = None
    mtimes: dict[str, float] = field(default_factory=dict)


def load(
    source: SnapshotSource | None, warn: Callable[[str], None] | None = None
) -> ClusterSnapshot:
    """Load a snapshot (blocking: call from a thread worker).

    Live sources report progress and RBAC refusals through ``warn`` rather than
    stderr, which would draw over the running app.
    """
    if source is None:
        from netdiag.cluster.demo import load_demo

        return load_demo()
    if source.is_live:
        from netdiag.cluster.live import load_live

        return load_live(
            context=source.context,
            kubeconfig=source.kubeconfig,
            namespace=source.namespace,
            progress=lambda _query, _count: None,
            warn=warn,
        )
    from netdiag.cli.options import load_snapshot

    return load_snapshot(source)


def watch(
    source: SnapshotSource, *, stop: Any = None, warn: Any = None
) -> Iterator[tuple[ClusterSnapshot, int]]:
    """New snapshots of a live cluster, with how many objects changed (blocking iterator).

    ``stop`` (a ``threading.Event``) ends the stream; ``warn`` receives the
    watcher's warnings (never stderr: the terminal belongs to the TUI).
    """
    try:
        from netdiag.cluster.watch import watch_snapshots
    except ImportError as e:
        raise EngineMissing("live watch not available in this build") from e
    for update in watch_snapshots(
        context=source.context,
        kubeconfig=source.kubeconfig,
        namespace=source.namespace,
        stop=stop,
        warn=warn,
    ):
        yield update.snapshot, len(update.changes)


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
