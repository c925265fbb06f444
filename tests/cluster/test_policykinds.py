"""Objects are told apart by API group and kind; policy kinds netdiag does not evaluate
are kept raw and never silent (matrix, reach, export, audit all say so)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netdiag.audit.run import run_audit
from netdiag.cluster.policykinds import CLUSTER_SCOPED_FOREIGN, UNEVALUATED_KINDS
from netdiag.cluster.serialize import dump_yaml
from netdiag.sources.manifests import load_manifests
from tests.helpers import run_cli

PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: a, labels: {app: p1}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, namespace: a, labels: {app: p2}}
status: {podIP: 10.0.0.2}
"""

FOREIGN = """\
---
apiVersion: %s
kind: %s
metadata: {name: pol-%d, namespace: a}
spec: {}
"""

KINDS = sorted(UNEVALUATED_KINDS)


def _write(tmp_path: Path, group: str, kind: str, count: int = 1) -> str:
    version = {"cilium.io": "v2", "projectcalico.org": "v3"}.get(group, "v1")
    text = PODS + "".join(FOREIGN % (f"{group}/{version}", kind, i) for i in range(count))
    path = tmp_path / "cluster.yaml"
    path.write_text(text)
    return str(path)


def test_calico_network_policy_is_not_read_as_a_kubernetes_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "projectcalico.org", "NetworkPolicy")
    snap = load_manifests([path])
    assert snap.network_policies == ()
    (foreign,) = snap.foreign_policies
    assert (foreign.group, foreign.kind, foreign.namespace, foreign.name) == (
        "projectcalico.org",
        "NetworkPolicy",
        "a",
        "pol-0",
    )
    assert foreign.raw["spec"] == {}


def test_unknown_group_of_a_modelled_kind_is_skipped_with_its_group(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("apiVersion: example.com/v1\nkind: Pod\nmetadata: {name: x}\n")
    snap = load_manifests([str(path)])
    assert snap.pods == () and snap.skipped_kinds == (("Pod.example.com", 1),)


def test_a_manifest_without_api_version_is_the_built_in_kind(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("kind: Pod\nmetadata: {name: x, namespace: a}\n")
    assert [p.name for p in load_manifests([str(path)]).pods] == ["x"]


@pytest.mark.parametrize("group_kind", KINDS, ids=[f"{k}.{g}" for g, k in KINDS])
def test_each_unevaluated_kind_warns_in_matrix_reach_export_and_audit(
    tmp_path: Path, group_kind: tuple[str, str]
) -> None:
    group, kind = group_kind
    path = _write(tmp_path, group, kind, count=2)
    warning = f"warning: 2 {kind}.{group} objects"
    matrix = run_cli(["matrix", "-o", "json", "--cluster", path])
    assert matrix.exit_code == 0, matrix.stderr
    assert [line for line in matrix.stderr.splitlines() if line.startswith(warning)]
    layers = json.loads(matrix.stdout)["unevaluated_layers"]
    assert layers == [
        {"group": group, "kind": kind, "count": 2, "description": UNEVALUATED_KINDS[group_kind]}
    ]
    reach = run_cli(["reach", "a/p1", "a/p2", "-o", "json", "--cluster", path])
    assert warning in reach.stderr
    assert json.loads(reach.stdout)["unevaluated_layers"][0]["kind"] == kind
    export = run_cli(["export", "-f", "json", "--cluster", path])
    assert warning in export.stderr
    assert json.loads(export.stdout)["unevaluated_layers"][0]["count"] == 2
    findings = run_audit(load_manifests([path]))
    (finding,) = [f for f in findings if f.check.id == "ND-TIER-001"]
    assert finding.effective_severity.value == "error"
    scope = "" if group_kind in CLUSTER_SCOPED_FOREIGN else "a/"
    assert finding.objects == (f"{kind}.{group} {scope}pol-0", f"{kind}.{group} {scope}pol-1")


def test_one_warning_line_per_kind(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        PODS
        + FOREIGN % ("crd.antrea.io/v1beta1", "NetworkPolicy", 0)
        + FOREIGN % ("crd.antrea.io/v1beta1", "NetworkPolicy", 1)
        + FOREIGN % ("security.istio.io/v1", "AuthorizationPolicy", 0)
    )
    r = run_cli(["matrix", "--cluster", str(path)])
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    # Sorted by group, then kind.
    assert warnings[0].startswith("warning: 2 NetworkPolicy.crd.antrea.io objects ")
    assert warnings[1].startswith("warning: 1 AuthorizationPolicy.security.istio.io object ")


def test_no_warning_and_empty_field_without_foreign_policies(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(PODS)
    r = run_cli(["matrix", "-o", "json", "--cluster", str(path)])
    assert "warning:" not in r.stderr
    assert json.loads(r.stdout)["unevaluated_layers"] == []


def test_snapshot_round_trip_keeps_the_raw_objects(tmp_path: Path) -> None:
    path = _write(tmp_path, "crd.antrea.io", "ClusterNetworkPolicy")
    snap = load_manifests([path])
    assert snap.foreign_policies[0].namespace == ""  # cluster-scoped
    again = tmp_path / "again.yaml"
    again.write_text(dump_yaml(snap))
    back = load_manifests([str(again)])
    assert back.foreign_policies == snap.foreign_policies
    assert back.foreign_policies[0].raw == snap.foreign_policies[0].raw
