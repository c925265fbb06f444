"""``netdiag matrix`` through the real entry point, on fixtures and the demo cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "policy"
MODEL = str(FIX / "_model")


def cluster(scenario: str) -> list[str]:
    return ["--cluster", MODEL, "--cluster", str(FIX / scenario / "policies.yaml")]


def test_truthtable_output_is_the_e2e_format() -> None:
    r = run_cli(["matrix", *cluster("namespace-selector"), "--port", "80/TCP", "-o", "truthtable"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == (FIX / "namespace-selector" / "expected.txt").read_text()


def test_text_output_without_colour_uses_ascii_glyphs_and_a_legend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    r = run_cli(["matrix", *cluster("default-deny-ingress")])
    assert r.exit_code == 0
    assert "\x1b[" not in r.stdout
    lines = r.stdout.splitlines()
    row = next(line for line in lines if line.startswith("y/a"))
    assert row.split()[1:4] == ["X", "X", "X"]  # y/a -> x/* denied
    assert "X denied" in r.stdout


def test_json_is_reachability_v1_with_namespace_filter_and_externals() -> None:
    r = run_cli(
        ["matrix", *cluster("egress-cidr"), "-n", "x", "--external", "192.0.2.0/24", "-o", "json"]
    )
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "netdiag/reachability/v1"
    ids = [n["id"] for n in doc["nodes"]]
    assert ids == ["x/a", "x/b", "x/c", "10.244.1.11/32", "192.0.2.0/24"]
    from_xa = {e["to"]: e["ports"] for e in doc["edges"] if e["from"] == "x/a"}
    dns = [{"protocol": "UDP", "port": 53}]
    assert from_xa == {
        "10.244.1.11/32": [{"protocol": "TCP"}, {"protocol": "UDP"}, {"protocol": "SCTP"}],
        "x/b": dns,
        "x/c": dns,
        "192.0.2.0/24": dns,
    }
    assert all(e["from"] != e["to"] for e in doc["edges"])


def test_namespace_granularity() -> None:
    r = run_cli(
        ["matrix", *cluster("default-deny-all"), "--granularity", "namespace", "-o", "truthtable"]
    )
    assert r.exit_code == 0
    assert r.stdout.splitlines() == ["-\tx\ty\tz", "x\tX\tX\tX", "y\tX\t.\t.", "z\tX\t.\t."]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--port", "80/ICMP"], "--port"),
        (["--external", "not-an-ip"], "--external"),
        (["-n", "nosuch"], "nosuch"),
    ],
)
def test_bad_input_is_one_error_line_exit_2(args: list[str], needle: str) -> None:
    r = run_cli(["matrix", *cluster("default-deny-all"), *args])
    assert r.exit_code == 2
    assert r.stderr.startswith("error:") and needle in r.stderr.splitlines()[0]
    assert "Traceback" not in r.stderr


def test_invalid_cidr_in_a_policy_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: bad, namespace: x}\n"
        "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/99}\n"
    )
    r = run_cli(["matrix", "--cluster", MODEL, "--cluster", str(bad)])
    assert r.exit_code == 2
    assert "x/bad" in r.stderr and "ipBlock.cidr" in r.stderr


def test_demo_cluster_matrix_marks_synthetic_ips_and_host_network() -> None:
    r = run_cli(["matrix"])
    assert r.exit_code == 0, r.stderr
    assert "synthetic IP" in r.stdout
    assert "?" in r.stdout
