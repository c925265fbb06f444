"""Matrices of very large clusters without a class × class table.

The dense table (:mod:`netdiag.policy.cells`) holds one cell per pair of classes;
classes grow with namespaces (each namespace's label combinations are its own
classes), so at 150,000 pods the table and the per-namespace aggregation over it
grow with the square of the cluster. But a NetworkPolicy is namespaced: a
``podSelector``-only peer matches pods of the policy's own namespace only
(trap 3), and a policy selects pods of its own namespace only (trap 1). So
between endpoints of *different* namespaces only the cluster-wide parts of the
policies count — ``namespaceSelector`` peers, ``ipBlock`` peers, rules without
peers — and those see an endpoint only through which of these peers match it,
its named ports and its trap-8 flags. Endpoint classes with the same such view
are one *global* class; the cross-namespace cell of two classes is that of their
global classes, and global classes are few (they forget the namespace).

A class's *home* is the namespace of its pods; a class whose pods span several
namespaces is matched by no ``podSelector``-only peer and selected by no policy
(those would tell its pods apart), so the global view is exact for it and it
has no home. Cells of two classes sharing a home come from a small per-namespace
table; every other cell from the global one.

A pod's cell with another pod is the cell of their classes (:meth:`class_cell`).
Group cells (one node = a workload or a namespace) aggregate their member pairs:
nodes of different namespaces through their sets of global classes (memoised),
nodes of one namespace through that namespace's classes.
"""

from __future__ import annotations

import typing
from array import array
from collections.abc import Iterable, Sequence

from netdiag.cluster.meta import Protocol
from netdiag.policy.cells import Cell, CellTable, _combine, _indices, _Ports
from netdiag.policy.classes import Classes, Member
from netdiag.policy.compile import CompiledPeer, CompiledPolicy, CompiledRule
from netdiag.policy.ports import EMPTY, PortSet
from netdiag.policy.verdict import Verdict


class Row(typing.Protocol):
    """What the factoring reads of a matrix row (:class:`netdiag.policy.matrix.Node`)."""

    @property
    def members(self) -> tuple[int, ...]: ...


#: Above this many classes, group granularities use the factored form.
FACTOR_ABOVE = 500

_GlobalRules = tuple[tuple[tuple[object, ...], frozenset[int] | None], ...]


def _is_local(cp: CompiledPeer) -> bool:
    """A podSelector-only peer: pods of the policy's own namespace (trap 3)."""
    return cp.namespace_selector is None and cp.ip_block is None


