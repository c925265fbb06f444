"""What changed in the reachability between two snapshots: edges added, removed, re-ported.

``matrix --watch`` used to render two whole ``netdiag/reachability/v1`` documents
and diff their edge lists per update — 1.3 million edges each at 5,000 pods.
:func:`diff_matrices` gives the same changes from the two matrices' *class
views* (:meth:`Matrix.node_classes`): nodes that are in the same class before
and in the same class after have the same edges to every other such group, so
one comparison per pair of groups decides all their node pairs, and only the
pairs that changed are expanded. :class:`MatrixFollower` also skips the new
matrix when nothing it reads changed (a pod's readiness, a Service's ports).
Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.policy.endpoints import cluster_ips
from netdiag.policy.matrix import Matrix, reachability_document
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Verdict

Document = Mapping[str, Any]
EdgeKey = tuple[str, str]
PortKey = tuple[str, int | None, int | None]
Ports = frozenset[PortKey]
#: What the diff compares per edge: its ports, and whether it is implementation-defined.
Edge = tuple[Ports, bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class EdgeChange:
    """One edge that appeared, disappeared, or changed between two documents."""

    #: ``+`` added, ``-`` removed, ``~`` ports or implementation-definedness changed.
    sign: str
    source: str
    target: str
    ports: tuple[PortKey, ...] = ()
    #: For ``~``: ports no longer allowed.
    removed_ports: tuple[PortKey, ...] = ()
    #: The edge is implementation-defined (after the change; for ``-``, before it).
    implementation_defined: bool = False
    #: For ``~``: it was implementation-defined before.
    was_implementation_defined: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "change": {"+": "added", "-": "removed", "~": "ports"}[self.sign],
            "from": self.source,
            "to": self.target,
            "ports": [_port_json(p) for p in self.ports],
        }
        if self.sign == "~":
            out["removed_ports"] = [_port_json(p) for p in self.removed_ports]
        if self.implementation_defined or self.was_implementation_defined:
            out["implementation_defined"] = self.implementation_defined
        return out

    def __str__(self) -> str:
        text = f"{self.sign} {self.source} -> {self.target}  {_ports_text(self.ports)}"
        if self.removed_ports:
            text += f"  (no longer {_ports_text(self.removed_ports)})"
        if self.sign == "~" and self.implementation_defined != self.was_implementation_defined:
            text += (
                "  (now implementation-defined)"
                if self.implementation_defined
                else ("  (no longer implementation-defined)")
            )
        elif self.implementation_defined:
            text += "  (implementation-defined)"
        return text


def _port_key(entry: Mapping[str, Any]) -> PortKey:
    return (str(entry.get("protocol", "TCP")), entry.get("port"), entry.get("end_port"))


def _port_json(key: PortKey) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": key[0]}
    if key[1] is not None:
        out["port"] = key[1]
    if key[2] is not None:
        out["end_port"] = key[2]
    return out


def _ports_text(ports: Iterable[PortKey]) -> str:
    def one(p: PortKey) -> str:
        if p[1] is None:
            return f"{p[0]}/*"
        return f"{p[0]}/{p[1]}" + (f"-{p[2]}" if p[2] is not None else "")

    return ",".join(one(p) for p in ports) or "-"


def _sorted(ports: Iterable[PortKey] | None) -> tuple[PortKey, ...]:
    return tuple(sorted(ports or (), key=lambda p: (p[0], p[1] or 0, p[2] or 0)))


def _change(key: EdgeKey, was: Edge | None, now: Edge | None) -> EdgeChange:
    src, dst = key
    if was is None:
        assert now is not None
        return EdgeChange(
            sign="+", source=src, target=dst, ports=_sorted(now[0]), implementation_defined=now[1]
        )
    if now is None:
        return EdgeChange(
            sign="-", source=src, target=dst, ports=_sorted(was[0]), implementation_defined=was[1]
        )
    return EdgeChange(
        sign="~",
        source=src,
        target=dst,
        ports=_sorted(now[0]),
        removed_ports=_sorted(was[0] - now[0]),
        implementation_defined=now[1],
        was_implementation_defined=was[1],
    )


def _edges(doc: Document) -> dict[EdgeKey, Edge]:
    return {
        (str(e["from"]), str(e["to"])): (
            frozenset(_port_key(p) for p in e.get("ports", ())),
            bool(e.get("implementation_defined", False)),
        )
        for e in doc.get("edges", ())
    }


def diff_documents(old: Document, new: Document) -> tuple[EdgeChange, ...]:
    """Edge changes between two ``netdiag/reachability/v1`` documents, sorted by edge."""
    before, after = _edges(old), _edges(new)
    return tuple(
        _change(key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    )


def port_keys(ports: PortSet) -> Ports:
    """The port entries of an edge as :func:`diff_documents` compares them."""
    return frozenset(_port_key(p) for p in ports.to_json())


@dataclass(frozen=True, slots=True)
class _View:
    """One matrix as ``diff_matrices`` walks it: per node its class; per class pair a value."""

    ids: list[str]
    cls: list[int]
    ext: list[bool]
    #: Per class, per class: the interned edge value (0 = no edge).
    rows: list[list[int]]


def _view(m: Matrix, values: dict[Edge | None, int]) -> _View:
    cls, codes, cells = m.node_classes()
    # The document's edges (Cell.is_edge), implementation-defined when the verdict
    # is UNKNOWN (iter_reachability_json), compared as diff_documents does.
    val = [
        values.setdefault((port_keys(c.ports), c.verdict is Verdict.UNKNOWN), len(values))
        if c.is_edge
        else 0
        for c in cells
    ]
    rows = [[val[code] for code in row] for row in codes]
    return _View([r.id for r in m.rows], cls, [r.kind == "cidr" for r in m.rows], rows)


def diff_matrices(old: Matrix, new: Matrix) -> tuple[EdgeChange, ...]:
    """``diff_documents`` of the two matrices' documents, without building either document."""
    values: dict[Edge | None, int] = {None: 0}
    before, after = _view(old, values), _view(new, values)
    if len(set(before.ids)) < len(before.ids) or len(set(after.ids)) < len(after.ids):
        # Never seen (ids are unique by construction), but the document diff would
        # then keep the last of each id: fall back to exactly that.
        return diff_documents(reachability_document(old), reachability_document(new))
    keys, members = _groups(before, after)
    by_value = {v: k for k, v in values.items()}
    cols_before = [(k[0], k[2]) for k in keys]
    cols_after = [(k[1], k[3]) for k in keys]
    found: list[tuple[EdgeKey, Edge | None, Edge | None]] = []
    for g, key in enumerate(keys):
        was = _values(before, key[0], key[2], cols_before)
        now = _values(after, key[1], key[3], cols_after)
        if was == now:
            continue
        for h, (a, b) in enumerate(zip(was, now, strict=True)):
            if a != b:
                found.extend(
                    ((src, dst), by_value[a], by_value[b])
                    for src in members[g]
                    for dst in members[h]
                    if src != dst
                )
    found.sort(key=lambda f: f[0])
    return tuple(_change(*f) for f in found)


