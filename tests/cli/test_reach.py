"""``netdiag reach`` through the real entry point: verdicts, explanations, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "policy"


def cluster(scenario: str) -> list[str]:
    return ["--cluster", str(FIX / "_model"), "--cluster", str(FIX / scenario / "policies.yaml")]


def test_allowed_exits_0_and_names_the_rule() -> None:
    r = run_cli(["reach", "y/b", "x/a", "--port", "80/TCP", *cluster("namespace-selector")])
    assert r.exit_code == 0, r.stderr
    assert "ALLOWED" in r.stdout
    assert "allowed by x/allow-y rule 0, peer 0" in r.stdout
    assert "egress of y/b: not isolated (no policy selects it)" in r.stdout


def test_denied_exits_1_with_the_nearest_miss() -> None:
    r = run_cli(["reach", "z/b", "x/a", *cluster("namespace-selector")])
    assert r.exit_code == 1
    assert "DENIED" in r.stdout
    assert "nearest miss: x/allow-y rule 0" in r.stdout and "ns=y (has ns=z)" in r.stdout


def test_json_verdict_document() -> None:
    r = run_cli(["reach", "z/b", "x/a", "-o", "json", *cluster("ports-probe-81")])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["schema"] == "netdiag/verdict/v1"
    assert doc["verdict"] == "denied" and doc["query"] is None
    ingress = doc["paths"][0]["ingress"]
    assert ingress["isolated"] and ingress["policies"] == ["x/allow-81-from-y"]
    assert ingress["nearest_miss"]["rule"] == 0


def test_allowed_ports_without_port() -> None:
    r = run_cli(["reach", "y/a", "x/a", "-o", "json", *cluster("ports-probe-81")])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["ports"] == [{"protocol": "TCP", "port": 81}]


def test_external_cidr_source() -> None:
    r = run_cli(["reach", "192.0.2.0/24", "x/a", *cluster("all-namespaces")])
    assert r.exit_code == 1
    assert "is not a pod" in r.stdout


def test_bad_endpoints_exit_2_naming_them() -> None:
    r = run_cli(["reach", "x/aa", "x/b", *cluster("all-namespaces")])
    assert r.exit_code == 2
    assert "'x/aa'" in r.stderr.splitlines()[0] and "did you mean" in r.stderr
    r = run_cli(["reach", "x/a", "q/a", *cluster("all-namespaces")])
    assert r.exit_code == 2 and "q/a" in r.stderr
    r = run_cli(["reach", "x/a", "x/b", "--port", "eighty", *cluster("all-namespaces")])
    assert r.exit_code == 2 and "--port" in r.stderr


def test_demo_service_reach_is_judged_per_backend() -> None:
    r = run_cli(["reach", "shop/frontend-netdiag0-cd739", "shop/api", "--port", "80"])
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "service shop/api port 80/TCP → " in r.stdout and ":8080" in r.stdout
