from __future__ import annotations

import copy
import random

import pytest

from netdiag.errors import InputError
from netdiag.export.graph import (
    PortSpec,
    document_from_graph,
    graph_from_document,
    merge_ports,
    port_label,
    ports_flat,
    to_namespaces,
)
from tests.export import documents


def P(protocol: str, port: int | None = None, end_port: int | None = None) -> PortSpec:
    return PortSpec(protocol=protocol, port=port, end_port=end_port)


def test_merge_ports_joins_ranges_and_every_port_absorbs() -> None:
    merged = merge_ports([P("TCP", 82), P("UDP", 53), P("TCP", 80, 81), P("TCP", 443)])
    assert merged == (P("TCP", 80, 82), P("TCP", 443), P("UDP", 53))
    assert merge_ports([P("UDP", 53), P("UDP")]) == (P("UDP"),)
    assert merge_ports([P("TCP", 1, 65535)]) == (P("TCP"),)


def test_port_label_is_compact_and_ordered() -> None:
    ports = merge_ports([P("UDP", 53), P("TCP", 443), P("TCP", 80)])
    assert port_label(ports) == "TCP 80,443 · UDP 53"
    assert port_label((P("TCP"), P("UDP"), P("SCTP"))) == "all ports"
    assert port_label((P("TCP"),)) == "TCP all"
    assert port_label(tuple(P("TCP", p) for p in range(1, 12)), limit=3) == "TCP 1,2,3,+8"
    assert ports_flat((P("TCP", 80), P("TCP", 8000, 8080), P("UDP"))) == "TCP/80,TCP/8000-8080,UDP"


def test_parallel_edges_merge_and_cidrs_sort_last() -> None:
    graph = graph_from_document(documents.simple())
    assert [n.id for n in graph.nodes] == [
        "default/api",
        "default/web",
        "kube-system/coredns",
        "0.0.0.0/0",
    ]
    web_api = [e for e in graph.edges if (e.source, e.target) == ("default/web", "default/api")]
    assert len(web_api) == 1
    assert port_label(web_api[0].ports) == "TCP 80,443,8000-8080"
    assert graph.namespaces == ("default", "kube-system")


def test_order_of_the_document_does_not_matter() -> None:
    doc = documents.hostile()
    shuffled = copy.deepcopy(doc)
    rng = random.Random(7)
    rng.shuffle(shuffled["nodes"])
    rng.shuffle(shuffled["edges"])
    for e in shuffled["edges"]:
        rng.shuffle(e["ports"])
    assert graph_from_document(shuffled) == graph_from_document(doc)


def test_document_round_trips_through_the_graph() -> None:
    graph = graph_from_document(documents.hostile())
    assert graph_from_document(document_from_graph(graph)) == graph


def test_to_namespaces_unions_ports_and_keeps_cidrs() -> None:
    coarse = to_namespaces(graph_from_document(documents.simple()))
    assert [(n.id, n.kind) for n in coarse.nodes] == [
        ("default", "namespace"),
        ("kube-system", "namespace"),
        ("0.0.0.0/0", "cidr"),
    ]
    labels = {(e.source, e.target): port_label(e.ports) for e in coarse.edges}
    assert labels == {
        ("default", "0.0.0.0/0"): "all ports",
        ("default", "kube-system"): "TCP 53 · UDP 53",
        ("kube-system", "0.0.0.0/0"): "UDP 53",
    }
    assert [e.implementation_defined for e in coarse.edges] == [False, False, True]


def _broken(path: str, value: object) -> dict[str, object]:
    doc = documents.simple()
    target: object = doc
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
    if value is KeyError:
        del target[last]  # type: ignore[index, attr-defined]
    else:
        target[int(last) if isinstance(target, list) else last] = value  # type: ignore[index]
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("schema", "netdiag/reachability/v2", "schema must be"),
        ("nodes", {}, "nodes must be a list"),
        ("nodes.0.kind", "service", "nodes[0].kind must be one of"),
        ("nodes.0.id", "", "nodes[0].id must not be empty"),
        ("nodes.1.id", "default/web", "nodes[1].id 'default/web' is a duplicate"),
        ("nodes.0.labels", {"a": 1}, "nodes[0].labels.a must be a string"),
        ("edges.0.to", "default/nope", "edges[0].to 'default/nope' is not a node id"),
        ("edges.0.from", KeyError, "edges[0].from must be a string"),
        ("edges.1.ports.0.port", 0, "edges[1].ports[0].port must be a port number"),
        ("edges.1.ports.0.port", True, "edges[1].ports[0].port must be a port number"),
        ("edges.1.ports.0.protocol", "ICMP", "edges[1].ports[0].protocol must be TCP"),
        ("edges.3.ports.0.end_port", 10, "edges[3].ports[0].end_port 10 is below port 8000"),
        ("edges.2.ports.0.end_port", 10, "edges[2].ports[0].end_port given without port"),
    ],
)
def test_bad_documents_name_the_field(path: str, value: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        graph_from_document(_broken(path, value))
    assert message in caught.value.message


def test_not_a_document() -> None:
    with pytest.raises(InputError, match="must be a JSON object"):
        graph_from_document(["schema"])
