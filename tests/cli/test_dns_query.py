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