class FactoredGroups:
    """``code(i, j)`` for nodes ``i != j`` and ``diag[i]``, codes into ``table.cells``."""

    def __init__(
        self,
        members: Sequence[Member],
        coarse: Sequence[int],
        cls: Classes,
        policies: Sequence[CompiledPolicy],
        query: PortSet,
        nodes: Sequence[Row] | None,
    ) -> None:
        """``nodes`` None: pod granularity, cells by :meth:`class_cell` only."""
        self.table = CellTable(cells=[], codes=[], _index={})
        self._ps = _Ports()
        self._q = self._ps.id(query)
        self._query = query
        self._cls = cls
        self._policies = policies
        n = cls.count
        self.home = _homes(members, coarse, n)
        self._gsig = _global_signatures(cls)
        self._rules: dict[tuple[object, ...], CompiledRule] = {}
        self._profiles: dict[tuple[tuple[int, ...], bool], _GlobalRules] = {}
        self._gd_named: list[dict[tuple[str, Protocol], int] | None] = []
        self._gs, self._gd = self._global_classes()
        self._local: dict[tuple[int, int], int] = {}
        self._cross: dict[tuple[int, int], int] = {}
        self._build_local()
        self.diag: array[int] = array("I")
        if nodes is not None:
            self._group(nodes, coarse, members)

    # -- per class ---------------------------------------------------------------

    def _global_rules(self, profile: tuple[int, ...], ingress: bool) -> _GlobalRules:
        got = self._profiles.get((profile, ingress))
        if got is None:
            got = self._profiles[(profile, ingress)] = self._rules_of(profile, ingress)
        return got

    def _rules_of(self, profile: tuple[int, ...], ingress: bool) -> _GlobalRules:
        out = []
        for p in profile:
            pol = self._policies[p]
            for rule in pol.ingress if ingress else pol.egress:
                gm: frozenset[int] | None
                if not rule.peers:
                    gm = None
                else:
                    ids = self._cls.peer_index  # peers by content (classes.py)
                    gm = frozenset(ids[cp] for cp in rule.peers if not _is_local(cp))
                    if not gm:
                        continue  # podSelector-only: never matches another namespace
                key = tuple(rule.ports)
                self._rules.setdefault(key, rule)
                out.append((key, gm))
        return tuple(sorted(set(out), key=repr))

    def _global_classes(self) -> tuple[list[int], list[int]]:
        cls = self._cls
        gs_ids: dict[object, int] = {}
        gd_ids: dict[object, int] = {}
        self._gs_keys: list[tuple[_GlobalRules | None, frozenset[int], bool, bool]] = []
        self._gd_keys: list[tuple[_GlobalRules | None, frozenset[int], object, bool, bool]] = []
        gs, gd = [], []
        for c in range(cls.count):
            eg = cls.egress_policies[c]
            ing = cls.ingress_policies[c]
            named = cls.named[c]
            skey = (
                self._global_rules(eg, False) if eg else None,
                self._gsig[c],
                cls.host_network[c],
                cls.cluster_ip[c],
            )
            dkey = (
                self._global_rules(ing, True) if ing else None,
                self._gsig[c],
                None if named is None else frozenset(named.items()),
                cls.host_network[c],
                cls.cluster_ip[c],
            )
            s = gs_ids.setdefault(skey, len(gs_ids))
            if s == len(self._gs_keys):
                self._gs_keys.append(skey)
            d = gd_ids.setdefault(dkey, len(gd_ids))
            if d == len(self._gd_keys):
                self._gd_keys.append(dkey)
                self._gd_named.append(named)
            gs.append(s)
            gd.append(d)
        return gs, gd

    # -- cells -------------------------------------------------------------------

    def cross(self, gs: int, gd: int) -> int:
        """The cell between global classes (endpoints of different namespaces)."""
        key = (gs, gd)
        code = self._cross.get(key)
        if code is None:
            eg_rules, s_sig, s_host, s_cip = self._gs_keys[gs]
            in_rules, d_sig, _, d_host, d_cip = self._gd_keys[gd]
            named = self._gd_named[gd]
            e = self._apply(eg_rules, d_sig, named)
            i = self._apply(in_rules, s_sig, named)
            ue = eg_rules is not None and (s_host or d_host or d_cip)
            ui = in_rules is not None and (d_host or s_host or s_cip)
            code = self._cross[key] = self.table.code(_combine(self._ps, e, i, ue, ui))
        return code

    def _apply(self, rules: _GlobalRules | None, sig: frozenset[int], named: object) -> int:
        ps = self._ps
        if rules is None:
            return self._q
        out = 0
        for key, gm in rules:
            if gm is None or not gm.isdisjoint(sig):
                rule = self._rules[key]
                out = ps.union(out, ps.id(rule.port_set(named) & self._query))  # type: ignore[arg-type]
        return out

    def class_cell(self, a: int, b: int) -> int:
        h = self.home[a]
        if h is not None and h == self.home[b]:
            return self._local[(a, b)]
        return self.cross(self._gs[a], self._gd[b])

    def _build_local(self) -> None:
        """Cells of class pairs with one home: the dense rule of :mod:`cells`, per namespace."""
        cls = self._cls
        by_home: dict[str, list[int]] = {}
        for c, h in enumerate(self.home):
            if h is not None:
                by_home.setdefault(h, []).append(c)
        odd = [cls.host_network[c] or cls.cluster_ip[c] for c in range(cls.count)]
        for local in by_home.values():
            mask = 0
            for c in local:
                mask |= 1 << c
            eg = {s: self._side(s, mask, False) for s in local if cls.egress_policies[s]}
            ing = {d: self._side(d, mask, True) for d in local if cls.ingress_policies[d]}
            for s in local:
                erow = eg.get(s)
                for d in local:
                    e = erow.get(d, 0) if erow is not None else self._q
                    icol = ing.get(d)
                    i = icol.get(s, 0) if icol is not None else self._q
                    ue = erow is not None and (cls.host_network[s] or odd[d])
                    ui = icol is not None and (cls.host_network[d] or odd[s])
                    self._local[(s, d)] = self.table.code(_combine(self._ps, e, i, ue, ui))

    def _side(self, c: int, mask: int, ingress: bool) -> dict[int, int]:
        """Port ids per class of the same home: egress of ``c`` to each, or ingress from each."""
        cls, ps = self._cls, self._ps
        profile = cls.ingress_policies[c] if ingress else cls.egress_policies[c]
        out: dict[int, int] = {}
        for p in profile:
            pol = self._policies[p]
            for rule in pol.ingress if ingress else pol.egress:
                bits = mask
                if rule.peers:
                    bits = 0
                    for cp in rule.peers:
                        bits |= cls.peer_bits[cls.peer_index[cp]]
                    bits &= mask
                for o in _indices(bits):
                    named = cls.named[c] if ingress else cls.named[o]
                    pid = ps.id(rule.port_set(named) & self._query)
                    out[o] = ps.union(out.get(o, 0), pid)
        return out

    # -- groups ------------------------------------------------------------------

    def _group(
        self, nodes: Sequence[Row], coarse: Sequence[int], members: Sequence[Member]
    ) -> None:
        groups: list[dict[int, int]] = []
        self.ns: list[str | None] = []
        for node in nodes:
            counts: dict[int, int] = {}
            for m in node.members:
                counts[coarse[m]] = counts.get(coarse[m], 0) + 1
            groups.append(counts)
            pod = members[node.members[0]].pod
            self.ns.append(pod.namespace if pod is not None else None)
        self._groups = groups
        sg_ids: dict[frozenset[int], int] = {}
        dg_ids: dict[frozenset[int], int] = {}
        self.sg: list[int] = []
        self.dg: list[int] = []
        for g in groups:
            self.sg.append(sg_ids.setdefault(frozenset(self._gs[c] for c in g), len(sg_ids)))
            self.dg.append(dg_ids.setdefault(frozenset(self._gd[c] for c in g), len(dg_ids)))
        # Different namespaces: a dense table over the (few) sets of global classes.
        srcs, dsts = list(sg_ids), list(dg_ids)
        self.xg: list[array[int]] = []
        for a in srcs:
            row = array("I")
            for b in dsts:
                row.append(self._aggregate([self.cross(x, y) for x in a for y in b]))
            self.xg.append(row)
        # One namespace: a small table per namespace, over its nodes.
        self.local_index: list[int] = []
        self.blocks: dict[str, list[array[int]]] = {}
        by_ns: dict[str, list[int]] = {}
        for i, ns in enumerate(self.ns):
            if ns is None:
                self.local_index.append(-1)
                continue
            idx = by_ns.setdefault(ns, [])
            self.local_index.append(len(idx))
            idx.append(i)
        for ns, idx in by_ns.items():
            block = []
            for i in idx:
                row = array("I")
                for j in idx:
                    row.append(0 if i == j else self._pairs_code(groups[i], groups[j], False))
                block.append(row)
            self.blocks[ns] = block
        self.diag = array("I", (self._pairs_code(g, g, True) for g in groups))

    def _pairs_code(self, a: dict[int, int], b: dict[int, int], same: bool) -> int:
        codes = [self.class_cell(x, y) for x in a for y in b if not (same and x == y and a[x] == 1)]
        if not codes:  # a single pod with itself
            return self.table.code(Cell(verdict=Verdict.ALLOWED, ports=self._query))
        return self._aggregate(codes)

    def _aggregate(self, codes: Iterable[int]) -> int:
        """Same rule as :meth:`CellTable.aggregate`, over cell codes."""
        allowed = unknown = EMPTY
        any_unknown = False
        cells = self.table.cells
        for code in set(codes):
            c = cells[code]
            if c.verdict is Verdict.ALLOWED:
                allowed = allowed | c.ports
            elif c.verdict is Verdict.UNKNOWN:
                any_unknown = True
                unknown = unknown | c.ports
        if allowed:
            return self.table.code(Cell(verdict=Verdict.ALLOWED, ports=allowed))
        if any_unknown:
            return self.table.code(Cell(verdict=Verdict.UNKNOWN, ports=unknown))
        return self.table.code(Cell(verdict=Verdict.DENIED, ports=EMPTY))

    def code(self, i: int, j: int) -> int:
        """The cell of nodes ``i != j``."""
        ns = self.ns[i]
        if ns is not None and ns == self.ns[j]:
            return self.blocks[ns][self.local_index[i]][self.local_index[j]]
        return self.xg[self.sg[i]][self.dg[j]]


def _homes(members: Sequence[Member], coarse: Sequence[int], n: int) -> list[str | None]:
    unset = object()
    home: list[object] = [unset] * n
    for m, mem in enumerate(members):
        c = coarse[m]
        ns = mem.pod.namespace if mem.pod is not None else None
        if home[c] is unset:
            home[c] = ns
        elif home[c] != ns:
            home[c] = None
    return [h if isinstance(h, str) else None for h in home]


def _global_signatures(cls: Classes) -> list[frozenset[int]]:
    """Per class, the ids of the cluster-wide peers (namespaceSelector, ipBlock) matching it."""
    sig: list[set[int]] = [set() for _ in range(cls.count)]
    seen: set[int] = set()
    for cp, pid in cls.peer_index.items():
        if _is_local(cp) or pid in seen:
            continue
        seen.add(pid)
        for c in _indices(cls.peer_bits[pid]):
            sig[c].add(pid)
    return [frozenset(s) for s in sig]
