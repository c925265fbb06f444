"""The streaming pcap/pcapng reader, on captures generated with scapy."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdiag.dns.capture.pcap import Stats, read_dns
from netdiag.errors import InputError
from tests.dns import capture_gen as gen


def _mixed() -> list:
    pkts, _ = gen.glibc_lookup(1.0, "web", answer_at="web.default.svc.cluster.local.")
    pkts += gen.tcp_exchange(2.0, "big.example.", "TXT", split=True)
    pkts.append(gen.raw_udp(3.0, b"GET / HTTP/1.1\r\n\r\n not dns"))
    pkts.append(gen.raw_udp(3.1, b"\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fab"))
    pkts.append(gen.raw_udp(3.2, b"ignored", sport=1234, dport=8080))
    return pkts


@pytest.mark.parametrize("pcapng", [False, True])
def test_reads_udp_tcp_and_counts_junk(tmp_path: Path, pcapng: bool) -> None:
    path = gen.write(tmp_path / "mixed.cap", _mixed(), pcapng=pcapng)
    stats = Stats()
    packets = list(read_dns(str(path), stats=stats))
    names = [(p.msg.qname, p.msg.qtype, p.msg.response, p.transport) for p in packets]
    assert names == [
        ("web.default.svc.cluster.local.", "A", False, "udp"),
        ("web.default.svc.cluster.local.", "AAAA", False, "udp"),
        ("web.default.svc.cluster.local.", "A", True, "udp"),
        ("web.default.svc.cluster.local.", "AAAA", True, "udp"),
        ("big.example.", "TXT", False, "tcp"),
        ("big.example.", "TXT", True, "tcp"),  # reassembled from two segments
    ]
    assert packets[2].msg.answers == ("10.96.0.20",)
    assert packets[0].ts == pytest.approx(1.0, abs=1e-5)
    assert (stats.dns, stats.not_dns, stats.malformed, stats.other) == (6, 1, 1, 1)


def test_extra_port_and_ipv6(tmp_path: Path) -> None:
    pkts = [
        gen.query(1.0, "a.example.", "AAAA", client="fd00::7", server="fd00::53"),
        gen.response(
            1.1, "a.example.", "AAAA", client="fd00::7", server="fd00::53", answers=("fd00::1",)
        ),
    ]
    pkts[0]["UDP"].dport = 5353
    pkts[1]["UDP"].sport = 5353
    path = gen.write(tmp_path / "v6.pcap", pkts)
    assert list(read_dns(str(path))) == []
    got = list(read_dns(str(path), ports=(53, 5353)))
    assert [(p.src, p.dport) for p in got] == [("fd00::7", 5353), ("fd00::53", 40000)]
    assert got[1].msg.answers == ("fd00::1",)


@pytest.mark.parametrize("pcapng", [False, True])
def test_truncated_file_yields_complete_packets_then_names_offset(
    tmp_path: Path, pcapng: bool
) -> None:
    path = gen.write(tmp_path / "t.cap", _mixed(), pcapng=pcapng)
    data = path.read_bytes()
    cut = tmp_path / "cut.cap"
    cut.write_bytes(data[:-30])
    seen = []
    with pytest.raises(InputError) as info:
        for p in read_dns(str(cut)):
            seen.append(p)
    assert len(seen) == 6
    assert str(cut) in info.value.message and "byte offset" in info.value.message


def test_not_a_capture(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, this is not a pcap\n")
    with pytest.raises(InputError, match="not a pcap or pcapng"):
        list(read_dns(str(bad)))
    with pytest.raises(InputError, match="cannot read"):
        list(read_dns(str(tmp_path / "missing.pcap")))


def test_corrupt_record_length(tmp_path: Path) -> None:
    path = gen.write(tmp_path / "c.pcap", _mixed())
    data = bytearray(path.read_bytes())
    data[24 + 8 : 24 + 12] = (0x7FFFFFFF).to_bytes(4, "little")  # first record's incl_len
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="offset 24"):
        list(read_dns(str(path)))


@pytest.mark.parametrize("link", ["sll", "raw", "vlan"])
def test_cooked_raw_and_vlan_link_types(tmp_path: Path, link: str) -> None:
    from scapy.layers.l2 import CookedLinux, Dot1Q, Ether
    from scapy.utils import PcapWriter

    q = gen.query(1.0, "web.default.svc.cluster.local.", "A", qid=3)
    ip = q["IP"]
    if link == "sll":
        frame, linktype = CookedLinux(pkttype=4, lladdrtype=1, lladdrlen=6, proto=0x0800) / ip, 113
    elif link == "raw":
        frame, linktype = ip, 101
    else:
        frame = Ether(src=gen.CLIENT_MAC, dst=gen.SERVER_MAC) / Dot1Q(vlan=42) / ip
        linktype = 1
    path = tmp_path / f"{link}.pcap"
    writer = PcapWriter(str(path), linktype=linktype, sync=True)
    frame.time = 1.0
    writer.write(frame)
    writer.close()
    [pkt] = list(read_dns(str(path)))
    assert (pkt.src, pkt.msg.qname, pkt.msg.id) == (gen.CLIENT, "web.default.svc.cluster.local.", 3)


def test_edns_payload_and_name_compression(tmp_path: Path) -> None:
    name = "api.default.svc.cluster.local."
    pkts = [
        gen.query(1.0, name, "A", qid=1, edns=1232),
        gen.response(1.1, name, "A", qid=1, answers=("10.1.1.1", "10.1.1.2")),
    ]
    # scapy compresses the answers' owner names against the question (RFC 1035 §4.1.4)
    got = list(read_dns(str(gen.write(tmp_path / "e.pcap", pkts))))
    assert got[0].msg.edns_payload == 1232 and got[1].msg.edns_payload is None
    assert got[1].msg.answers == ("10.1.1.1", "10.1.1.2") and got[1].msg.ancount == 2
