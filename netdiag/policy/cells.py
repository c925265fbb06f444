"""The class × class table of the matrix, filled with bitsets and interned port sets."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netdiag.policy.classes import Classes
from netdiag.policy.compile import CompiledPolicy, CompiledRule
from netdiag.policy.ports import EMPTY, PortSet
from netdiag.policy.verdict import Verdict


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    verdict: Verdict
    ports: PortSet

    @property
    def is_edge(self) -> bool:
        """An edge of ``netdiag/reachability/v1``: some port allowed, or
        implementation-defined (kept even with no port surely allowed: dropping
        it would read as "denied" to a JSON consumer)."""
        return self.verdict is Verdict.UNKNOWN or (
            self.verdict is not Verdict.DENIED and bool(self.ports)
        )


class _Ports:
    """Interned port sets with memoised union/intersection by id."""

    def __init__(self) -> None:
        self.sets: list[PortSet] = [EMPTY]
        self.ids: dict[PortSet, int] = {EMPTY: 0}
        self._or: dict[tuple[int, int], int] = {}
        self._and: dict[tuple[int, int], int] = {}

    def id(self, ps: PortSet) -> int:
        i = self.ids.get(ps)
        if i is None:
            i = self.ids[ps] = len(self.sets)
            self.sets.append(ps)
        return i

    def union(self, a: int, b: int) -> int:
        if a == b or b == 0:
            return a
        if a == 0:
            return b
        r = self._or.get((a, b))
        if r is None:
            r = self._or[(a, b)] = self.id(self.sets[a] | self.sets[b])
        return r

    def inter(self, a: int, b: int) -> int:
        if a == b:
            return a
        r = self._and.get((a, b))
        if r is None:
            r = self._and[(a, b)] = self.id(self.sets[a] & self.sets[b])
        return r


@dataclass(slots=True)
class CellTable:
    cells: list[Cell]
    codes: list[array[int]]
    _index: dict[Cell, int]

    def cell(self, s: int, d: int) -> Cell:
        return self.cells[self.codes[s][d]]

    def code(self, c: Cell) -> int:
        i = self._index.get(c)
        if i is None:
            i = self._index[c] = len(self.cells)
            self.cells.append(c)
        return i

    def aggregate(self, pairs: Iterable[tuple[int, int]], query: PortSet) -> int:
        """ALLOWED (union of allowed ports) if any pair allows, else UNKNOWN if any pair is
        implementation-defined (union of its ports), else DENIED.

        No pairs (a single pod with itself) is allowed: a pod can reach itself.
        """
        allowed = unknown = EMPTY
        verdicts = set()
        n = 0
        for s, d in pairs:
            n += 1
            c = self.cell(s, d)
            verdicts.add(c.verdict)
            if c.verdict is Verdict.ALLOWED:
                allowed = allowed | c.ports
            elif c.verdict is Verdict.UNKNOWN:
                unknown = unknown | c.ports
        if n == 0:
            return self.code(Cell(verdict=Verdict.ALLOWED, ports=query))
        if allowed:
            return self.code(Cell(verdict=Verdict.ALLOWED, ports=allowed))
        if Verdict.UNKNOWN in verdicts:
            return self.code(Cell(verdict=Verdict.UNKNOWN, ports=unknown))
        return self.code(Cell(verdict=Verdict.DENIED, ports=EMPTY))


def _rule_bits(rule: CompiledRule, cls: Classes, all_bits: int) -> int:
    if not rule.peers:
        return all_bits
    bits = 0
    for cp in rule.peers:
        bits |= cls.peer_bits[cls.peer_index[cp]]
    return bits


def _indices(bits: int) -> Iterable[int]:
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


def _egress_row(
    profile: tuple[int, ...],
    policies: Sequence[CompiledPolicy],
    cls: Classes,
    ps: _Ports,
    q: PortSet,
    all_bits: int,
) -> list[int]:
    n = cls.count
    row = [0] * n
    for p in profile:
        for rule in policies[p].egress:
            bits = _rule_bits(rule, cls, all_bits)
            if not rule.has_named_ports:
                pid = ps.id(rule.port_set(None) & q)
                if pid:
                    for d in _indices(bits):
                        row[d] = ps.union(row[d], pid)
                continue
            # Trap 5: named ports resolve on each destination class's pods.
            for d in _indices(bits):
                pid = ps.id(rule.port_set(cls.named[d]) & q)
                row[d] = ps.union(row[d], pid)
    return row


def _ingress_col(
    profile: tuple[int, ...],
    d: int,
    policies: Sequence[CompiledPolicy],
    cls: Classes,
    ps: _Ports,
    q: PortSet,
    all_bits: int,
) -> list[int]:
    col = [0] * cls.count
    for p in profile:
        for rule in policies[p].ingress:
            pid = ps.id(rule.port_set(cls.named[d]) & q)
            if pid:
                for s in _indices(_rule_bits(rule, cls, all_bits)):
                    col[s] = ps.union(col[s], pid)
    return col


def compute_cells(cls: Classes, policies: Sequence[CompiledPolicy], query: PortSet) -> CellTable:
    n = cls.count
    ps = _Ports()
    q = ps.id(query)
    all_bits = (1 << n) - 1
    rows: dict[tuple[int, ...], list[int]] = {}
    eg: list[list[int] | None] = []
    for s in range(n):
        prof = cls.egress_policies[s]
        if prof and prof not in rows:
            rows[prof] = _egress_row(prof, policies, cls, ps, query, all_bits)
        eg.append(rows[prof] if prof else None)
    cols: dict[tuple[tuple[int, ...], object], list[int]] = {}
    ing: list[list[int] | None] = []
    for d in range(n):
        prof = cls.ingress_policies[d]
        named = cls.named[d]
        key = (prof, None if named is None else frozenset(named.items()))
        if prof and key not in cols:
            cols[key] = _ingress_col(prof, d, policies, cls, ps, query, all_bits)
        ing.append(cols[key] if prof else None)
    return _fill(cls, ps, q, eg, ing)


def _fill(
    cls: Classes, ps: _Ports, q: int, eg: list[list[int] | None], ing: list[list[int] | None]
) -> CellTable:
    n = cls.count
    table = CellTable(cells=[], codes=[], _index={})
    memo: dict[tuple[int, int, bool, bool], int] = {}
    odd = [cls.host_network[c] or cls.cluster_ip[c] for c in range(n)]
    host = cls.host_network
    any_odd = any(odd)
    for s in range(n):
        erow = eg[s]
        row = array("I", bytes(4 * n))
        for d in range(n):
            e = erow[d] if erow is not None else q
            icol = ing[d]
            i = icol[s] if icol is not None else q
            ue = ui = False
            if any_odd:
                # Trap 8: hostNetwork endpoints and ClusterIPs make an isolated side undefined.
                ue = erow is not None and (host[s] or odd[d])
                ui = icol is not None and (host[d] or odd[s])
            key = (e, i, ue, ui)
            code = memo.get(key)
            if code is None:
                code = memo[key] = table.code(_combine(ps, e, i, ue, ui))
            row[d] = code
        table.codes.append(row)
    return table


def _combine(ps: _Ports, e: int, i: int, ue: bool, ui: bool) -> Cell:
    """Same rule as :func:`netdiag.policy.evaluate.combine`."""
    ports = ps.sets[ps.inter(e, i)]
    if not ue and not ui:
        return Cell(verdict=Verdict.ALLOWED if ports else Verdict.DENIED, ports=ports)
    known = ([] if ue else [e]) + ([] if ui else [i])
    if any(k == 0 for k in known):
        return Cell(verdict=Verdict.DENIED, ports=EMPTY)
    return Cell(verdict=Verdict.UNKNOWN, ports=ports)
