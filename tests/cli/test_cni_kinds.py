"""Calico and Cilium policies through the CLI: bad input is one error line naming the
file, object, field and column (exit 2); which kinds apply follows the detected CNI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli

PODS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
status: {podIP: 10.1.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
status: {podIP: 10.1.0.20}
"""

CALICO_DENY = """\
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: db-deny-web
spec:
  selector: app == 'db'
  ingress:
    - action: Deny
      source:
        selector: app == 'web'
"""

CILIUM_DENY = """\
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: db-deny-web
  namespace: shop
spec:
  endpointSelector:
    matchLabels:
      app: db
  ingressDeny:
    - fromEndpoints:
        - matchLabels:
            app: web
"""


def _daemonset(name: str, image: str) -> str:
    return f"""\
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: {name}, namespace: kube-system}}
spec:
  selector: {{matchLabels: {{k8s-app: {name}}}}}
  template:
    metadata: {{labels: {{k8s-app: {name}}}}}
    spec:
      containers: [{{name: agent, image: {image}}}]
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(text)
    return str(path)


def _reach(path: str) -> tuple[int, dict[str, object], str]:
    r = run_cli(
        ["reach", "shop/web", "shop/db", "--port", "5432/TCP", "-o", "json", "--cluster", path]
    )
    return r.exit_code, json.loads(r.stdout) if r.stdout.strip() else {}, r.stderr


def test_bad_calico_selector_is_one_error_line_with_the_column(tmp_path: Path) -> None:
    path = _write(tmp_path, PODS + CALICO_DENY.replace("app == 'web'", "app = 'web'"))
    r = run_cli(["matrix", "--cluster", path])
    assert r.exit_code == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, r.stderr
    (line,) = errors
    assert path in line
    assert "GlobalNetworkPolicy.projectcalico.org db-deny-web" in line
    assert "spec.ingress[0].source.selector: column 5: expected '=='" in line


def test_unknown_cilium_entity_names_the_field(tmp_path: Path) -> None:
    bad = CILIUM_DENY.replace(
        "fromEndpoints:\n        - matchLabels:\n            app: web", "fromEntities: [internet]"
    )
    r = run_cli(["reach", "shop/web", "shop/db", "--cluster", _write(tmp_path, PODS + bad)])
    assert r.exit_code == 2
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    assert "CiliumNetworkPolicy.cilium.io shop/db-deny-web" in line
    assert "spec.ingressDeny[0].fromEntities[0]: unknown entity 'internet'" in line


def test_bad_cidr_names_the_field(tmp_path: Path) -> None:
    bad = CILIUM_DENY.replace(
        "fromEndpoints:\n        - matchLabels:\n            app: web", "fromCIDR: [10.0.0.0/40]"
    )
    r = run_cli(["reach", "shop/web", "shop/db", "--cluster", _write(tmp_path, PODS + bad)])
    assert r.exit_code == 2
    assert "spec.ingressDeny[0].fromCIDR[0]: invalid CIDR '10.0.0.0/40'" in r.stderr


def test_unknown_cni_evaluates_both_and_says_it_assumed(tmp_path: Path) -> None:
    code, doc, _ = _reach(_write(tmp_path, PODS + CALICO_DENY + CILIUM_DENY))
    assert code == 1 and doc["verdict"] == "denied"
    assert any("no CNI recognised" in n for n in doc["notes"])  # type: ignore[union-attr]
    assert doc["unevaluated_layers"] == []


def test_calico_objects_on_a_cilium_cluster_are_not_enforced(tmp_path: Path) -> None:
    text = PODS + CALICO_DENY + _daemonset("cilium", "quay.io/cilium/cilium:v1.16.0")
    code, doc, stderr = _reach(_write(tmp_path, text))
    assert code == 0 and doc["verdict"] == "allowed"
    (layer,) = doc["unevaluated_layers"]  # type: ignore[misc]
    assert layer["kind"] == "GlobalNetworkPolicy" and "not enforced" in layer["description"]
    assert "warning: 1 GlobalNetworkPolicy.projectcalico.org object" in stderr


def test_cilium_objects_on_a_calico_cluster_are_not_enforced(tmp_path: Path) -> None:
    text = PODS + CILIUM_DENY + _daemonset("calico-node", "docker.io/calico/node:v3.29.0")
    code, doc, _ = _reach(_write(tmp_path, text))
    assert code == 0 and doc["verdict"] == "allowed"
    assert [x["kind"] for x in doc["unevaluated_layers"]] == ["CiliumNetworkPolicy"]  # type: ignore[union-attr]


def test_each_cni_enforces_its_own(tmp_path: Path) -> None:
    calico = PODS + CALICO_DENY + _daemonset("calico-node", "docker.io/calico/node:v3.29.0")
    code, doc, _ = _reach(_write(tmp_path, calico))
    assert code == 1 and doc["unevaluated_layers"] == []
    assert not any("no CNI recognised" in n for n in doc["notes"])  # type: ignore[union-attr]
    cilium = PODS + CILIUM_DENY + _daemonset("cilium", "quay.io/cilium/cilium:v1.16.0")
    code, doc, _ = _reach(_write(tmp_path, cilium))
    assert code == 1 and doc["verdict"] == "denied"


def test_reach_names_the_deciding_kind_policy_rule_and_action(tmp_path: Path) -> None:
    r = run_cli(
        [
            "reach",
            "shop/web",
            "shop/db",
            "--port",
            "5432/TCP",
            "--cluster",
            _write(tmp_path, PODS + CALICO_DENY),
        ]
    )
    assert r.exit_code == 1
    want = "calico: Calico GlobalNetworkPolicy db-deny-web rule spec.ingress[0]: Deny on TCP 5432"
    assert want in r.stdout


def test_reach_json_carries_the_decisions(tmp_path: Path) -> None:
    _, doc, _ = _reach(_write(tmp_path, PODS + CALICO_DENY))
    (path,) = doc["paths"]  # type: ignore[misc]
    (first, *_rest) = path["ingress"]["decided_by"]
    assert {k: first[k] for k in ("layer", "kind", "policy", "rule", "action")} == {
        "layer": "calico",
        "kind": "Calico GlobalNetworkPolicy",
        "policy": "db-deny-web",
        "rule": "spec.ingress[0]",
        "action": "Deny",
    }


def test_snapshot_round_trip_keeps_calico_and_cilium_policies(tmp_path: Path) -> None:
    from netdiag.cluster.serialize import dump_yaml
    from netdiag.sources.manifests import load_manifests

    snap = load_manifests([_write(tmp_path, PODS + CALICO_DENY + CILIUM_DENY)])
    again = tmp_path / "again.yaml"
    again.write_text(dump_yaml(snap))
    back = load_manifests([str(again)])
    assert [p.model for p in back.foreign_policies] == [p.model for p in snap.foreign_policies]
    assert all(p.model is not None for p in back.foreign_policies)
