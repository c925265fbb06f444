"""Reachability changes between two matrices, grouped so that a big change reads short.

:func:`netdiag.policy.matrixdiff.changed_blocks` walks the two matrices class by
class and returns the changed cells as blocks (nodes of one class before and
after, to nodes of another): one block per changed class pair. Here each block
gets a kind (opened, closed, ports, implementation-defined, defined) and the
explanation of one representative cell on each side — which policy and rule
decided before, which now — and blocks with the same kind, the same before and
after values and the same deciding rules are one :class:`ReachChange`. A policy
that opens a port to 10,000 pod pairs is one change of 10,000 cells.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netdiag.policy.matrix import Matrix
from netdiag.policy.matrixdiff import Block, Edge, PortKey, changed_blocks, port_keys
from netdiag.policy.verdict import ConnectionVerdict, Side, Verdict

#: Report order of the kinds of change.
KINDS = ("opened", "closed", "ports", "implementation-defined", "defined")
#: Changed class pairs explained at most (each costs one rule-level evaluation per side).
MAX_EXPLAINED = 5_000
NOT_EXPLAINED = f"not explained (more than {MAX_EXPLAINED} changed class pairs)"


@dataclass(frozen=True, slots=True, kw_only=True)
class CellState:
    """One side of a changed cell: its ports and whether it is implementation-defined;
    ``ports == ()`` and not ``implementation_defined``: denied (no edge). An
    implementation-defined cell is an edge even with no port surely allowed."""

    ports: tuple[PortKey, ...] = ()
    implementation_defined: bool = False
    #: Why, in words that do not name the pair (so equal reasons group).
    why: str = ""

    @property
    def allowed(self) -> bool:
        """An edge of the reachability document (``netdiag.policy.cells.is_edge``)."""
        return bool(self.ports) or self.implementation_defined


@dataclass(frozen=True, slots=True, kw_only=True)
class ReachChange:
    """Cells that changed the same way for the same reasons."""

    kind: str
    before: CellState
    after: CellState
    #: ``(sources, destinations)`` node-id blocks; every pair with ``src != dst`` changed.
    blocks: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    cells: int
    #: A representative cell ``(src, dst)`` the explanations are about.
    example: tuple[str, str]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({s for b in self.blocks for s in b[0]}))

    @property
    def destinations(self) -> tuple[str, ...]:
        return tuple(sorted({d for b in self.blocks for d in b[1]}))

    @property
    def ports_added(self) -> tuple[PortKey, ...]:
        return tuple(p for p in self.after.ports if p not in self.before.ports)

    @property
    def ports_removed(self) -> tuple[PortKey, ...]:
        return tuple(p for p in self.before.ports if p not in self.after.ports)


def kind_of(was: Edge | None, now: Edge | None) -> str:
    """Opened/closed: an edge appears/disappears; else the implementation-defined flag
    flipping names the change; else its ports changed."""
    if was is None:
        return "opened"
    if now is None:
        return "closed"
    if was[1] != now[1]:
        return "implementation-defined" if now[1] else "defined"
    return "ports"


def _sorted_ports(ports: Iterable[PortKey]) -> tuple[PortKey, ...]:
    return tuple(sorted(ports, key=lambda p: (p[0], p[1] or 0, p[2] or 0)))


def side_reason(side: Side) -> str:
    """One direction of a verdict in words, without naming the pod (so reasons group)."""
    d = side.direction.value
    if not side.applicable:
        return ""
    if side.unknown:
        return f"{d} implementation-defined ({side.unknown})"
    if not side.isolated:
        return f"{d} not isolated"
    if side.matches:
        rules = sorted({f"{m.policy} {d}[{m.rule}]" for m in side.matches})
        return f"{d} allowed by " + ", ".join(rules)
    return f"{d} isolated by {', '.join(sorted(side.policies))}, no rule allows"


def reason(v: ConnectionVerdict) -> str:
    """Both directions of each path (pod pairs have one path), joined."""
    parts: list[str] = []
    for p in v.paths:
        for text in (side_reason(p.egress), side_reason(p.ingress)):
            if text and text not in parts:
                parts.append(text)
    return "; ".join(parts) or v.verdict.value


class _Explainer:
    """``Matrix.explain`` by node id, memoised per reason key."""

    def __init__(self, m: Matrix | None) -> None:
        self.m = m
        self.index = {} if m is None else {n.id: i for i, n in enumerate(m.rows)}

    def why(self, src: str, dst: str) -> str:
        if self.m is None:
            return "not in the snapshot"
        i, j = self.index.get(src), self.index.get(dst)
        if i is None or j is None:
            missing = src if i is None else dst
            return f"{missing} does not exist"
        v = self.m.explain(i, j)
        if v.verdict is Verdict.DENIED and not v.paths:
            return "denied"
        return reason(v)


def _state(edge: Edge | None, why: str) -> CellState:
    if edge is None:
        return CellState(why=why)
    return CellState(ports=_sorted_ports(edge[0]), implementation_defined=edge[1], why=why)


Pair = tuple[str, str]


def _example(sources: Sequence[str], targets: Sequence[str]) -> Pair:
    for s in sources:
        for d in targets:
            if s != d:
                return s, d
    return sources[0], targets[0]


def diff_reachability(
    old: Matrix, new: Matrix, *, max_explained: int = MAX_EXPLAINED
) -> tuple[ReachChange, ...]:
    """The changed cells of the two matrices (same granularity, same ports), grouped.

    The first ``max_explained`` changed class pairs get their example explained on
    both sides (~0.1 ms each); beyond that, changes say :data:`NOT_EXPLAINED`.
    """
    blocks = changed_blocks(old, new)
    if blocks is None:  # repeated node ids: per-edge changes, one block each
        blocks = _pairwise(old, new)
    before, after = _Explainer(old), _Explainer(new)
    groups: dict[tuple[str, CellState, CellState], list[tuple[list[str], list[str], Pair]]] = {}
    for n, (sources, targets, was, now) in enumerate(blocks):
        example = _example(sources, targets)
        if n < max_explained:
            b = _state(was, before.why(*example))
            a = _state(now, after.why(*example))
        else:  # bounded: one evaluation per block; the rest group by their values
            b, a = _state(was, NOT_EXPLAINED), _state(now, NOT_EXPLAINED)
        groups.setdefault((kind_of(was, now), b, a), []).append((sources, targets, example))
    out = []
    for (kind, b, a), members in groups.items():
        cells = sum(len(s) * len(t) - (len(s) if s is t else 0) for s, t, _ in members)
        blocks_out = tuple(sorted((tuple(sorted(s)), tuple(sorted(t))) for s, t, _ in members))
        out.append(
            ReachChange(
                kind=kind,
                before=b,
                after=a,
                blocks=blocks_out,
                cells=cells,
                example=min(e for _, _, e in members),
            )
        )
    out.sort(key=lambda c: (KINDS.index(c.kind), -c.cells, c.example, c.before.why, c.after.why))
    return tuple(out)


def _edge_map(m: Matrix) -> dict[tuple[str, str], Edge]:
    return {
        (m.rows[i].id, m.cols[j].id): (port_keys(c.ports), c.verdict is Verdict.UNKNOWN)
        for i, j, c in m.iter_edges()
    }


def _pairwise(old: Matrix, new: Matrix) -> list[Block]:
    """Per-edge blocks from the two edge lists (the repeated-id fallback only)."""
    before, after = _edge_map(old), _edge_map(new)
    return [
        ([k[0]], [k[1]], before.get(k), after.get(k))
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]
