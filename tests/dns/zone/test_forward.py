"""The real-upstream backend, against netdiag's own server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from netdiag.dns.records import Rcode, Target
from netdiag.dns.server.loop import DnsServer
from netdiag.dns.zone.cluster import ClusterZone
from netdiag.dns.zone.forward import Forwarder
from tests.dns.zonefixtures import snapshot, upstream
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def upstream_server() -> Iterator[tuple[str, int]]:
    with DnsServer(ClusterZone(snapshot(), upstream()), [("127.0.0.1", 0)]) as s:
        yield s.addresses[0]


def test_forwarder_relays_answers(upstream_server: tuple[str, int]) -> None:
    forward = Forwarder(*upstream_server)
    answer = forward("www.baidu.com.", "A")
    assert answer.rcode is Rcode.NOERROR and not answer.authoritative
    assert [(r.type, r.data) for r in answer.answers] == [
        ("CNAME", "www.a.shifen.com."),
        ("A", "110.242.68.3"),
    ]
    assert answer.target == Target(kind="external", name="www.baidu.com.")
    assert forward("nope.baidu.com.", "A").rcode is Rcode.NXDOMAIN
    assert forward.label == f"{upstream_server[0]}:{upstream_server[1]}"


def test_silent_upstream_is_servfail() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as quiet:
        quiet.bind(("127.0.0.1", 0))  # bound, never answers
        forward = Forwarder("127.0.0.1", quiet.getsockname()[1], timeout=0.3)
        assert forward("example.org.", "A").rcode is Rcode.SERVFAIL


def test_cluster_zone_with_a_forwarder(upstream_server: tuple[str, int]) -> None:
    zone = ClusterZone(snapshot(), forwarder=Forwarder(*upstream_server), forwarder_label="up")
    answers = zone.query("baidu.com", "A").answers
    assert sorted(r.data for r in answers) == ["110.242.68.66", "39.156.66.10"]
    # ExternalName chased through the live upstream.
    ext = zone.query("ext.default.svc.cluster.local", "A")
    assert [r.type for r in ext.answers] == ["CNAME", "CNAME", "A"]


def test_dns_query_with_upstream_flag(upstream_server: tuple[str, int]) -> None:
    host, port = upstream_server
    result = run_cli(["dns", "query", "www.baidu.com", "--upstream", f"{host}:{port}"])
    assert result.exit_code == 0, result.stderr
    assert "110.242.68.3" in result.stdout
    assert f"forwarded to {host}:{port}" in result.stdout
