"""load_manifests: files, directories, stdin, YAML/JSON, and errors that name the place."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from netdiag.errors import ManifestError
from netdiag.sources.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "fixtures" / "dump"

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: a}
spec: {containers: [{name: c}]}
status: {podIP: %s}
"""


def test_fixture_dump_every_supported_kind() -> None:
    snap = load_manifests([str(DUMP)])
    kinds = {w.kind for w in snap.workloads}
    assert kinds == {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"}
    assert [n.name for n in snap.nodes] == ["ip-10-10-1-11", "ip-10-10-1-12"]  # nodes.json
    assert {p.name for p in snap.network_policies} == {
        "default-deny-ingress",
        "ledger-from-gateway",
        "db-egress",
    }  # policies.yaml
    assert {s.service_name for s in snap.endpoint_slices} == {
        "ledger",
        "ledger-db",
        "legacy-billing",
    }
    assert snap.skipped_kinds == (("Secret", 1), ("ServiceAccount", 1))
    assert snap.cni.plugins == ("flannel",) and snap.cni.enforces_network_policy is False
    assert snap.dns.nodelocal_ip == "169.254.20.10"
    assert snap.dns.kubernetes.pods == "verified" and snap.dns.kubernetes.endpoint_pod_names
    assert (
        snap.namespace("kube-flannel") is not None and not snap.namespace("kube-flannel").declared
    )
    ledger = [p for p in snap.pods if p.name.startswith("ledger-84c")]
    assert len(ledger) == 2 and all(p.owner.name == "ledger" for p in ledger)
    assert snap.warnings == ()


def test_directory_walk_is_recursive_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.yml").write_text(POD % ("p2", "10.0.0.2"))
    (tmp_path / "a.yaml").write_text(POD % ("p1", "10.0.0.1"))
    (tmp_path / "notes.txt").write_text("not a manifest")
    snap = load_manifests([str(tmp_path)])
    assert [p.name for p in snap.pods] == ["p1", "p2"]
    assert snap.pods[1].origin == f"{tmp_path}/b/x.yml:1 (document 1)"


def test_multi_document_and_empty_documents(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text("---\n" + POD % ("p1", "10.0.0.1") + "---\n---\n" + POD % ("p2", "10.0.0.2"))
    assert len(load_manifests([str(f)]).pods) == 2


def test_json_and_repeatable_paths(tmp_path: Path) -> None:
    f = tmp_path / "p.json"
    f.write_text(
        json.dumps(
            {
                "kind": "Pod",
                "metadata": {"name": "j", "namespace": "a"},
                "status": {"podIP": "10.0.0.3"},
            }
        )
    )
    g = tmp_path / "q.yaml"
    g.write_text(POD % ("y", "10.0.0.4"))
    assert [p.name for p in load_manifests([str(f), str(g)]).pods] == ["j", "y"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(POD % ("s", "10.0.0.5")))
    snap = load_manifests(["-"])
    assert snap.pods[0].name == "s"
    assert snap.pods[0].origin == "<stdin>:1 (document 1)"


def err(paths: list[str], keep_going: bool = False) -> str:
    with pytest.raises(ManifestError) as info:
        load_manifests(paths, keep_going=keep_going)
    return info.value.message


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(POD % ("p", "10.0.0.1") + "---\nkind: Pod\nmetadata:\n  name: [oops\n")
    message = err([str(f)])
    assert message.startswith(f"{f}:")
    line = int(message.split(":")[1])
    assert line >= 9  # within the second document, not at the top of the file
    assert "malformed YAML" in message


def test_malformed_json_names_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{\n  "kind": "Pod",\n  "metadata": {\n}\n')
    assert err([str(f)]).startswith(f"{f}:5:")


def test_document_without_kind(tmp_path: Path) -> None:
    f = tmp_path / "nokind.yaml"
    f.write_text(POD % ("p", "10.0.0.1") + "---\napiVersion: v1\nmetadata: {name: x}\n")
    assert err([str(f)]) == f"{f}:7 (document 2): object has no 'kind'"


def test_scalar_document(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("just text\n")
    assert "expected a Kubernetes object" in err([str(f)])


def test_missing_path() -> None:
    assert err(["/nonexistent/netdiag"]) == "/nonexistent/netdiag: no such file or directory"


def test_unreadable_file_in_directory(tmp_path: Path) -> None:
    # A dangling symlink cannot be opened even by root (chmod 000 can).
    d = tmp_path / "d"
    d.mkdir()
    (d / "dangling.yaml").symlink_to(tmp_path / "missing")
    assert "cannot read" in err([str(d)])


def test_empty_directory(tmp_path: Path) -> None:
    message = err([str(tmp_path)])
    assert message == f"{tmp_path}: directory holds no *.yaml, *.yml or *.json files"


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"kind: Pod\nmetadata: {name: caf\xe9}\n")
    assert "not UTF-8" in err([str(f)])


def test_list_items_carry_their_line(tmp_path: Path) -> None:
    f = tmp_path / "dump.yaml"
    f.write_text(
        "apiVersion: v1\nkind: PodList\nitems:\n"
        "- metadata: {name: a, namespace: n}\n  status: {podIP: 10.0.0.1}\n"
        "- metadata: {name: b, namespace: n}\n"
        "  spec: {containers: [{name: c, ports: [{containerPort: x}]}]}\n"
    )
    assert err([str(f)]) == (
        f"{f}:6 (document 1, items[1]): Pod n/b: "
        "spec.containers[0].ports[0].containerPort: must be an integer, not 'x'"
    )
    snap = load_manifests([str(f)], keep_going=True)
    assert [p.origin for p in snap.pods] == [f"{f}:4 (document 1, items[0])"]


def test_json_origins_have_no_line(tmp_path: Path) -> None:
    f = tmp_path / "l.json"
    f.write_text(
        json.dumps({"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}}]})
    )
    assert load_manifests([str(f)]).pods[0].origin == f"{f} (document 1), items[0]"
