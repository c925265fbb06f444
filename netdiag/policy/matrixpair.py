"""The matrices of two snapshots that differ only in their policies, classes built once.

When two snapshots have the same pods, namespaces and Service ClusterIPs
(:func:`netdiag.policy.matrixdiff.matrix_inputs` but the policies), their
endpoints are the same; the equivalence classes (:mod:`netdiag.policy.classes`)
built for the *union* of both policy sets separate every pair of endpoints
either side's policies can tell apart, so one partition serves both matrices:
each side keeps only its own policies in the class profiles. The egress rows and
ingress columns of the same policies are computed once for both sides, and the
new cell table is the old one with only the rows and columns whose policies
changed recomputed (:func:`cell_pair`). Both matrices get the same nodes, CIDRs
named by either side's ipBlocks included, so the diff compares like with like.
Pure: no I/O.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from netdiag.cluster.model import ClusterSnapshot
from netdiag.policy.cells import CellTable, _combine, _egress_row, _fill, _ingress_col, _Ports
from netdiag.policy.classes import Classes, build_classes
from netdiag.policy.compile import CompiledPolicy
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.matrix import Matrix, _members
from netdiag.policy.matrixdiff import matrix_inputs
from netdiag.policy.ports import ALL, PortSet

if TYPE_CHECKING:
    from netdiag.dns.zone.upstream import UpstreamZone


def same_endpoints(old: ClusterSnapshot, new: ClusterSnapshot) -> bool:
    """Everything a matrix reads but the policies is equal."""
    return matrix_inputs(old)[1:] == matrix_inputs(new)[1:]


def _side(cls: Classes, union: Sequence[CompiledPolicy], own: Sequence[CompiledPolicy]) -> Classes:
    where = {p: i for i, p in enumerate(own)}
    remap = [where.get(p, -1) for p in union]

    def keep(profile: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(remap[i] for i in profile if remap[i] >= 0)

    memo: dict[tuple[int, ...], tuple[int, ...]] = {}
    return replace(
        cls,
        egress_policies=[memo.setdefault(p, keep(p)) for p in cls.egress_policies],
        ingress_policies=[memo.setdefault(p, keep(p)) for p in cls.ingress_policies],
    )


def matrix_pair(
    old: ClusterSnapshot,
    new: ClusterSnapshot,
    *,
    granularity: str = "pod",
    namespaces: Sequence[str] = (),
    externals: Sequence[str] = (),
    ports: PortSet | None = None,
    upstream: UpstreamZone | None = None,
) -> tuple[Matrix, Matrix]:
    """``Matrix(old)`` and ``Matrix(new)`` over the same nodes; shared classes when
    only the NetworkPolicies differ, else (other endpoints, or policy layers beyond
    NetworkPolicy v1 on either side) two independent builds."""
    ev_old, ev_new = Evaluator(old, upstream), Evaluator(new, upstream)
    # The shared-class fast path knows NetworkPolicy v1 only.
    layered = any(s.cluster_network_policies or s.foreign_policies for s in (old, new))
    if layered or not same_endpoints(old, new):
        return (
            Matrix(
                old,
                granularity=granularity,
                namespaces=namespaces,
                externals=externals,
                ports=ports,
                evaluator=ev_old,
            ),
            Matrix(
                new,
                granularity=granularity,
                namespaces=namespaces,
                externals=externals,
                ports=ports,
                evaluator=ev_new,
            ),
        )
    union = list(dict.fromkeys((*ev_old.policies, *ev_new.policies)))
    cidrs = [*externals, *_policy_cidrs(union)]
    members = _members(old, ev_old, namespaces, cidrs, False)
    classes = build_classes(members, union, ev_old.ns_labels)
    cls_old = _side(classes, union, ev_old.policies)
    cls_new = _side(classes, union, ev_new.policies)
    tables = cell_pair(cls_old, cls_new, ev_old.policies, ev_new.policies, ports or ALL)
    out = []
    for snap, ev, cls, table in (
        (old, ev_old, cls_old, tables[0]),
        (new, ev_new, cls_new, tables[1]),
    ):
        out.append(
            Matrix(
                snap,
                granularity=granularity,
                ports=ports,
                evaluator=ev,
                members=members,
                classes=cls,
                table=table,
            )
        )
    return out[0], out[1]


Sides = list[list[int] | None]


def _sides(
    cls: Classes,
    policies: Sequence[CompiledPolicy],
    ps: _Ports,
    query: PortSet,
    rows: dict[object, list[int]],
    cols: dict[object, list[int]],
) -> tuple[Sides, Sides]:
    """Per class: its egress row and ingress column (``None``: not isolated), shared by
    key — the policies themselves, not their indices — so both sides reuse each other's."""
    n = cls.count
    all_bits = (1 << n) - 1
    eg: Sides = []
    for s in range(n):
        prof = cls.egress_policies[s]
        if not prof:
            eg.append(None)
            continue
        key = tuple(policies[i] for i in prof)
        row = rows.get(key)
        if row is None:
            row = rows[key] = _egress_row(prof, policies, cls, ps, query, all_bits)
        eg.append(row)
    ing: Sides = []
    for d in range(n):
        prof = cls.ingress_policies[d]
        if not prof:
            ing.append(None)
            continue
        named = cls.named[d]
        ckey = (
            tuple(policies[i] for i in prof),
            None if named is None else frozenset(named.items()),
        )
        col = cols.get(ckey)
        if col is None:
            col = cols[ckey] = _ingress_col(prof, d, policies, cls, ps, query, all_bits)
        ing.append(col)
    return eg, ing


