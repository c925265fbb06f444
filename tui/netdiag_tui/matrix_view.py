"""The matrix screen's values: reachability (``netdiag.policy.matrix``) behind a small protocol.

Part of the TUI's engine adapter (:mod:`netdiag_tui.engine` re-exports it): the
grid widget sees :class:`MatrixModel` only, so it never renders more than the
visible cells and never learns the engine's types.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from netdiag.app.session import Session
    from netdiag.cluster.model import ClusterSnapshot


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNKNOWN = "unknown"
    #: No policy judges the pair (external → external): ``netdiag matrix``'s ``-``.
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixNode:
    id: str
    kind: str
    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...] = ()
    #: A pod expanded from a workload template with a made-up IP: no ipBlock matches
    #: it (``netdiag matrix`` marks it ``*`` too).
    synthetic: bool = False


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
    #: The same cell before the last live reload or what-if, when its verdict changed.
    before: Explanation | None = None


def matrix(session: Session, request: MatrixRequest) -> MatrixModel:
    """``netdiag matrix``'s matrix, from the same session call (heavy: call from a worker).

    The whole cluster: ``:ns`` narrows the rows shown (keeping the CIDR nodes, as
    ``netdiag matrix -n`` does); a cell does not depend on which other rows exist.
    """
    ports = (request.port,) if request.port else ()
    return PolicyMatrix(session.matrix(granularity=request.granularity, ports=ports), request)


def matrix_inputs(snapshot: ClusterSnapshot, request: MatrixRequest) -> tuple[object, ...]:
    """What the matrix of ``request`` reads from ``snapshot``: equal inputs, equal matrix
    (``netdiag.policy.matrixdiff.matrix_inputs``), so a live update that changes
    only readiness, Service ports or EndpointSlices keeps the computed matrix."""
    from netdiag.policy.matrixdiff import matrix_inputs as engine_inputs

    return (request, engine_inputs(snapshot))


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
        if self.engine.is_external_pair(i, j):
            return Verdict.NONE
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
        synthetic=bool(getattr(n, "synthetic_ip", False)),
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