GroupKey = tuple[int, int, bool, bool]


def _groups(before: _View, after: _View) -> tuple[list[GroupKey], list[list[str]]]:
    """The union of the nodes grouped by (class before, class after, CIDR before/after);
    class -1: the node is absent on that side (every edge value 0)."""
    where_before = {n: i for i, n in enumerate(before.ids)}
    where_after = {n: i for i, n in enumerate(after.ids)}
    group_of: dict[GroupKey, int] = {}
    members: list[list[str]] = []
    for node in dict.fromkeys(before.ids + after.ids):
        i, j = where_before.get(node, -1), where_after.get(node, -1)
        key = (
            before.cls[i] if i >= 0 else -1,
            after.cls[j] if j >= 0 else -1,
            i >= 0 and before.ext[i],
            j >= 0 and after.ext[j],
        )
        g = group_of.setdefault(key, len(members))
        if g == len(members):
            members.append([])
        members[g].append(node)
    return list(group_of), members


def _values(view: _View, c: int, ext: bool, cols: list[tuple[int, bool]]) -> list[int]:
    """Edge values from a group of class ``c`` to each group (CIDR to CIDR is no edge)."""
    if c < 0:
        return [0] * len(cols)
    row = view.rows[c]
    if ext:
        return [row[d] if d >= 0 and not x else 0 for d, x in cols]
    return [row[d] if d >= 0 else 0 for d, _ in cols]


def edge_count(m: Matrix) -> int:
    """``len(reachability_document(m)["edges"])``, counted per class pair."""
    cls, codes, cells = m.node_classes()
    edge = [c.is_edge for c in cells]
    sizes = Counter(zip(cls, (r.kind == "cidr" for r in m.rows), strict=True))
    total = 0
    for (a, xa), na in sizes.items():
        row = codes[a]
        for (b, xb), nb in sizes.items():
            if edge[row[b]] and not (xa and xb):
                total += na * nb - (na if (a, xa) == (b, xb) else 0)
    return total


def _pod_inputs(pod: Pod) -> tuple[object, ...]:
    """What the matrix reads of a pod (classes, ipBlock membership, named ports, nodes)."""
    return (
        pod.namespace,
        pod.name,
        pod.labels,
        pod.ips,
        pod.synthetic_ip,
        pod.host_network,
        tuple(pod.container_ports),
        pod.owner,
    )


def matrix_inputs(snapshot: ClusterSnapshot) -> tuple[object, ...]:
    """Everything of a snapshot a :class:`Matrix` reads; equal inputs, equal matrix.

    Policies, namespaces (labels), the pods' identity, labels, IPs, flags, container
    ports and owner, Service ClusterIPs (trap 8), and what the notes say (CNI,
    incomplete reads). Not: a pod's readiness or phase, Service ports, EndpointSlices,
    nodes, DNS — the commonest watch events on a real cluster.
    """
    return (
        snapshot.network_policies,
        snapshot.namespaces,
        tuple(_pod_inputs(p) for p in snapshot.pods),
        tuple(sorted(cluster_ips(snapshot).items())),
        snapshot.cni,
        snapshot.incomplete,
    )


class MatrixFollower:
    """One matrix kept in step with a stream of snapshots, and the edge changes per step.

    ``build`` makes the matrix of a snapshot (granularity, ports, … fixed by the
    caller). A snapshot whose :func:`matrix_inputs` equal the last one's keeps the
    last matrix (its edges are the new snapshot's edges; its ``snapshot`` and
    ``explain`` are the older snapshot's) and changes nothing.
    """

    def __init__(self, build: Callable[[ClusterSnapshot], Matrix]) -> None:
        self._build = build
        self._inputs: tuple[object, ...] | None = None
        self.matrix: Matrix | None = None

    def update(self, snapshot: ClusterSnapshot) -> tuple[EdgeChange, ...]:
        """Follow ``snapshot``; the edges it changes (none for the first one)."""
        inputs = matrix_inputs(snapshot)
        if self.matrix is not None and inputs == self._inputs:
            return ()
        new = self._build(snapshot)
        changes = () if self.matrix is None else diff_matrices(self.matrix, new)
        self.matrix, self._inputs = new, inputs
        return changes
