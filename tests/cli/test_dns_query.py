"""``netdiag dns query`` on the bundled demo cluster, through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from tests.dns.zonefixtures import UPSTREAM_TEXT
from tests.helpers import run_cli


def test_text_output_like_dig() -> None:
    result = run_cli(["dns", "query", "tke-six-six-six.kube-system.svc.cluster.local"])
    assert result.exit_code == 0, result.stderr
    assert "status: NOERROR, flags: qr aa rd ra" in result.stdout
    assert ";; ANSWER SECTION:" in result.stdout
    assert ";; target: service kube-system/tke-six-six-six" in result.stdout
    assert "bundled demo cluster" in result.stderr


def test_json_output_and_nodata_exit_1() -> None:
    result = run_cli(
        ["dns", "query", "kube-dns.kube-system.svc.cluster.local", "--type", "aaaa", "-o", "json"]
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["schema"] == "netdiag/dns-query/v1"
    assert (doc["name"], doc["type"], doc["rcode"], doc["answers"]) == (
        "kube-dns.kube-system.svc.cluster.local.",
        "AAAA",
        "NOERROR",
        [],
    )
    assert doc["authority"][0]["type"] == "SOA"
    assert doc["target"] == {"kind": "service", "namespace": "kube-system", "name": "kube-dns"}


def test_nxdomain_exits_1() -> None:
    result = run_cli(["dns", "query", "baidu.com.default.svc.cluster.local"])
    assert result.exit_code == 1 and "status: NXDOMAIN" in result.stdout


def test_external_name_from_the_demo_upstream_zone_states_the_assumption() -> None:
    result = run_cli(["dns", "query", "baidu.com", "-o", "json"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 0 and doc["authoritative"] is False
    assert {a["data"] for a in doc["answers"]} >= {"110.242.68.66"}
    assert "upstream zone demo/upstream.zone" in doc["assumption"]


def test_upstream_zone_file(tmp_path: Path) -> None:
    zone = tmp_path / "up.zone"
    zone.write_text(UPSTREAM_TEXT)
    result = run_cli(["dns", "query", "www.baidu.com", "--upstream-zone", str(zone)])
    assert result.exit_code == 0
    assert "www.a.shifen.com." in result.stdout and "110.242.68.3" in result.stdout


def test_bad_zone_file_is_one_line_error(tmp_path: Path) -> None:
    zone = tmp_path / "bad.zone"
    zone.write_text("$ORIGIN example.org.\n@ 60 IN SOA ns h 1 2 3 4 5\nwww 60 IN BOGUS 1\n")
    result = run_cli(["dns", "query", "www.example.org", "--upstream-zone", str(zone)])
    assert result.exit_code == 2
    assert f"{zone}:3" in result.stderr and "Traceback" not in result.stderr
    missing = run_cli(["dns", "query", "x", "--upstream-zone", str(tmp_path / "nope.zone")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_invalid_names_and_types() -> None:
    for name, message in (
        ("a" * 64 + ".example", "over 63 octets"),
        ("a..b", "empty label"),
        (".".join(["abcdefgh"] * 30), "over 253"),
    ):
        result = run_cli(["dns", "query", name])
        assert result.exit_code == 2 and message in result.stderr, name
    result = run_cli(["dns", "query", "x", "--type", "NOPE"])
    assert result.exit_code == 2 and "--type NOPE" in result.stderr


AUTOPATH_CLUSTER = (
    (Path(__file__).resolve().parents[2] / "fixtures/audit/ND-DNS-008/clean.yaml").read_text()
    + """
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec: {containers: [{name: c, image: nginx}]}
status: {podIP: 10.244.1.5, phase: Running}
"""
)


def test_from_a_pod_gets_the_autopath_answer(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(AUTOPATH_CLUSTER)
    args = ["dns", "query", "baidu.com.default.svc.cluster.local", "--cluster", str(cluster)]
    args += [
        "--upstream-zone",
        str(Path(__file__).resolve().parents[2] / "netdiag/sources/demo/upstream.zone"),
    ]
    for source in ("default/web", "10.244.1.5"):
        result = run_cli([*args, "--from", source, "-o", "json"])
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout)
        first = doc["answers"][0]
        assert (first["name"], first["type"], first["data"]) == (
            "baidu.com.default.svc.cluster.local.",
            "CNAME",
            "baidu.com.",
        )
        assert "a pod in default, answered with CoreDNS autopath" in doc["assumption"]
    plain = run_cli([*args, "--from", "10.9.9.9"])
    assert plain.exit_code == 1 and "no Running pod has it" in plain.stdout
    assert run_cli(args).exit_code == 1  # no source: no autopath


def test_from_bad_sources_are_one_line_errors(tmp_path: Path) -> None:
    for source, message in (
        ("nope", "not an IP address or NS/POD"),
        ("default/ghost", "not found"),
    ):
        result = run_cli(["dns", "query", "x.default.svc.cluster.local", "--from", source])
        assert result.exit_code == 2 and message in result.stderr
        assert "Traceback" not in result.stderr
