"""Stream DNS messages out of pcap and pcapng files without loading them whole.

Edge module (it reads files). Formats: classic pcap (µs and ns, either byte
order; https://www.tcpdump.org/manpages/pcap-savefile.5.html) and pcapng
(SHB/IDB/EPB/SPB/PB, RFC-draft ``draft-ietf-opsawg-pcapng``). Link types:
Ethernet (with 802.1Q tags), Linux cooked v1/v2, raw IPv4/IPv6, BSD loopback.
UDP and TCP on the DNS ports; TCP messages carry a 2-byte length prefix
(RFC 1035 §4.2.2) and are reassembled per direction in sequence order.

Non-DNS payloads on a DNS port and malformed messages are counted, not fatal.
A truncated or corrupt file raises :class:`InputError` naming the file and
byte offset — after every complete packet before it has been yielded.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from netdiag.dns.capture.frames import Frame, decode_frame
from netdiag.dns.capture.reader import ByteReader
from netdiag.dns.capture.wire import DnsPacket, Verdict, parse
from netdiag.errors import InputError

__all__ = ["DnsExtractor", "Stats", "read_dns", "read_frames"]


@dataclass(slots=True)
class Stats:
    """What the reader saw besides DNS messages (mutable counters)."""

    packets: int = 0
    dns: int = 0
    not_dns: int = 0
    malformed: int = 0
    other: int = 0  # not IP, not UDP/TCP, other ports, fragments
    tcp_gaps: int = 0
    by_linktype: dict[int, int] = field(default_factory=dict)


class _Stream:
    """Reassembles one direction of a TCP connection into DNS messages."""

    __slots__ = ("next_seq", "buf")

    def __init__(self, seq: int) -> None:
        self.next_seq = seq
        self.buf = b""


@dataclass(slots=True)
class DnsExtractor:
    """Frames → DNS packets; keeps TCP reassembly state and the counters."""

    ports: frozenset[int] = frozenset({53})
    stats: Stats = field(default_factory=Stats)
    _tcp: dict[tuple[str, int, str, int], _Stream] = field(default_factory=dict)

    def feed(self, ts: float, linktype: int, data: bytes) -> list[DnsPacket]:
        """The DNS messages in one frame (a list: generators cost more per packet)."""
        self.stats.packets += 1
        frame = decode_frame(linktype, data)
        if frame is None or (frame.sport not in self.ports and frame.dport not in self.ports):
            self.stats.other += 1
            return []
        if frame.transport == "udp":
            pkt = self._message(ts, frame, frame.payload)
            return [pkt] if pkt is not None else []
        return list(self._tcp_segment(ts, frame))

    def _message(self, ts: float, frame: Frame, payload: bytes) -> DnsPacket | None:
        verdict, msg = parse(payload)
        if msg is None:
            if verdict is Verdict.NOT_DNS:
                self.stats.not_dns += 1
            else:
                self.stats.malformed += 1
            return None
        self.stats.dns += 1
        return DnsPacket(ts, frame.src, frame.dst, frame.sport, frame.dport, frame.transport, msg)

    def _tcp_segment(self, ts: float, frame: Frame) -> Iterator[DnsPacket]:
        key = (frame.src, frame.sport, frame.dst, frame.dport)
        flags = frame.tcp_flags
        if flags & 0x02:  # SYN: the data starts at seq + 1
            self._tcp[key] = _Stream(frame.seq + 1)
            return
        stream = self._tcp.get(key)
        if stream is None:  # joined mid-connection: trust this segment
            stream = self._tcp[key] = _Stream(frame.seq)
        payload = frame.payload
        if payload:
            offset = (frame.seq - stream.next_seq) & 0xFFFFFFFF
            if offset >= 0x80000000:  # retransmission of bytes we already have
                skip = 0x100000000 - offset
                payload = payload[skip:] if skip < len(payload) else b""
            elif offset:
                self.stats.tcp_gaps += 1  # lost segment: resynchronise here
                stream.buf = b""
            stream.buf += payload
            stream.next_seq = (frame.seq + len(frame.payload)) & 0xFFFFFFFF
            while len(stream.buf) >= 2:
                length = (stream.buf[0] << 8) | stream.buf[1]
                if len(stream.buf) < 2 + length:
                    break
                message, stream.buf = stream.buf[2 : 2 + length], stream.buf[2 + length :]
                pkt = self._message(ts, frame, message)
                if pkt is not None:
                    yield pkt
        if flags & 0x05:  # FIN or RST
            self._tcp.pop(key, None)


def _corrupt(path: str, offset: int, what: str) -> InputError:
    return InputError(
        f"{path}: {what} at byte offset {offset}",
        hint="the capture is truncated or corrupt; chains before this point were analysed",
    )


def read_frames(path: str, fh: BinaryIO) -> Iterator[tuple[float, int, bytes]]:
    """Yield ``(timestamp, linktype, frame bytes)`` from a pcap or pcapng stream."""
    reader = ByteReader(fh)
    magic = reader.take(4)
    if magic is None or len(magic) < 4:
        raise InputError(f"{path}: empty or too short to be a capture file")
    if magic == b"\x0a\x0d\x0d\x0a":
        from netdiag.dns.capture.pcapng import read_pcapng

        yield from read_pcapng(path, reader, _corrupt)
        return
    yield from _read_pcap(path, reader, magic)


def _read_pcap(path: str, reader: ByteReader, magic: bytes) -> Iterator[tuple[float, int, bytes]]:
    formats = {
        b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
        b"\xa1\xb2\xc3\xd4": (">", 1e-6),
        b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
        b"\xa1\xb2\x3c\x4d": (">", 1e-9),
    }
    if magic not in formats:
        raise InputError(
            f"{path}: not a pcap or pcapng file (magic {magic.hex()})",
            hint="write captures with tcpdump -w or Wireshark",
        )
    order, scale = formats[magic]
    header = reader.take(20)
    if header is None or len(header) < 20:
        raise _corrupt(path, 4, "file header cut short")
    linktype = struct.unpack(order + "HHiIII", header)[5] & 0x0FFFFFFF
    record = struct.Struct(order + "IIII")
    while True:
        offset = reader.offset
        head = reader.take(16)
        if head is None:
            return
        if len(head) < 16:
            raise _corrupt(path, offset, "packet header cut short")
        sec, frac, incl, _orig = record.unpack(head)
        if incl > 0x4000000:
            raise _corrupt(path, offset, f"implausible packet length {incl}")
        data = reader.take(incl)
        if data is None or len(data) < incl:
            raise _corrupt(path, offset, "packet data cut short")
        yield sec + frac * scale, linktype, data


def read_dns(
    path: str, ports: Iterable[int] = (53,), stats: Stats | None = None
) -> Iterator[DnsPacket]:
    """Stream every DNS message in a capture file; ``stats`` collects the counters."""
    extractor = DnsExtractor(ports=frozenset(ports), stats=stats or Stats())
    try:
        fh = open(path, "rb")  # closed in finally (generator)
    except OSError as e:
        raise InputError(f"{path}: cannot read capture: {e.strerror}") from e
    try:
        for ts, linktype, data in read_frames(path, fh):
            counts = extractor.stats.by_linktype
            counts[linktype] = counts.get(linktype, 0) + 1
            yield from extractor.feed(ts, linktype, data)
    finally:
        fh.close()
