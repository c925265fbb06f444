"""The real server, checked with real dig and dnspython over loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from netdiag.dns.server.loop import DnsServer
from netdiag.dns.zone.cluster import ClusterZone
from netdiag.errors import UsageError
from tests.dns.server.test_wire import _big_responder
from tests.dns.zonefixtures import snapshot, upstream
from tests.helpers import require_tool

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsServer]:
    log = tmp_path_factory.mktemp("dns") / "queries.jsonl"
    with DnsServer(ClusterZone(snapshot(), upstream()), [("127.0.0.1", 0)], query_log=log) as s:
        yield s


def dig(server: DnsServer, *args: str) -> str:
    path = require_tool("dig")
    host, port = server.addresses[0]
    cmd = [path, f"@{host}", "-p", str(port), "+time=2", "+tries=1", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=True).stdout


def short(server: DnsServer, *args: str) -> list[str]:
    """dig +short lines, sorted: RRsets are sets, their order on the wire is free."""
    return sorted(dig(server, "+short", *args).splitlines())


def status(output: str) -> str:
    return output.split("status: ", 1)[1].split(",", 1)[0]


def flags(output: str) -> set[str]:
    return set(output.split(";; flags: ", 1)[1].split(";", 1)[0].split())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("web.default.svc.cluster.local",), ["10.96.0.20"]),
        (("dual.default.svc.cluster.local", "AAAA"), ["fd00:96::21"]),
        (("db.default.svc.cluster.local",), ["10.244.1.10", "10.244.1.11"]),
        (("db-0.db.default.svc.cluster.local",), ["10.244.1.10"]),
        (
            ("_http._tcp.web.default.svc.cluster.local", "SRV"),
            ["0 100 80 web.default.svc.cluster.local."],
        ),
        (
            ("ext.default.svc.cluster.local",),
            ["110.242.68.3", "www.a.shifen.com.", "www.baidu.com."],
        ),
        (("ext.default.svc.cluster.local", "CNAME"), ["www.baidu.com."]),
        (("dns-version.cluster.local", "TXT"), ['"1.1.0"']),
        (("-x", "10.96.0.20"), ["web.default.svc.cluster.local."]),
        (("10-244-1-20.default.pod.cluster.local",), ["10.244.1.20"]),
        (("cluster.local", "NS"), ["ns.dns.cluster.local."]),
        (("WEB.DEFAULT.svc.cluster.local",), ["10.96.0.20"]),
        (("baidu.com",), ["110.242.68.66", "39.156.66.10"]),
    ],
)
def test_dig_answers_every_record_kind(
    server: DnsServer, args: tuple[str, ...], expected: list[str]
) -> None:
    assert short(server, *args) == expected


def test_dig_nxdomain_vs_nodata(server: DnsServer) -> None:
    nx = dig(server, "nope.default.svc.cluster.local")
    assert status(nx) == "NXDOMAIN" and "cluster.local.\t\t30\tIN\tSOA" in nx
    nodata = dig(server, "web.default.svc.cluster.local", "AAAA")
    assert status(nodata) == "NOERROR" and "ANSWER: 0" in nodata and "IN\tSOA" in nodata


def test_dig_flags_aa_and_norec(server: DnsServer) -> None:
    out = dig(server, "web.default.svc.cluster.local")
    assert flags(out) == {"qr", "aa", "rd", "ra"}
    out = dig(server, "+norec", "web.default.svc.cluster.local")
    assert flags(out) == {"qr", "aa", "ra"}
    assert "aa" not in flags(dig(server, "baidu.com"))


def test_dig_over_tcp(server: DnsServer) -> None:
    out = dig(server, "+tcp", "_pg._tcp.db.default.svc.cluster.local", "SRV")
    assert "(TCP)" in out and "db-0.db.default.svc.cluster.local." in out


def test_dig_edns_bufsize_is_echoed(server: DnsServer) -> None:
    out = dig(server, "+bufsize=4096", "web.default.svc.cluster.local")
    assert "EDNS: version: 0" in out and "udp: 1232" in out
    assert "OPT PSEUDOSECTION" not in dig(server, "+noedns", "web.default.svc.cluster.local")


@pytest.fixture(scope="module")
def big_server() -> Iterator[DnsServer]:
    with DnsServer(_big_responder().zone, [("127.0.0.1", 0)]) as s:
        yield s


def test_dig_truncation_and_tcp_fallback(big_server: DnsServer) -> None:
    name = "big.default.svc.cluster.local"
    ignored = dig(big_server, "+noedns", "+ignore", name)
    assert "tc" in flags(ignored) and "ANSWER: 0" in ignored
    retried = dig(big_server, "+noedns", name)
    assert "Truncated, retrying in TCP mode" in retried
    assert "ANSWER: 60" in retried and "(TCP)" in retried
    small_edns = dig(big_server, "+bufsize=600", "+ignore", name)
    assert "tc" in flags(small_edns)
    assert "ANSWER: 60" in dig(big_server, "+bufsize=4096", name)


def test_dnspython_udp_and_tcp(server: DnsServer) -> None:
    host, port = server.addresses[0]
    q = dns.message.make_query("_pg._tcp.db.default.svc.cluster.local", "SRV")
    for reply in (
        dns.query.udp(q, host, port=port, timeout=2),
        dns.query.tcp(q, host, port=port, timeout=2),
    ):
        assert reply.rcode() == dns.rcode.NOERROR and reply.flags & dns.flags.AA
        assert sorted(r.target.to_text() for r in reply.answer[0]) == [
            "10-244-1-11.db.default.svc.cluster.local.",
            "db-0.db.default.svc.cluster.local.",
        ]
        assert len(reply.additional) == 2


def test_dnspython_nxdomain_nodata(server: DnsServer) -> None:
    host, port = server.addresses[0]
    nx = dns.query.udp(
        dns.message.make_query("nohosts.default.svc.cluster.local", "A"), host, port=port, timeout=2
    )
    assert nx.rcode() == dns.rcode.NXDOMAIN
    nodata = dns.query.udp(
        dns.message.make_query("default.svc.cluster.local", "A"), host, port=port, timeout=2
    )
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer and nodata.authority


def test_dnspython_tcp_pipelines_several_queries(server: DnsServer) -> None:
    host, port = server.addresses[0]
    names = ["web.default.svc.cluster.local", "db.default.svc.cluster.local", "baidu.com"]
    with socket.create_connection((host, port), timeout=2) as sock:
        wire = b"".join(
            len(w).to_bytes(2, "big") + w
            for w in (dns.message.make_query(n, "A").to_wire() for n in names)
        )
        sock.sendall(wire)
        replies = [dns.query.receive_tcp(sock, time.time() + 2)[0] for _ in names]
    assert [r.question[0].name.to_text() for r in replies] == [n + "." for n in names]


def test_garbage_does_not_kill_the_server(server: DnsServer) -> None:
    host, port = server.addresses[0]
    rng = __import__("random").Random(3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(b"", (host, port))
        sock.sendto(b"\x00\x01\x00", (host, port))  # truncated header: dropped
        q = dns.message.make_query("web.default.svc.cluster.local", "A").to_wire()
        sock.sendto(q[:16], (host, port))  # truncated question: FORMERR
        reply = dns.message.from_wire(sock.recv(512), question_only=True)
        assert reply.rcode() == dns.rcode.FORMERR
        for _ in range(500):
            sock.sendto(
                bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60))), (host, port)
            )
    with socket.create_connection((host, port), timeout=2) as tcp:
        tcp.sendall(b"\x00\x05junk!\x00")  # garbage then a cut-off frame
    assert short(server, "web.default.svc.cluster.local") == ["10.96.0.20"]


def test_query_log_lines(tmp_path: Path) -> None:
    log = tmp_path / "q.jsonl"
    with DnsServer(ClusterZone(snapshot()), [("127.0.0.1", 0)], query_log=log) as s:
        dig(s, "web.default.svc.cluster.local")
        dig(s, "+tcp", "nope.default.svc.cluster.local", "AAAA")
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["name"], e["type"], e["rcode"], e["proto"]) for e in entries] == [
        ("web.default.svc.cluster.local.", "A", "NOERROR", "udp"),
        ("nope.default.svc.cluster.local.", "AAAA", "NXDOMAIN", "tcp"),
    ]
    assert entries[0]["client"].startswith("127.0.0.1:") and entries[0]["time"].endswith("Z")


def test_on_query_hook_and_timeout_fault() -> None:
    from netdiag.dns.records import Rcode

    seen: list[dict[str, object]] = []
    zone = ClusterZone(snapshot(), upstream().with_faults({"baidu.com.": Rcode.TIMEOUT}))
    with DnsServer(zone, [("127.0.0.1", 0)], on_query=seen.append) as s:
        host, port = s.addresses[0]
        with pytest.raises(dns.exception.Timeout):
            dns.query.udp(dns.message.make_query("baidu.com", "A"), host, port=port, timeout=0.5)
    assert [(e["name"], e["rcode"]) for e in seen] == [("baidu.com.", "TIMEOUT")]


def test_port_in_use_is_a_usage_error() -> None:
    with DnsServer(ClusterZone(snapshot()), [("127.0.0.1", 0)]) as s:
        host, port = s.addresses[0]
        with pytest.raises(
            UsageError, match=rf"--listen 127\.0\.0\.1:{port}: address already in use"
        ):
            DnsServer(ClusterZone(snapshot()), [(host, port)]).start()


def test_several_listen_addresses_and_ipv6(server: DnsServer) -> None:
    zone = ClusterZone(snapshot())
    with DnsServer(zone, [("127.0.0.1", 0), ("127.0.0.2", 0), ("::1", 0)]) as s:
        for host, port in s.addresses:
            q = dns.message.make_query("web.default.svc.cluster.local", "A")
            assert dns.query.udp(q, host, port=port, timeout=2).answer


def test_stop_is_prompt_and_releases_the_port() -> None:
    s = DnsServer(ClusterZone(snapshot()), [("127.0.0.1", 0)]).start()
    host, port = s.addresses[0]
    started = time.monotonic()
    s.stop()
    assert time.monotonic() - started < 2
    again = DnsServer(ClusterZone(snapshot()), [(host, port)]).start()
    again.stop()


MODEL_NAMES = [
    "web.default.svc.cluster.local.",
    "dual.default.svc.cluster.local.",
    "db.default.svc.cluster.local.",
    "db-0.db.default.svc.cluster.local.",
    "_http._tcp.web.default.svc.cluster.local.",
    "_pg._tcp.db.default.svc.cluster.local.",
    "ext.default.svc.cluster.local.",
    "extin.default.svc.cluster.local.",
    "nohosts.default.svc.cluster.local.",
    "default.svc.cluster.local.",
    "cluster.local.",
    "dns-version.cluster.local.",
    "10-244-1-20.default.pod.cluster.local.",
    "20.0.96.10.in-addr.arpa.",
    "baidu.com.",
    "www.baidu.com.",
    "nope.baidu.com.",
    "baidu.com.default.svc.cluster.local.",
]


@pytest.mark.parametrize("rtype", ["A", "AAAA", "SRV", "TXT", "CNAME", "PTR", "SOA", "NS", "MX"])
def test_served_answers_equal_the_model(server: DnsServer, rtype: str) -> None:
    """The wire answer carries exactly the model's rcode, AA flag and records."""
    host, port = server.addresses[0]
    for name in MODEL_NAMES:
        expected = server.zone.query(name, rtype)
        reply = dns.query.udp(dns.message.make_query(name, rtype), host, port=port, timeout=2)
        assert dns.rcode.to_text(reply.rcode()) == expected.rcode.value, name
        assert bool(reply.flags & dns.flags.AA) == expected.authoritative, name
        for section, records in (
            (reply.answer, expected.answers),
            (reply.authority, expected.authority),
            (reply.additional, expected.additional),
        ):
            got = sorted(
                (rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
                for rrset in section
                for rd in rrset
            )
            assert got == sorted((r.name, r.type, r.data) for r in records), (name, rtype)


def test_log_keeps_arrival_order_across_listen_addresses() -> None:
    """Like musl querying two nameservers at once: the log follows the wire order."""
    seen: list[dict[str, object]] = []
    zone = ClusterZone(snapshot())
    with DnsServer(zone, [("127.0.0.1", 0), ("127.0.0.2", 0)], on_query=seen.append) as s:
        targets = [s.addresses[1], s.addresses[0]] * 10
        names = [f"n{i}.default.svc.cluster.local." for i in range(len(targets))]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2)
            for name, target in zip(names, targets, strict=True):
                sock.sendto(dns.message.make_query(name, "A").to_wire(), target)
            for _ in names:
                sock.recv(512)
    assert [e["name"] for e in seen] == names
