"""serialize: a snapshot written as manifests loads back to an equal snapshot."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.model import ClusterSnapshot
from netdiag.cluster.serialize import dump_json, dump_yaml, pod_manifest, snapshot_list
from netdiag.errors import ManifestError
from netdiag.policy.matrix import Matrix
from netdiag.sources.demo import load_demo
from netdiag.sources.manifests import load_manifests, parse_documents

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


REFUSED = (
    "list networkpolicies.networking.k8s.io in all namespaces (forbidden)",
    "list nodes (cluster scope) (forbidden)",
)


@pytest.mark.parametrize(("dump", "name"), [(dump_yaml, "out.yaml"), (dump_json, "out.json")])
def test_round_trip_keeps_incomplete(dump: object, name: str) -> None:
    # ``incomplete`` is compare=False on the snapshot, so it is asserted on its own.
    snap = replace(load_manifests([str(DUMP)]), incomplete=REFUSED)
    text = dump(snap)  # type: ignore[operator]
    again = reload(text, name)
    assert again == snap
    assert again.incomplete == REFUSED
    assert again.warnings == ()
    assert dump(again) == text  # type: ignore[operator]
    # The notes every verdict and the matrix carry survive the round trip.
    assert Matrix(again).notes == Matrix(snap).notes
    assert any(REFUSED[0] in n and "incomplete" in n for n in Matrix(again).notes)


def test_incomplete_is_an_annotation_on_the_list_not_an_object() -> None:
    """``kubectl apply`` sends only a List's items: the record must not become one."""
    doc = snapshot_list(replace(load_demo(), incomplete=REFUSED))
    assert json.loads(doc["metadata"]["annotations"]["netdiag.io/incomplete"]) == list(REFUSED)
    assert doc["items"] == snapshot_list(load_demo())["items"]
    assert snapshot_list(load_demo())["metadata"] == {}


def test_dumps_of_one_cluster_loaded_together_record_each_refusal_once(tmp_path: Path) -> None:
    snap = replace(load_demo(), incomplete=REFUSED)
    (tmp_path / "a.yaml").write_text(dump_yaml(snap))
    (tmp_path / "b.json").write_text(dump_json(replace(snap, incomplete=REFUSED[1:])))
    assert load_manifests([str(tmp_path)], keep_going=True).incomplete == REFUSED


@pytest.mark.parametrize("value", ["list pods", '{"a": 1}', "[1]", None])
def test_malformed_incomplete_annotation_names_the_field(value: object, tmp_path: Path) -> None:
    doc = snapshot_list(load_demo())
    doc["metadata"] = {"annotations": {"netdiag.io/incomplete": value}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ManifestError) as info:
        load_manifests([str(path)])
    assert info.value.message == (
        f"{path}:1 (document 1): List: "
        "metadata.annotations['netdiag.io/incomplete']: must be a JSON array of strings"
    )


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_keep_going_loads_the_items_of_a_list_with_a_bad_annotation(
    suffix: str, tmp_path: Path
) -> None:
    doc = snapshot_list(load_demo())
    doc["metadata"] = {"annotations": {"netdiag.io/incomplete": "list pods"}}
    path = tmp_path / f"bad.{suffix}"
    path.write_text(json.dumps(doc) if suffix == "json" else yaml.safe_dump(doc))
    snap = load_manifests([str(path)], keep_going=True)
    assert snap == load_demo()
    assert snap.incomplete == ()
    assert len(snap.warnings) == 1 and "netdiag.io/incomplete" in snap.warnings[0]
