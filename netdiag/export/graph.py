"""The graph every exporter draws: a ``netdiag/reachability/v1`` document, checked.

The policy engine writes the document (docs/architecture.md); this module reads it once
into frozen values — nodes grouped by namespace, external CIDRs apart, parallel
edges merged with their port sets unioned, everything in a deterministic order —
so each renderer only has to spell it. Pure: standard library only.

A bad document is an :class:`~netdiag.errors.InputError` naming the field
(``edges[3].ports[0].port``), never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netdiag.errors import InputError

SCHEMA = "netdiag/reachability/v1"
KINDS = ("pod", "workload", "namespace", "cidr")
#: Protocols in the order people read them; unknown ones sort after, by name.
PROTOCOL_ORDER = ("TCP", "UDP", "SCTP")


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class PortSpec:
    """One entry of an edge's ``ports``: no ``port`` means every port of the protocol."""

    protocol: str
    port: int | None = None
    end_port: int | None = None

    @property
    def first(self) -> int:
        return 1 if self.port is None else self.port

    @property
    def last(self) -> int:
        if self.port is None:
            return 65535
        return self.port if self.end_port is None else self.end_port

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": self.protocol}
        if self.port is not None:
            out["port"] = self.port
        if self.end_port is not None:
            out["end_port"] = self.end_port
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    id: str
    kind: str
    namespace: str | None
    name: str
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    source: str
    target: str
    ports: tuple[PortSpec, ...]
    #: docs/architecture.md trap 8: the verdict depends on the CNI (hostNetwork pods,
    #: ipBlocks naming ClusterIPs); drawn as "?" rather than as a plain allow.
    implementation_defined: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Graph:
    """Nodes sorted by (namespace, id) with CIDRs last; edges by (source, target)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(sorted({n.namespace for n in self.nodes if n.namespace is not None}))

    def members(self, namespace: str | None) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.namespace == namespace)

    @property
    def by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}


def protocol_key(protocol: str) -> tuple[int, str]:
    if protocol in PROTOCOL_ORDER:
        return (PROTOCOL_ORDER.index(protocol), protocol)
    return (len(PROTOCOL_ORDER), protocol)


def merge_ports(ports: Iterable[PortSpec]) -> tuple[PortSpec, ...]:
    """Union of port entries: per protocol, "every port" absorbs the rest, and
    overlapping or adjacent ranges join (``80-81`` and ``82`` give ``80-82``)."""
    by_protocol: dict[str, list[tuple[int, int]]] = {}
    for p in ports:
        by_protocol.setdefault(p.protocol, []).append((p.first, p.last))
    out: list[PortSpec] = []
    for protocol in sorted(by_protocol, key=protocol_key):
        spans: list[list[int]] = []
        for first, last in sorted(by_protocol[protocol]):
            if spans and first <= spans[-1][1] + 1:
                spans[-1][1] = max(spans[-1][1], last)
            else:
                spans.append([first, last])
        for first, last in spans:
            if first == 1 and last == 65535:
                out.append(PortSpec(protocol=protocol))
            elif first == last:
                out.append(PortSpec(protocol=protocol, port=first))
            else:
                out.append(PortSpec(protocol=protocol, port=first, end_port=last))
    return tuple(out)


def port_label(ports: Sequence[PortSpec], *, limit: int = 8) -> str:
    """Compact, human label: ``TCP 80,443 · UDP 53``; ``TCP all``; ``all ports``.

    More than ``limit`` entries of one protocol end in ``+N`` so a label stays
    drawable; the full list is in :func:`ports_flat`.
    """
    if not ports:
        return "none"
    groups: dict[str, list[str]] = {}
    for p in ports:
        if p.port is None:
            text = "all"
        elif p.end_port is None:
            text = str(p.port)
        else:
            text = f"{p.port}-{p.end_port}"
        groups.setdefault(p.protocol, []).append(text)
    if set(PROTOCOL_ORDER) <= set(groups) and all(
        groups[proto] == ["all"] for proto in PROTOCOL_ORDER
    ):
        if len(groups) == len(PROTOCOL_ORDER):
            return "all ports"
    parts = []
    for protocol in sorted(groups, key=protocol_key):
        items = groups[protocol]
        if len(items) > limit:
            items = [*items[:limit], f"+{len(items) - limit}"]
        parts.append(f"{protocol} {','.join(items)}")
    return " · ".join(parts)


def ports_flat(ports: Sequence[PortSpec]) -> str:
    """Every entry as one scalar for formats without lists: ``TCP/80,TCP/8000-8080,UDP``."""
    out = []
    for p in ports:
        if p.port is None:
            out.append(p.protocol)
        elif p.end_port is None:
            out.append(f"{p.protocol}/{p.port}")
        else:
            out.append(f"{p.protocol}/{p.port}-{p.end_port}")
    return ",".join(out)


def _node_sort_key(node: Node) -> tuple[int, str, str]:
    # Namespaced nodes first, grouped by namespace; external CIDRs after them.
    return (1 if node.namespace is None else 0, node.namespace or "", node.id)


def make_graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> Graph:
    """Sort nodes and merge edges with the same (source, target)."""
    merged: dict[tuple[str, str], list[PortSpec]] = {}
    unsure: set[tuple[str, str]] = set()
    for e in edges:
        merged.setdefault((e.source, e.target), []).extend(e.ports)
        if e.implementation_defined:
            unsure.add((e.source, e.target))
    return Graph(
        nodes=tuple(sorted(nodes, key=_node_sort_key)),
        edges=tuple(
            Edge(source=s, target=t, ports=merge_ports(ps), implementation_defined=(s, t) in unsure)
            for (s, t), ps in sorted(merged.items())
        ),
    )


def _string(value: object, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InputError(f"reachability document: {where} must be a string, got {value!r}")
    return value


def _port_number(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InputError(
            f"reachability document: {where} must be a port number 1-65535, got {value!r}"
        )
    return value


def _parse_port(raw: object, where: str) -> PortSpec:
    if not isinstance(raw, Mapping):
        raise InputError(f"reachability document: {where} must be an object")
    protocol = raw.get("protocol")
    if protocol not in PROTOCOL_ORDER:
        raise InputError(
            f"reachability document: {where}.protocol must be TCP, UDP or SCTP, got {protocol!r}"
        )
    assert isinstance(protocol, str)
    port = raw.get("port")
    end_port = raw.get("end_port")
    if port is None:
        if end_port is not None:
            raise InputError(f"reachability document: {where}.end_port given without port")
        return PortSpec(protocol=protocol)
    first = _port_number(port, f"{where}.port")
    if end_port is None:
        return PortSpec(protocol=protocol, port=first)
    last = _port_number(end_port, f"{where}.end_port")
    if last < first:
        raise InputError(f"reachability document: {where}.end_port {last} is below port {first}")
    return PortSpec(protocol=protocol, port=first, end_port=last)


def _parse_labels(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise InputError(f"reachability document: {where} must be an object")
    out = []
    for key, value in raw.items():
        _string(key, f"{where} key")
        out.append((key, str(_string(value, f"{where}.{key}"))))
    return tuple(sorted(out))


def _parse_node(raw: object, where: str) -> Node:
    if not isinstance(raw, Mapping):
        raise InputError(f"reachability document: {where} must be an object")
    node_id = _string(raw.get("id"), f"{where}.id")
    kind = _string(raw.get("kind"), f"{where}.kind")
    if kind not in KINDS:
        raise InputError(
            f"reachability document: {where}.kind must be one of {', '.join(KINDS)}, got {kind!r}"
        )
    assert node_id is not None
    if not node_id:
        raise InputError(f"reachability document: {where}.id must not be empty")
    namespace = _string(raw.get("namespace"), f"{where}.namespace", optional=True)
    if kind == "cidr" or not namespace:
        namespace = None  # external addresses belong to no namespace
    name = _string(raw.get("name", node_id), f"{where}.name")
    assert name is not None
    labels = _parse_labels(raw.get("labels"), f"{where}.labels")
    return Node(id=node_id, kind=kind, namespace=namespace, name=name, labels=labels)


def _list(document: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = document.get(key)
    if not isinstance(value, list):
        raise InputError(f"reachability document: {key} must be a list")
    return value


def graph_from_document(document: object) -> Graph:
    """Check a ``netdiag/reachability/v1`` document and read it into a :class:`Graph`."""
    if not isinstance(document, Mapping):
        raise InputError("reachability document: must be a JSON object")
    if document.get("schema") != SCHEMA:
        raise InputError(
            f"reachability document: schema must be {SCHEMA!r}, got {document.get('schema')!r}"
        )
    nodes: dict[str, Node] = {}
    for i, raw in enumerate(_list(document, "nodes")):
        node = _parse_node(raw, f"nodes[{i}]")
        if node.id in nodes:
            raise InputError(f"reachability document: nodes[{i}].id {node.id!r} is a duplicate")
        nodes[node.id] = node
    edges = []
    for i, raw in enumerate(_list(document, "edges")):
        where = f"edges[{i}]"
        if not isinstance(raw, Mapping):
            raise InputError(f"reachability document: {where} must be an object")
        ends = []
        for key in ("from", "to"):
            end = _string(raw.get(key), f"{where}.{key}")
            if end not in nodes:
                raise InputError(f"reachability document: {where}.{key} {end!r} is not a node id")
            ends.append(str(end))
        ports = raw.get("ports")
        if not isinstance(ports, list):
            raise InputError(f"reachability document: {where}.ports must be a list")
        parsed = [_parse_port(p, f"{where}.ports[{j}]") for j, p in enumerate(ports)]
        unsure = raw.get("implementation_defined", False)
        if not isinstance(unsure, bool):
            raise InputError(
                f"reachability document: {where}.implementation_defined must be a boolean"
            )
        edges.append(
            Edge(source=ends[0], target=ends[1], ports=tuple(parsed), implementation_defined=unsure)
        )
    return make_graph(nodes.values(), edges)


def document_from_graph(graph: Graph) -> dict[str, Any]:
    """The ``netdiag/reachability/v1`` document of a graph (inverse of the reader)."""
    return {
        "schema": SCHEMA,
        "nodes": [
            {
                "id": n.id,
                "kind": n.kind,
                "namespace": n.namespace,
                "name": n.name,
                "labels": dict(n.labels),
            }
            for n in graph.nodes
        ],
        "edges": [_edge_json(e) for e in graph.edges],
    }


def _edge_json(edge: Edge) -> dict[str, Any]:
    out: dict[str, Any] = {
        "from": edge.source,
        "to": edge.target,
        "ports": [p.to_json() for p in edge.ports],
    }
    if edge.implementation_defined:
        out["implementation_defined"] = True
    return out


def to_namespaces(graph: Graph) -> Graph:
    """Coarsen to namespace granularity: one node per namespace, CIDRs kept,
    edges between the groups with the union of their ports. Traffic inside a
    namespace is dropped, as the policy engine's own namespace granularity
    does (a node's edge to itself is omitted, docs/architecture.md)."""

    def group(node: Node) -> str:
        return node.id if node.namespace is None else node.namespace

    by_id = graph.by_id
    nodes: dict[str, Node] = {
        ns: Node(id=ns, kind="namespace", namespace=ns, name=ns) for ns in graph.namespaces
    }
    nodes.update({n.id: n for n in graph.nodes if n.namespace is None})
    edges = [
        Edge(
            source=group(by_id[e.source]),
            target=group(by_id[e.target]),
            ports=e.ports,
            implementation_defined=e.implementation_defined,
        )
        for e in graph.edges
        if group(by_id[e.source]) != group(by_id[e.target])
    ]
    return make_graph(nodes.values(), edges)
