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


# -- reach SRC NAME ---------------------------------------------------------------

NAMES = Path(__file__).resolve().parents[2] / "fixtures" / "reachname"


def names_cluster(scenario: str) -> list[str]:
    return [
        "--cluster",
        str(NAMES / "_cluster" / "cluster.yaml"),
        "--cluster",
        str(NAMES / scenario),
        "--upstream-zone",
        str(NAMES / "_cluster" / "upstream.zone"),
    ]


def test_a_name_is_resolved_then_judged() -> None:
    r = run_cli(["reach", "app/client", "web.app", "--port", "80", *names_cluster("open")])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("app/client → web.app: ALLOWED for TCP 80")
    assert "web.app.svc.cluster.local. (service app/web, namespace app)" in r.stdout
    assert "UDP 53 to 10.96.0.10" in r.stdout and "10.96.1.10 (service app/web)" in r.stdout


def test_name_denied_exits_1_naming_the_first_blocking_hop_and_the_fix() -> None:
    args = ["reach", "app/client", "web.app", "--port", "80", *names_cluster("nodelocal-ipvs")]
    r = run_cli(args)
    assert r.exit_code == 1
    assert "blocked at DNS: UDP 53 to 169.254.20.10 (NodeLocal DNSCache" in r.stdout
    assert "ipBlock: {cidr: 169.254.20.10/32}" in r.stdout


def test_name_json_has_dns_and_addresses() -> None:
    args = ["reach", "app/client", "example.com", "--port", "443/TCP", "-o", "json"]
    r = run_cli([*args, *names_cluster("address-blocked")])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["schema"] == "netdiag/verdict/v1" and doc["dst"] == "example.com"
    assert doc["blocked_hop"] == "address"
    assert doc["dns"]["winner"] == "example.com." and doc["dns"]["verdict"] == "allowed"
    assert [(a["address"], a["kind"], a["verdict"]) for a in doc["addresses"]] == [
        ("93.184.216.34", "external", "denied")
    ]
    assert doc["paths"][0]["egress"]["policies"] == ["app/egress"]


def test_name_flag_forces_a_name_and_ip_literal_sends_no_query() -> None:
    args = ["reach", "app/client", "10.96.1.10", "--name", "--port", "80", "-o", "json"]
    r = run_cli([*args, *names_cluster("dns-udp-blocked")])
    assert r.exit_code == 0, r.stdout
    doc = json.loads(r.stdout)
    assert doc["dns"]["cost"]["queries"] == 0 and doc["dns"]["hops"] == []


def test_name_needs_a_pod_as_source() -> None:
    r = run_cli(["reach", "app/big", "example.com", *names_cluster("open")])
    assert r.exit_code == 2
    assert r.stderr.startswith("error: SRC 'app/big': reach by name needs a pod as source")


def test_bad_name_and_resolver_are_input_errors() -> None:
    r = run_cli(["reach", "app/client", "a..b", *names_cluster("open")])
    assert r.exit_code == 2 and "empty label" in r.stderr
    r = run_cli(["reach", "app/client", "web.app", "--resolver", "bind", *names_cluster("open")])
    assert r.exit_code == 2 and "--resolver 'bind'" in r.stderr


def test_name_with_a_given_resolv_conf(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 10.96.0.10\nsearch app.svc.cluster.local\noptions use-vc\n")
    args = ["reach", "app/client", "web.app", "--resolv-conf", str(conf), "-o", "json"]
    r = run_cli([*args, *names_cluster("dns-tcp-blocked")])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["blocked_hop"] == "dns-tcp"
    assert [h["protocol"] for h in doc["dns"]["hops"]] == ["TCP"]
    missing = run_cli(["reach", "app/client", "web.app", "--resolv-conf", str(tmp_path / "x")])
    assert missing.exit_code == 2 and missing.stderr.startswith("error: --resolv-conf")
