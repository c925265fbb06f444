"""Write a simulated lookup (a ``Trace``'s queries) as a pcap file.

Edge module (writes a file). Real DNS wire format from dnspython; Ethernet
frames with explicit, locally administered MAC addresses (02:…); IPv4/IPv6 +
UDP (or TCP when the resolver fell back to it) between a client address and
each query's nameserver. Queries the resolver sends together (one ``round``)
share a source port, as glibc and musl do, except for Go, which opens a socket
per question (docs/resolver-behaviour.md §1). A timed-out query has no
response and the next round starts ``timeout`` seconds later. The file opens in
Wireshark and reads back through ``netdiag dns capture -r``.

:class:`PcapWriter` is the one place that writes capture files: this module's
simulated traces and ``netdiag dns capture -w`` (live frames as they arrive).
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Sequence
from typing import BinaryIO, Protocol

CLIENT_MAC = bytes.fromhex("020000000001")
SERVER_MAC = bytes.fromhex("020000000002")
DEFAULT_CLIENT = "10.244.0.10"
DEFAULT_CLIENT6 = "fd00:10:244::10"
START = 1_700_000_000.0


class _Record(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def ttl(self) -> int: ...
    @property
    def data(self) -> str: ...


class _Rcode(Protocol):
    @property
    def value(self) -> str: ...


class WireQuery(Protocol):
    """What a trace query must offer (``netdiag.dns.resolver.trace.TraceQuery`` does)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def nameserver(self) -> str: ...
    @property
    def round(self) -> int: ...
    @property
    def rcode(self) -> _Rcode: ...
    @property
    def answers(self) -> Sequence[_Record]: ...
    @property
    def tcp(self) -> bool: ...


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ip(src: str, dst: str, proto: int, segment: bytes) -> tuple[bytes, int]:
    """(IP header + segment with its checksum filled in, ethertype)."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version != d.version:
        raise ValueError(f"client {src} and nameserver {dst} are different IP versions")
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, proto, len(segment))
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", len(segment), proto)
    at = 6 if proto == 17 else 16
    segment = segment[:at] + struct.pack("!H", _checksum(pseudo + segment)) + segment[at + 2 :]
    if s.version == 4:
        head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 0, 0x4000, 64, proto, 0,
                           s.packed, d.packed)  # fmt: skip
        head = head[:10] + struct.pack("!H", _checksum(head)) + head[12:]
        return head + segment, 0x0800
    head = struct.pack("!IHBB16s16s", 6 << 28, len(segment), proto, 64, s.packed, d.packed)
    return head + segment, 0x86DD


def _frame(src: str, dst: str, sport: int, dport: int, payload: bytes, tcp: bool) -> bytes:
    if tcp:  # one segment per message, 2-byte length prefix (RFC 1035 §4.2.2)
        data = struct.pack("!H", len(payload)) + payload
        seg = struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 5 << 4, 0x18, 65535, 0, 0) + data
        packet, ethertype = _ip(src, dst, 6, seg)
    else:
        seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        packet, ethertype = _ip(src, dst, 17, seg)
    to_server = dport == 53
    macs = SERVER_MAC + CLIENT_MAC if to_server else CLIENT_MAC + SERVER_MAC
    return macs + struct.pack("!H", ethertype) + packet


def nameserver_host(nameserver: str) -> str:
    """``10.96.0.10``, ``10.96.0.10:53``, ``[fd00::a]:53`` → the address alone."""
    if nameserver.startswith("["):
        return nameserver[1:].split("]", 1)[0]
    if nameserver.count(":") == 1:
        return nameserver.split(":", 1)[0]
    return nameserver


def _wire(q: WireQuery, qid: int, resolver: str = "glibc") -> tuple[bytes, bytes | None]:
    import dns.message
    import dns.rcode
    import dns.rrset

    # Go ≥ 1.19 always adds EDNS0 with a 1232-byte payload; glibc and musl don't
    # by default (docs/resolver-behaviour.md §3-5).
    edns = 0 if resolver == "go" else -1
    query = dns.message.make_query(q.name, q.type, use_edns=edns, payload=1232)
    query.id = qid
    if q.rcode.value == "TIMEOUT":
        return query.to_wire(), None
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.from_text(q.rcode.value))
    for r in q.answers:
        response.answer.append(dns.rrset.from_text(r.name, r.ttl, "IN", r.type, r.data))
    return query.to_wire(), response.to_wire()


def write_queries(
    path: str,
    queries: Sequence[WireQuery],
    *,
    client: str = DEFAULT_CLIENT,
    resolver: str = "glibc",
    timeout: float = 5.0,
    start: float = START,
) -> int:
    """Write ``queries`` (in trace order) as a pcap; return the packets written."""
    records: list[tuple[float, bytes]] = []
    t, port, qid = start, 40000, 0x1000
    rounds: dict[int, list[WireQuery]] = {}
    for q in queries:
        rounds.setdefault(q.round, []).append(q)
    for number in sorted(rounds):
        batch = rounds[number]
        port += 1
        for i, q in enumerate(batch):
            sport = port + i if resolver == "go" else port
            qid += 1
            wq, wr = _wire(q, qid, resolver)
            server = nameserver_host(q.nameserver)
            records.append((t + i * 5e-5, _frame(client, server, sport, 53, wq, q.tcp)))
            if wr is not None:
                frame = _frame(server, client, 53, sport, wr, q.tcp)
                records.append((t + 5e-4 + i * 5e-5, frame))
        port += len(batch) if resolver == "go" else 0
        waited = any(q.rcode.value == "TIMEOUT" for q in batch)
        t += timeout if waited else 2e-3
    with open(path, "wb") as fh:
        writer = PcapWriter(fh)
        for ts, frame in sorted(records, key=lambda r: r[0]):
            writer.write(ts, frame)
    return len(records)


#: What ``netdiag dns capture -w`` can write. ``pcap`` is what ``tcpdump -w``
#: writes whatever the file is called, and what every reader opens; ``pcapng``
#: is what Wireshark's dumpcap writes by default.
FORMATS = ("pcap", "pcapng")
SNAPLEN = 65535  # scapy's libpcap capture length (MTU), and write_queries' frames
_PCAP_MAGIC_US = 0xA1B2C3D4  # classic pcap, microsecond timestamps
_PCAPNG_BOM = 0x1A2B3C4D
# libpcap's dlt_to_linktype(): DLT_RAW is 12 (14 on OpenBSD) in memory but
# LINKTYPE_RAW (101) in files (https://www.tcpdump.org/linktypes.html).
_DLT_TO_LINKTYPE = {12: 101, 14: 101}


def format_for(path: str, requested: str | None = None) -> str:
    """``requested``, else ``pcapng`` for a ``.pcapng`` name, else classic ``pcap``."""
    if requested is not None:
        return requested
    return "pcapng" if path.lower().endswith(".pcapng") else "pcap"


def linktype_for(dlt: int) -> int:
    """The LINKTYPE_ value a file records for libpcap's in-memory DLT_ value."""
    return _DLT_TO_LINKTYPE.get(dlt, dlt)


