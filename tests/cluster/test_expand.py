"""Workload expansion helpers: synthetic IPs, owners, DaemonSet scheduling."""

from __future__ import annotations

import ipaddress

from netdiag.cluster.expand import (
    SYNTHETIC_NETWORK,
    _synthetic_ip,
    assign_synthetic_ips,
    top_level_owner,
)
from netdiag.cluster.model import Node, OwnerRef, Pod, Workload


def test_synthetic_ip_collisions_probe_forward() -> None:
    first = _synthetic_ip("ns/a", set())
    second = _synthetic_ip("ns/a", {first})
    assert second != first
    assert int(ipaddress.ip_address(second)) == int(ipaddress.ip_address(first)) + 1
    assert ipaddress.ip_address(second) in SYNTHETIC_NETWORK


def test_synthetic_ips_avoid_real_ones_and_are_stable() -> None:
    taken = _synthetic_ip("ns/b", set())
    real = Pod(namespace="ns", name="a", ips=(taken,))
    bare = Pod(namespace="ns", name="b")
    pods = assign_synthetic_ips([bare, real])
    assert [p.name for p in pods] == ["a", "b"]
    assert pods[1].ips[0] != taken and pods[1].synthetic_ip
    assert assign_synthetic_ips([real, bare]) == pods  # input order does not matter


def test_host_network_pod_takes_its_node_ip() -> None:
    node = Node(name="n", addresses=("n.example", "10.0.0.5"))
    pod = Pod(namespace="kube-system", name="agent", host_network=True, node_name="n")
    (out,) = assign_synthetic_ips([pod], [node])
    assert out.ips == ("10.0.0.5",) and not out.synthetic_ip


def test_top_level_owner_chain_and_name_prefix() -> None:
    rs = Workload(
        kind="ReplicaSet",
        namespace="a",
        name="web-1",
        owner=OwnerRef(kind="Deployment", name="web"),
    )
    dep = Workload(kind="Deployment", namespace="a", name="web")
    index = {(w.namespace, w.kind, w.name): w for w in (rs, dep)}
    assert top_level_owner("a", OwnerRef(kind="ReplicaSet", name="web-1"), index) == OwnerRef(
        kind="Deployment", name="web"
    )
    # The ReplicaSet is missing: the Deployment is found by the name prefix.
    assert top_level_owner("a", OwnerRef(kind="ReplicaSet", name="web-2"), index) == OwnerRef(
        kind="Deployment", name="web"
    )
    # Other namespaces do not count.
    assert top_level_owner("b", OwnerRef(kind="ReplicaSet", name="web-2"), index) == OwnerRef(
        kind="ReplicaSet", name="web-2"
    )
    assert top_level_owner("a", None, index) is None
