"""The reachability matrix at cluster scale: class pairs, not pods × pods × rules.

Endpoints are grouped into equivalence classes (:mod:`netdiag.policy.classes`);
each rule is applied once per class *profile* with Python-int bitsets over the
classes it matches; the class × class table of interned cells is filled once,
after which :meth:`Matrix.cell` is O(1). Explanations delegate to
:class:`~netdiag.policy.evaluate.Evaluator` on real endpoints.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot
from netdiag.policy.cells import Cell, CellTable, compute_cells
from netdiag.policy.classes import Member, build_classes
from netdiag.policy.compile import parse_network
from netdiag.policy.endpoints import Endpoint, cluster_ip_of, pod_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.ports import ALL, PortSet
from netdiag.policy.verdict import ConnectionVerdict, Verdict

GRANULARITIES = ("pod", "workload", "namespace")
SCHEMA = "netdiag/reachability/v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A row/column: a pod, a workload, a namespace or an external CIDR."""

    id: str
    kind: str
    namespace: str | None
    name: str
    labels: Labels
    #: Indices into :attr:`Matrix.members`.
    members: tuple[int, ...]
    synthetic_ip: bool = False


class Matrix:
    """``rows``/``cols`` (the same node list) and ``cell(i, j)`` in O(1) once built."""

    def __init__(
        self,
        snapshot: ClusterSnapshot,
        *,
        granularity: str = "pod",
        namespaces: Sequence[str] = (),
        externals: Sequence[str] = (),
        ports: PortSet | None = None,
        policy_cidrs: bool = True,
    ) -> None:
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
        self.snapshot = snapshot
        self.granularity = granularity
        self.query = ports
        self.evaluator = Evaluator(snapshot)
        self.members: list[Member] = _members(
            snapshot, self.evaluator, namespaces, externals, policy_cidrs
        )
        classes = build_classes(self.members, self.evaluator.policies, self.evaluator.ns_labels)
        self._coarse = classes.coarse
        self.class_count = classes.count
        self._table: CellTable = compute_cells(classes, self.evaluator.policies, ports or ALL)
        self.rows: tuple[Node, ...] = _nodes(self.members, granularity, self.evaluator.ns_labels)
        self.cols = self.rows
        #: Group granularities: each node's group class (its set of member classes),
        #: the group-class x group-class codes (i != j), and each node's own cell.
        self._gcls: list[int] | None = None
        self._gcodes: list[array[int]] = []
        self._diag: array[int] = array("I")
        if granularity != "pod":
            self._aggregate()

    @property
    def notes(self) -> tuple[str, ...]:
        return self.evaluator.snapshot_notes()

    def _member_cell(self, a: int, b: int) -> Cell:
        if a == b:
            # Trap 8: a pod can always reach itself.
            return Cell(verdict=Verdict.ALLOWED, ports=self.query or ALL)
        return self._table.cell(self._coarse[a], self._coarse[b])

    def cell(self, i: int, j: int) -> Cell:
        if self._gcls is not None:
            if i == j:
                return self._table.cells[self._diag[i]]
            return self._table.cells[self._gcodes[self._gcls[i]][self._gcls[j]]]
        return self._member_cell(self.rows[i].members[0], self.cols[j].members[0])

    def is_external_pair(self, i: int, j: int) -> bool:
        return self.rows[i].kind == "cidr" and self.cols[j].kind == "cidr"

    def node_classes(self) -> tuple[list[int], list[array[int]], list[Cell]]:
        """``(cls, codes, cells)``: for rows ``i != j``, ``cell(i, j)`` is
        ``cells[codes[cls[i]][cls[j]]]`` — the class view a diff can walk instead of pairs."""
        if self._gcls is not None:
            return self._gcls, self._gcodes, self._table.cells
        cls = [self._coarse[r.members[0]] for r in self.rows]
        return cls, self._table.codes, self._table.cells

    def _aggregate(self) -> None:
        """Group cells: union of the member pairs' allowed ports (a pod to itself excluded).

        Between two different nodes every member pair counts, so the cell depends only
        on the two sets of member classes: it is computed once per pair of such sets.
        """
        groups = []
        for node in self.rows:
            counts: dict[int, int] = {}
            for m in node.members:
                counts[self._coarse[m]] = counts.get(self._coarse[m], 0) + 1
            groups.append(counts)
        sig_of: dict[frozenset[int], int] = {}
        reps: list[dict[int, int]] = []
        gcls = []
        for g in groups:
            s = sig_of.setdefault(frozenset(g), len(reps))
            if s == len(reps):
                reps.append(g)
            gcls.append(s)
        query = self.query or ALL
        codes = self._table.codes
        # A group of one class: its cell with another group is that class pair's cell.
        single = [next(iter(g)) if len(g) == 1 else -1 for g in reps]
        for a, si in zip(reps, single, strict=True):
            row = array("I")
            for b, sj in zip(reps, single, strict=True):
                if si >= 0 and sj >= 0:
                    row.append(codes[si][sj])
                else:
                    row.append(self._table.aggregate(_pairs(a, b, False), query))
            self._gcodes.append(row)
        # A node with itself: only pairs of different pods (which counts tell apart).
        memo: dict[frozenset[tuple[int, int]], int] = {}
        for g in groups:
            key = frozenset(g.items())
            code = memo.get(key)
            if code is None:
                code = memo[key] = self._table.aggregate(_pairs(g, g, True), query)
            self._diag.append(code)
        self._gcls = gcls

    def explain(self, i: int, j: int) -> ConnectionVerdict:
        """Why cell (i, j) is what it is: a member pair with the cell's verdict, in full."""
        a, b = self._witness(i, j)
        return self.evaluator.connection(self._endpoint(a), self._endpoint(b), self.query)

    def _witness(self, i: int, j: int) -> tuple[int, int]:
        src, dst = self.rows[i].members, self.cols[j].members
        pairs = ((a, b) for a in src for b in dst if a != b)
        first = next(pairs, (src[0], dst[0]))
        if self._gcls is None:
            return first
        want = self.cell(i, j).verdict
        if self._member_cell(*first).verdict is want:
            return first
        # Group cells: find the pair that makes the cell what it is (bounded search).
        for _, (a, b) in zip(range(10_000), pairs, strict=False):
            if self._member_cell(a, b).verdict is want:
                return a, b
        return first

    def _endpoint(self, m: int) -> Endpoint:
        mem = self.members[m]
        if mem.pod is not None:
            return pod_endpoint(mem.pod)
        return Endpoint(text=mem.text, network=mem.network, cluster_ip_of=mem.cluster_ip_of)

    def iter_edges(self) -> Iterator[tuple[int, int, Cell]]:
        """Allowed (and implementation-defined) pairs, self and CIDR↔CIDR omitted, in order."""
        n = len(self.rows)
        ext = [r.kind == "cidr" for r in self.rows]
        cls, rows, cells = self.node_classes()
        edge = [c.is_edge for c in cells]
        for i in range(n):
            codes = rows[cls[i]]
            for j in range(n):
                code = codes[cls[j]]
                if edge[code] and i != j and not (ext[i] and ext[j]):
                    yield i, j, cells[code]


