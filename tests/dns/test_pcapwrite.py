"""A simulated lookup written as a pcap reads back to the same chain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap

from netdiag.dns.pcapwrite import write_queries
from netdiag.dns.records import Rcode, Record
from tests.helpers import run_cli


@dataclass(frozen=True)
class Q:
    name: str
    type: str
    round: int
    rcode: Rcode
    answers: tuple[Record, ...] = ()
    nameserver: str = "10.96.0.10"
    tcp: bool = False


def _walk() -> list[Q]:
    out = []
    for i, suffix in enumerate(("default.svc.cluster.local.", "svc.cluster.local.")):
        for t in ("A", "AAAA"):
            out.append(Q(f"baidu.com.{suffix}", t, i, Rcode.NXDOMAIN))
    a = Record(name="baidu.com.", type="A", ttl=30, data="39.156.66.10")
    out += [Q("baidu.com.", "A", 2, Rcode.NOERROR, (a,)), Q("baidu.com.", "AAAA", 2, Rcode.NOERROR)]
    return out


def test_written_trace_reads_back_as_the_same_chain(tmp_path: Path) -> None:
    path = tmp_path / "trace.pcap"
    assert write_queries(str(path), _walk()) == 12
    result = run_cli(["dns", "capture", "-r", str(path), "-o", "json"])
    assert result.exit_code == 0, result.stderr
    [chain] = json.loads(result.stdout)["chains"]
    got = [(q["name"], q["type"], q["rcode"], q["answers"]) for q in chain["queries"]]
    want = [(q.name, q.type, q.rcode.value, [a.data for a in q.answers]) for q in _walk()]
    assert got == want
    assert chain["name"] == "baidu.com" and chain["client"] == "10.244.0.10"


def test_frames_have_explicit_macs_and_valid_checksums(tmp_path: Path) -> None:
    path = tmp_path / "trace.pcap"
    write_queries(str(path), _walk())
    for pkt in rdpcap(str(path)):
        assert pkt[Ether].src.startswith("02:00:00") and pkt[Ether].dst.startswith("02:00:00")
        ip_sum, udp_sum = pkt[IP].chksum, pkt[UDP].chksum
        del pkt[IP].chksum, pkt[UDP].chksum
        rebuilt = Ether(bytes(pkt))
        assert (rebuilt[IP].chksum, rebuilt[UDP].chksum) == (ip_sum, udp_sum)


def test_timeouts_and_go_sockets(tmp_path: Path) -> None:
    qs = [
        Q("web.default.svc.cluster.local.", "A", 0, Rcode.TIMEOUT),
        Q("web.default.svc.cluster.local.", "AAAA", 0, Rcode.TIMEOUT),
        Q("web.svc.cluster.local.", "A", 1, Rcode.NXDOMAIN),
        Q("web.svc.cluster.local.", "AAAA", 1, Rcode.NXDOMAIN),
    ]
    path = tmp_path / "go.pcap"
    write_queries(str(path), qs, resolver="go")
    result = run_cli(["dns", "capture", "-r", str(path), "-o", "json"])
    [chain] = json.loads(result.stdout)["chains"]
    assert [q["rcode"] for q in chain["queries"]] == ["TIMEOUT", "TIMEOUT", "NXDOMAIN", "NXDOMAIN"]
    assert chain["duration_ms"] > 5000 and "unanswered" in chain["marks"]


@pytest.mark.parametrize("resolver", ["glibc", "musl", "go"])
@pytest.mark.parametrize("name", ["baidu.com", "tke-six-six-six", "doesnotexist.kube-system"])
def test_resolve_pcap_reads_back_to_the_same_chain(
    tmp_path: Path, resolver: str, name: str
) -> None:
    path = tmp_path / "resolve.pcap"
    resolved = run_cli(["resolve", name, "--resolver", resolver, "--pcap", str(path), "-o", "json"])
    assert resolved.exit_code in (0, 1), resolved.stderr
    assert "wrote" in resolved.stderr and path.exists()
    trace = json.loads(resolved.stdout)
    captured = run_cli(["dns", "capture", "-r", str(path), "-o", "json"])
    assert captured.exit_code == 0, captured.stderr
    [chain] = json.loads(captured.stdout)["chains"]
    got = [(q["name"], q["type"], q["rcode"], sorted(q["answers"])) for q in chain["queries"]]
    want = [
        (q["name"], q["type"], q["rcode"], sorted(_data(a) for a in q["answers"]))
        for q in trace["queries"]
    ]
    assert got == want
    assert resolver in chain["consistent_profiles"]


def _data(answer: object) -> str:
    """resolve's JSON answer → the address/target the capture shows."""
    if isinstance(answer, dict):
        return str(answer.get("data"))
    return str(answer).split()[-1]


def test_resolve_pcap_unwritable(tmp_path: Path) -> None:
    result = run_cli(["resolve", "baidu.com", "--pcap", str(tmp_path / "no" / "x.pcap")])
    assert result.exit_code == 2 and "--pcap" in result.stderr and "Traceback" not in result.stderr
