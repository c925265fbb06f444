"""The one place the TUI talks to netdiag's engines.

Screens consume the small view values defined here (policies, findings, export,
loading and watching) and in :mod:`netdiag_tui.trace_view` (the resolve screen) and
:mod:`netdiag_tui.matrix_view` (the matrix); the functions translate the
engines' results (``netdiag.dns.resolver.trace``, ``netdiag.policy.matrix``/``evaluate``,
``netdiag.export``, ``netdiag.audit``, ``netdiag.sources.watch``), asked through the
application layer (:class:`netdiag.app.session.Session`), into them. No engine
logic lives in the TUI. Screens call ``engine.<name>`` through this module, so a
test can replace one adapter (``monkeypatch.setattr(engine, "matrix", …)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netdiag_tui.describe import PolicyView, describe_policy
from netdiag_tui.matrix_view import (
    MatrixRequest,
)

if TYPE_CHECKING:
    from netdiag.app.session import Session
    from netdiag.app.source import Source
    from netdiag.cluster.model import ClusterSnapshot


# --------------------------------------------------------------------------- policies


def policy_yaml(view: PolicyView) -> str:
    from netdiag_tui.describe import policy_yaml as render

    return render(view.policy) if view.policy is not None else ""


def policies(snapshot: ClusterSnapshot) -> tuple[PolicyView, ...]:
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
    objects: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    fix: str = ""


def audit(session: Session, namespace: str | None = None) -> tuple[Finding, ...]:
    """``netdiag audit [-n NS]``'s findings (the same session call as the CLI's)."""
    return tuple(
        Finding(
            severity=f.effective_severity.value,
            code=f.check.id,
            message=f.message,
            objects=tuple(f.objects),
            evidence=tuple(f.evidence),
            fix=f.fix,
        )
        for f in session.audit(namespace=namespace)
    )


# --------------------------------------------------------------------------- export


def export_formats() -> tuple[str, ...]:
    """Format names ``netdiag export`` knows."""
    from netdiag.export.formats import FORMATS

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
    from pathlib import Path

    from netdiag.app.session import Session
    from netdiag.app.source import Source
    from netdiag.export.formats import export_document

    session = Session(Source(), snapshot)

    ports = (request.port,) if request.port else ()

    def ask(level: str) -> Any:
        return session.reachability(granularity=level, ports=ports, namespace=namespace)[0]

    document, notes = session.reachability(
        granularity=request.granularity, ports=ports, namespace=namespace
    )
    exported = export_document(document, fmt, coarser=ask)
    target = Path(path).expanduser()
    target.write_bytes(exported.data)
    return str(target), tuple(notes) + tuple(exported.notes)


# --------------------------------------------------------------------------- sources


def load(source: Source | None, warn: Callable[[str], None] | None = None) -> ClusterSnapshot:
    """Load a snapshot (blocking: call from a thread worker).

    Live sources report RBAC refusals through ``warn`` rather than stderr,
    which would draw over the running app; progress is not drawn.
    """
    from netdiag.app.source import load_snapshot

    return load_snapshot(source or Source(), warn=warn, quiet_progress=True)


def watch(
    source: Source, *, stop: Any = None, warn: Any = None
) -> Iterator[tuple[ClusterSnapshot, int]]:
    """New snapshots of a live cluster, with how many objects changed (blocking iterator).

    ``stop`` (a ``threading.Event``) ends the stream; ``warn`` receives the
    watcher's warnings (never stderr: the terminal belongs to the TUI).
    """
    from netdiag.sources.watch import watch_snapshots

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