def pcap_time(ts: float) -> tuple[int, int]:
    """``ts`` as whole seconds and microseconds (the resolution both formats keep)."""
    sec = int(ts)
    usec = round((ts - sec) * 1e6)
    if usec >= 1_000_000:  # 0.9999996 rounds up into the next second
        sec, usec = sec + 1, usec - 1_000_000
    return sec, usec


def _option(order: str, code: int, value: bytes) -> bytes:
    pad = b"\0" * (-len(value) % 4)
    return struct.pack(order + "HH", code, len(value)) + value + pad


def _block(order: str, block_type: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack(order + "II", block_type, length) + body + struct.pack(order + "I", length)


class PcapWriter:
    """Stream frames into a pcap or pcapng file, one complete record per ``write``.

    The file header is written at once. With ``packet_buffered`` every record
    is flushed to the OS as it is written (``tcpdump -U``), so a capture that is
    interrupted — or killed — leaves a file that ends on a whole packet. One
    interface, one link type; microsecond timestamps in both formats (pcapng's
    default ``if_tsresol``), so the two read back to the same times.
    """

    def __init__(
        self,
        fh: BinaryIO,
        *,
        fmt: str = "pcap",
        linktype: int = 1,
        interface: str | None = None,
        packet_buffered: bool = False,
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown capture format {fmt!r}")
        self._fh, self._ng, self._flush = fh, fmt == "pcapng", packet_buffered
        self.packets = 0
        fh.write(self._header(linktype, interface))
        if packet_buffered:
            fh.flush()

    def _header(self, linktype: int, interface: str | None) -> bytes:
        if not self._ng:
            return struct.pack("<IHHiIII", _PCAP_MAGIC_US, 2, 4, 0, 0, SNAPLEN, linktype)
        shb = struct.pack("<IHHq", _PCAPNG_BOM, 1, 0, -1)  # section length unknown
        shb += _option("<", 4, b"netdiag") + _option("<", 0, b"")  # shb_userappl
        idb = struct.pack("<HHI", linktype, 0, SNAPLEN)
        if interface:
            idb += _option("<", 2, interface.encode()) + _option("<", 0, b"")  # if_name
        return _block("<", 0x0A0D0D0A, shb) + _block("<", 1, idb)

    def write(self, ts: float, frame: bytes) -> None:
        """Append one frame captured at ``ts`` (seconds since the epoch)."""
        sec, usec = pcap_time(ts)
        if self._ng:
            units = sec * 1_000_000 + usec
            pad = b"\0" * (-len(frame) % 4)
            body = struct.pack("<IIIII", 0, units >> 32, units & 0xFFFFFFFF, len(frame), len(frame))
            record = _block("<", 6, body + frame + pad)  # Enhanced Packet Block
        else:
            record = struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
        self._fh.write(record)
        self.packets += 1
        if self._flush:
            self._fh.flush()

    def read_back_time(self, ts: float) -> float:
        """The timestamp :func:`netdiag.dns.capture.pcap.read_frames` will read for ``ts``."""
        sec, usec = pcap_time(ts)
        return (sec * 1_000_000 + usec) * 1e-6 if self._ng else sec + usec * 1e-6
