"""A simulated lookup written as a pcap reads back to the same chain."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap

from netdiag.dns.capture.pcap import read_frames
from netdiag.dns.capture.pcapwrite import (
    PcapWriter,
    format_for,
    linktype_for,
    pcap_time,
    write_queries,
)
from netdiag.dns.records import Rcode, Record
from tests.dns import capture_gen as gen
from tests.helpers import require_tool, run_cli


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


# --- PcapWriter: the streaming writer behind ``dns capture -w`` -------------


def _frames() -> list[tuple[float, bytes]]:
    """A glibc walk for baidu.com as (time, Ethernet frame), at real-world epochs."""
    pkts, _ = gen.glibc_lookup(1_764_500_000.123456, "baidu.com", answer_at="baidu.com.")
    return [(float(p.time), bytes(p)) for p in pkts]


def _write(path: Path, fmt: str, frames: list[tuple[float, bytes]], **kw: object) -> PcapWriter:
    with open(path, "wb") as fh:
        writer = PcapWriter(fh, fmt=fmt, **kw)  # type: ignore[arg-type]
        for ts, frame in frames:
            writer.write(ts, frame)
    return writer


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_writer_reads_back_through_our_reader_and_scapy(tmp_path: Path, fmt: str) -> None:
    path, frames = tmp_path / f"w.{fmt}", _frames()
    writer = _write(path, fmt, frames, interface="eth0")
    assert writer.packets == len(frames) == 16
    with open(path, "rb") as fh:
        got = list(read_frames(str(path), fh))
    assert got == [(writer.read_back_time(ts), 1, frame) for ts, frame in frames]
    assert [abs(g[0] - ts) < 1e-6 for g, (ts, _) in zip(got, frames, strict=True)] == [True] * 16
    read = rdpcap(str(path))
    assert [bytes(p) for p in read] == [f for _, f in frames]
    assert [float(p.time) for p in read] == pytest.approx([ts for ts, _ in frames], abs=1e-6)


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_writer_output_reads_in_tcpdump(tmp_path: Path, fmt: str) -> None:
    tcpdump = require_tool("tcpdump")
    path = tmp_path / f"w.{fmt}"
    _write(path, fmt, _frames(), interface="veth0")  # pcapng: with an if_name option
    shown = subprocess.run([tcpdump, "-nn", "-r", str(path)], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(lines) == 16 and all(" 10.244.1.7.40000 " in ln for ln in lines[::4]), lines
    assert [ln.split("? ")[1].split()[0] for ln in lines if "A? " in ln][:2] == [
        "baidu.com.default.svc.cluster.local.",
        "baidu.com.default.svc.cluster.local.",
    ]


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_same_report_as_the_file_scapy_writes(tmp_path: Path, fmt: str) -> None:
    pkts, _ = gen.glibc_lookup(1_764_500_000.5, "baidu.com", answer_at="baidu.com.")
    theirs = gen.write(tmp_path / f"scapy.{fmt}", pkts, pcapng=fmt == "pcapng")
    ours = tmp_path / f"ours.{fmt}"
    _write(ours, fmt, [(float(p.time), bytes(p)) for p in pkts])
    reports = [run_cli(["dns", "capture", "-r", str(p), "-o", "json"]) for p in (theirs, ours)]
    assert [r.exit_code for r in reports] == [0, 0]
    a, b = (json.loads(r.stdout) for r in reports)
    del a["source"], b["source"]
    assert a == b and len(a["chains"]) == 1


def test_packet_buffered_writer_leaves_a_whole_file_before_close(tmp_path: Path) -> None:
    """What a killed ``capture -w`` leaves: every packet written so far, readable."""
    path = tmp_path / "open.pcapng"
    fh = open(path, "wb")  # noqa: SIM115 - deliberately left open while reading
    try:
        writer = PcapWriter(fh, fmt="pcapng", packet_buffered=True)
        for ts, frame in _frames()[:3]:
            writer.write(ts, frame)
        with open(path, "rb") as reader:
            assert len(list(read_frames(str(path), reader))) == 3
    finally:
        fh.close()


@pytest.mark.parametrize(("fmt", "linktype"), [("pcap", 276), ("pcapng", 276), ("pcap", 101)])
def test_link_type_is_recorded(tmp_path: Path, fmt: str, linktype: int) -> None:
    path = tmp_path / "l.cap"
    _write(path, fmt, [(1.0, b"\x45" + bytes(27))], linktype=linktype)
    with open(path, "rb") as fh:
        [(_, got, _)] = list(read_frames(str(path), fh))
    assert got == linktype


def test_format_and_time_helpers() -> None:
    assert [format_for(p) for p in ("a.pcapng", "A.PCAPNG", "a.pcap", "a.cap", "dns")] == [
        "pcapng", "pcapng", "pcap", "pcap", "pcap"]  # fmt: skip
    assert format_for("a.pcapng", "pcap") == "pcap" and format_for("a", "pcapng") == "pcapng"
    assert pcap_time(1.9999996) == (2, 0) and pcap_time(5.0000004) == (5, 0)
    assert pcap_time(1_764_500_000.123456) == (1_764_500_000, 123456)
    assert linktype_for(12) == 101 and linktype_for(1) == 1 and linktype_for(276) == 276
    with pytest.raises(ValueError, match="unknown capture format"):
        PcapWriter(io.BytesIO(), fmt="erf")