def cell_pair(
    cls_old: Classes,
    cls_new: Classes,
    pol_old: Sequence[CompiledPolicy],
    pol_new: Sequence[CompiledPolicy],
    query: PortSet,
) -> tuple[CellTable, CellTable]:
    """``compute_cells`` of both sides over one partition: the old table in full; the new
    one as a copy of it with only the rows whose egress and the columns whose ingress
    differ recomputed — a one-policy change touches a few of the n² cells."""
    ps = _Ports()
    q = ps.id(query)
    rows: dict[object, list[int]] = {}
    cols: dict[object, list[int]] = {}
    eg_o, ing_o = _sides(cls_old, pol_old, ps, query, rows, cols)
    eg_n, ing_n = _sides(cls_new, pol_new, ps, query, rows, cols)
    old = _fill(cls_old, ps, q, eg_o, ing_o)
    new = CellTable(
        cells=list(old.cells), codes=[array("I", r) for r in old.codes], _index=dict(old._index)
    )
    n = cls_new.count
    changed_rows = [s for s in range(n) if eg_n[s] is not eg_o[s]]
    changed_cols = [d for d in range(n) if ing_n[d] is not ing_o[d]]
    if not changed_rows and not changed_cols:
        return old, new
    odd = [cls_new.host_network[c] or cls_new.cluster_ip[c] for c in range(n)]
    host = cls_new.host_network
    memo: dict[tuple[int, int, bool, bool], int] = {}

    def code(s: int, d: int) -> int:
        erow, icol = eg_n[s], ing_n[d]
        e = erow[d] if erow is not None else q
        i = icol[s] if icol is not None else q
        # Trap 8, as in cells._fill: hostNetwork and ClusterIPs make an isolated side undefined.
        ue = erow is not None and (host[s] or odd[d])
        ui = icol is not None and (host[d] or odd[s])
        key = (e, i, ue, ui)
        c = memo.get(key)
        if c is None:
            c = memo[key] = new.code(_combine(ps, e, i, ue, ui))
        return c

    for s in changed_rows:
        row = new.codes[s]
        for d in range(n):
            row[d] = code(s, d)
    for d in changed_cols:
        for s in range(n):
            new.codes[s][d] = code(s, d)
    return old, new


def _policy_cidrs(policies: Sequence[CompiledPolicy]) -> list[str]:
    """The CIDRs ipBlocks name, as ``Matrix`` adds them as nodes (``policy_cidrs``)."""
    out: dict[str, None] = {}
    for pol in policies:
        for rule in (*pol.ingress, *pol.egress):
            for cp in rule.peers:
                if cp.ip_block is not None:
                    out.setdefault(cp.ip_block.cidr)
                    for ex in cp.ip_block.excepts:
                        out.setdefault(str(ex))
    return list(out)