def _pairs(a: dict[int, int], b: dict[int, int], same: bool) -> list[tuple[int, int]]:
    return [(x, y) for x in a for y in b if not (same and x == y and a[x] == 1)]


def _members(
    snapshot: ClusterSnapshot,
    ev: Evaluator,
    namespaces: Sequence[str],
    externals: Sequence[str],
    policy_cidrs: bool,
) -> list[Member]:
    pods = sorted(
        (p for p in snapshot.pods if not namespaces or p.namespace in namespaces),
        key=lambda p: (p.namespace, p.name),
    )
    out = [Member(pod=p, text=p.key) for p in pods]
    cidrs: dict[str, None] = dict.fromkeys(externals)
    if policy_cidrs:
        for pol in ev.policies:
            for rule in (*pol.ingress, *pol.egress):
                for cp in rule.peers:
                    if cp.ip_block is not None:
                        cidrs.setdefault(cp.ip_block.cidr)
                        for ex in cp.ip_block.excepts:
                            cidrs.setdefault(str(ex))
    seen = set()
    for text in cidrs:
        net = parse_network(text)
        if net in seen:
            continue
        seen.add(net)
        cip = cluster_ip_of(ev.cluster_ips, net)
        out.append(Member(network=net, text=text, cluster_ip_of=cip))
    return out


