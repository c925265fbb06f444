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

from netdiag.cluster.model import ClusterSnapshot, Labels
from netdiag.policy.cells import Cell, CellTable, compute_cells
from netdiag.policy.classes import Member, build_classes
from netdiag.policy.compile import parse_network
from netdiag.policy.endpoints import Endpoint, cluster_ip_of, pod_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.ports import ALL, EMPTY, PortSet
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
        self._group: list[array[int]] | None = None
        if granularity != "pod":
            self._group = self._aggregate()

    @property
    def notes(self) -> tuple[str, ...]:
        return self.evaluator._cni_notes()

    def _member_cell(self, a: int, b: int) -> Cell:
        if a == b:
            # Trap 8: a pod can always reach itself.
            return Cell(verdict=Verdict.ALLOWED, ports=self.query or ALL)
        return self._table.cell(self._coarse[a], self._coarse[b])

    def cell(self, i: int, j: int) -> Cell:
        if self._group is not None:
            return self._table.cells[self._group[i][j]]
        return self._member_cell(self.rows[i].members[0], self.cols[j].members[0])

    def is_external_pair(self, i: int, j: int) -> bool:
        return self.rows[i].kind == "cidr" and self.cols[j].kind == "cidr"

    def _aggregate(self) -> list[array[int]]:
        """Group cells: union of the member pairs' allowed ports (a pod to itself excluded)."""
        groups = []
        for node in self.rows:
            counts: dict[int, int] = {}
            for m in node.members:
                counts[self._coarse[m]] = counts.get(self._coarse[m], 0) + 1
            groups.append(counts)
        memo: dict[tuple[frozenset[int], frozenset[int], bool], int] = {}
        out = []
        for gi, a in enumerate(groups):
            row = array("I")
            for gj, b in enumerate(groups):
                key = (frozenset(a), frozenset(b), gi == gj)
                code = memo.get(key)
                if code is None:
                    code = memo[key] = self._table.aggregate(
                        _pairs(a, b, gi == gj), self.query or ALL
                    )
                row.append(code)
            out.append(row)
        return out

    def explain(self, i: int, j: int) -> ConnectionVerdict:
        """Why cell (i, j) is what it is: the first member pair, evaluated in full."""
        src = self.rows[i]
        dst = self.cols[j]
        a = src.members[0]
        b = next((m for m in dst.members if m != a), dst.members[0])
        return self.evaluator.connection(self._endpoint(a), self._endpoint(b), self.query)

    def _endpoint(self, m: int) -> Endpoint:
        mem = self.members[m]
        if mem.pod is not None:
            return pod_endpoint(mem.pod)
        return Endpoint(text=mem.text, network=mem.network, cluster_ip_of=mem.cluster_ip_of)

    def iter_edges(self) -> Iterator[tuple[int, int, Cell]]:
        """Allowed (and implementation-defined) pairs, self and CIDR↔CIDR omitted, in order."""
        for i in range(len(self.rows)):
            for j in range(len(self.cols)):
                if i == j or self.is_external_pair(i, j):
                    continue
                c = self.cell(i, j)
                if c.verdict is not Verdict.DENIED and c.ports:
                    yield i, j, c


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


def reachability_document(matrix: Matrix) -> dict[str, object]:
    """JSON ``netdiag/reachability/v1`` (DESIGN.md §3): nodes and edges, sorted, stable."""
    nodes = [
        {
            "id": n.id,
            "kind": n.kind,
            "namespace": n.namespace,
            "name": n.name,
            "labels": dict(n.labels),
        }
        for n in matrix.rows
    ]
    edges = []
    for i, j, cell in matrix.iter_edges():
        edge: dict[str, object] = {
            "from": matrix.rows[i].id,
            "to": matrix.cols[j].id,
            "ports": cell.ports.to_json(),
        }
        if cell.verdict is Verdict.UNKNOWN:
            # Trap 8: implementation-defined (hostNetwork, ClusterIP in an ipBlock).
            edge["implementation_defined"] = True
        edges.append(edge)
    return {"schema": SCHEMA, "granularity": matrix.granularity, "nodes": nodes, "edges": edges}


__all__ = ["Matrix", "Node", "Cell", "reachability_document", "EMPTY"]
