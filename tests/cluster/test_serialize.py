"""serialize: a snapshot written as manifests loads back to an equal snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.demo import load_demo
from netdiag.cluster.loader import load_manifests, parse_documents
from netdiag.cluster.model import ClusterSnapshot
from netdiag.cluster.serialize import dump_json, dump_yaml, pod_manifest, snapshot_list

DUMP = Path(__file__).resolve().parents[2] / "fixtures" / "dump"


def reload(text: str, name: str) -> ClusterSnapshot:
    return snapshot_from_objects(list(parse_documents(text, name)), source="reloaded")


@pytest.mark.parametrize("source", ["demo", "dump"])
@pytest.mark.parametrize(("dump", "name"), [(dump_yaml, "out.yaml"), (dump_json, "out.json")])
def test_round_trip(source: str, dump: object, name: str) -> None:
    snap = load_demo() if source == "demo" else load_manifests([str(DUMP)])
    text = dump(snap)  # type: ignore[operator]
    again = reload(text, name)
    assert again == snap
    assert again.warnings == ()
    # Second generation is byte-identical: the output is a fixed point.
    assert dump(again) == text  # type: ignore[operator]


def test_output_is_a_kubernetes_list() -> None:
    doc = yaml.safe_load(dump_yaml(load_demo()))
    assert doc["kind"] == "List" and doc["apiVersion"] == "v1"
    kinds = {item["kind"] for item in doc["items"]}
    assert {
        "Namespace",
        "Node",
        "ConfigMap",
        "Service",
        "EndpointSlice",
        "NetworkPolicy",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Pod",
    } <= kinds
    assert json.loads(dump_json(load_demo()))["items"] == doc["items"]


def test_synthetic_pods_are_marked() -> None:
    snap = load_demo()
    synthetic = next(p for p in snap.pods if p.synthetic and p.synthetic_ip)
    annotations = pod_manifest(synthetic)["metadata"]["annotations"]
    assert annotations == {"netdiag.io/synthetic": "true", "netdiag.io/synthetic-ip": "true"}
    real = next(p for p in snap.pods if not p.synthetic)
    assert "annotations" not in pod_manifest(real)["metadata"]


def test_round_trip_keeps_undeclared_namespaces_and_derived_slices() -> None:
    snap = load_manifests([str(DUMP)])
    items = snapshot_list(snap)["items"]
    flannel_ns = next(
        i for i in items if i["kind"] == "Namespace" and i["metadata"]["name"] == "kube-flannel"
    )
    assert flannel_ns["metadata"]["annotations"] == {"netdiag.io/declared": "false"}
    derived = [
        i
        for i in items
        if i["kind"] == "EndpointSlice"
        and i["metadata"].get("annotations", {}).get("netdiag.io/derived") == "true"
    ]
    assert [d["metadata"]["name"] for d in derived] == ["ledger-db"]