def _nodes(
    members: list[Member], granularity: str, ns_labels: dict[str, Labels]
) -> tuple[Node, ...]:
    groups: dict[tuple[str, str], list[int]] = {}
    meta: dict[tuple[str, str], tuple[str, str | None, str]] = {}
    for m, mem in enumerate(members):
        if mem.pod is None:
            key = ("~cidr", mem.text)
            meta[key] = ("cidr", None, mem.text)
        elif granularity == "pod":
            key = ("pod", mem.pod.key)
            meta[key] = ("pod", mem.pod.namespace, mem.pod.name)
        elif granularity == "namespace":
            key = ("ns", mem.pod.namespace)
            meta[key] = ("namespace", mem.pod.namespace, mem.pod.namespace)
        elif mem.pod.owner is not None:
            key = ("wl", f"{mem.pod.namespace}/{mem.pod.owner.name}")
            meta[key] = ("workload", mem.pod.namespace, mem.pod.owner.name)
        else:
            key = ("wl", mem.pod.key)
            meta[key] = ("pod", mem.pod.namespace, mem.pod.name)
        groups.setdefault(key, []).append(m)
    nodes = []
    for key in sorted(groups, key=lambda k: (k[0] == "~cidr", k[1])):
        kind, ns, name = meta[key]
        mems = tuple(groups[key])
        pods = [members[m].pod for m in mems if members[m].pod is not None]
        if kind == "namespace":
            labels = ns_labels.get(name, Labels())
        else:
            labels = _common_labels([p.labels for p in pods if p is not None])
        nodes.append(
            Node(
                id=key[1],
                kind=kind,
                namespace=ns,
                name=name,
                labels=labels,
                members=mems,
                synthetic_ip=any(p.synthetic_ip for p in pods if p),
            )
        )
    return tuple(nodes)


def _common_labels(all_labels: list[Labels]) -> Labels:
    if not all_labels:
        return Labels()
    common = dict(all_labels[0])
    for labels in all_labels[1:]:
        common = {k: v for k, v in common.items() if labels.get(k) == v}
    return Labels(common)


def _node_json(n: Node) -> dict[str, object]:
    return {
        "id": n.id,
        "kind": n.kind,
        "namespace": n.namespace,
        "name": n.name,
        "labels": dict(n.labels),
    }


def iter_edge_documents(matrix: Matrix) -> Iterator[dict[str, object]]:
    """The ``edges`` of ``netdiag/reachability/v1``, one at a time, in order."""
    for i, j, cell in matrix.iter_edges():
        edge: dict[str, object] = {
            "from": matrix.rows[i].id,
            "to": matrix.cols[j].id,
            "ports": cell.ports.to_json(),
        }
        if cell.verdict is Verdict.UNKNOWN:
            # Trap 8: implementation-defined (hostNetwork, ClusterIP in an ipBlock).
            edge["implementation_defined"] = True
        yield edge


def reachability_document(matrix: Matrix) -> dict[str, object]:
    """JSON ``netdiag/reachability/v1`` (docs/architecture.md): nodes and edges, sorted, stable."""
    return {
        "schema": SCHEMA,
        "granularity": matrix.granularity,
        "notes": list(matrix.notes),
        "nodes": [_node_json(n) for n in matrix.rows],
        "edges": list(iter_edge_documents(matrix)),
    }


def iter_reachability_json(matrix: Matrix) -> Iterator[str]:
    """The same document as JSON text, streamed line by line (no full edge list in memory)."""
    import json

    yield "{"
    yield f'  "schema": {json.dumps(SCHEMA)},'
    yield f'  "granularity": {json.dumps(matrix.granularity)},'
    yield f'  "notes": {json.dumps(list(matrix.notes))},'
    yield '  "nodes": ['
    last = len(matrix.rows) - 1
    for k, n in enumerate(matrix.rows):
        yield "    " + json.dumps(_node_json(n)) + ("," if k < last else "")
    yield "  ],"
    yield '  "edges": ['
    # Cells are interned, so each distinct cell is serialised once; ids once per node.
    ids = [json.dumps(n.id) for n in matrix.rows]
    tails: dict[Cell, str] = {}
    prev: str | None = None
    for i, j, cell in matrix.iter_edges():
        tail = tails.get(cell)
        if tail is None:
            extra = ', "implementation_defined": true' if cell.verdict is Verdict.UNKNOWN else ""
            tail = tails[cell] = f', "ports": {json.dumps(cell.ports.to_json())}{extra}}}'
        if prev is not None:
            yield prev + ","
        prev = f'    {{"from": {ids[i]}, "to": {ids[j]}{tail}'
    if prev is not None:
        yield prev
    yield "  ]"
    yield "}"


__all__ = ["Matrix", "Node", "iter_reachability_json", "reachability_document"]
