"""A minimal DNS message parser for capture analysis (RFC 1035 §4.1).

Pure and fast: only the header, the first question, the addresses in the
answer section and whether an OPT record (EDNS0, RFC 6891) is present. Bulk
pcap parsing with dnspython runs at ~8 k packets/s, this at well over 50 k
(docs/dns-ecosystem.md §5.2), and chains need nothing more.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from typing import NamedTuple

_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")

#: Types a capture summary names; anything else prints as ``TYPEn`` (RFC 3597).
TYPE_NAMES: dict[int, str] = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    12: "PTR",
    15: "MX",
    16: "TXT",
    28: "AAAA",
    33: "SRV",
    41: "OPT",
    64: "SVCB",
    65: "HTTPS",
    255: "ANY",
}
RCODE_NAMES: dict[int, str] = {
    0: "NOERROR",
    1: "FORMERR",
    2: "SERVFAIL",
    3: "NXDOMAIN",
    4: "NOTIMP",
    5: "REFUSED",
}


class Verdict(enum.Enum):
    """What a payload on a DNS port turned out to be."""

    DNS = "dns"
    NOT_DNS = "not_dns"  # no plausible DNS header: other traffic on port 53
    MALFORMED = "malformed"  # a DNS header, but the message does not parse


class Message(NamedTuple):
    """The parts of one DNS message that chain analysis uses.

    A NamedTuple, not a frozen dataclass: one is built per packet and a frozen
    dataclass's ``object.__setattr__`` per field tripled the parse cost.
    """

    id: int
    response: bool
    opcode: int
    truncated: bool
    rcode: str
    qname: str  # absolute, lower-case, trailing dot
    qtype: str
    ancount: int
    answers: tuple[str, ...] = ()  # A/AAAA addresses and CNAME targets
    edns_payload: int | None = None  # OPT's UDP payload size, None without OPT


class DnsPacket(NamedTuple):
    """One DNS message seen on the wire (NamedTuple: one per packet, cheap to build)."""

    ts: float
    src: str
    dst: str
    sport: int
    dport: int
    transport: str  # "udp" | "tcp"
    msg: Message


class WireError(ValueError):
    """The message is cut short or loops (compression pointers)."""


def _name(buf: bytes, pos: int) -> tuple[str, int]:
    """Read a possibly compressed name; return (absolute name, position after it)."""
    labels: list[bytes] = []
    end = -1
    hops = 0
    n = len(buf)
    while True:
        if pos >= n:
            raise WireError("name runs past the end")
        length = buf[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0 == 0xC0:
            if pos + 1 >= n:
                raise WireError("compression pointer cut short")
            if end < 0:
                end = pos + 2
            pos = ((length & 0x3F) << 8) | buf[pos + 1]
            hops += 1
            if hops > 64:
                raise WireError("compression loop")
            continue
        if length & 0xC0:
            raise WireError(f"bad label type 0x{length:02x}")
        label = buf[pos + 1 : pos + 1 + length]
        if len(label) != length:
            raise WireError("label runs past the end")
        labels.append(label.replace(b".", b"\\.") if b"." in label else label)
        pos += 1 + length
    name = (b".".join(labels) + b".").decode("latin-1").lower() if labels else "."
    return name, (end if end >= 0 else pos)


def _skip_name(buf: bytes, pos: int) -> int:
    n = len(buf)
    while pos < n:
        length = buf[pos]
        if length == 0:
            return pos + 1
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
    raise WireError("name runs past the end")


def _rdata(rtype: int, buf: bytes, pos: int, rdlen: int) -> str | None:
    if rtype == 1 and rdlen == 4:
        return str(ipaddress.IPv4Address(buf[pos : pos + 4]))
    if rtype == 28 and rdlen == 16:
        return str(ipaddress.IPv6Address(buf[pos : pos + 16]))
    if rtype == 5:
        return _name(buf, pos)[0]
    return None


def _records(buf: bytes, pos: int, count: int, keep: bool) -> tuple[list[str], int, int | None]:
    """Walk ``count`` RRs; collect answer data when ``keep``; note an OPT's payload."""
    out: list[str] = []
    opt: int | None = None
    for _ in range(count):
        pos = _skip_name(buf, pos)
        if pos + 10 > len(buf):
            raise WireError("resource record cut short")
        rtype, rclass, _ttl, rdlen = _RR.unpack_from(buf, pos)
        pos += 10
        if pos + rdlen > len(buf):
            raise WireError("rdata cut short")
        if rtype == 41:
            opt = rclass
        elif keep:
            data = _rdata(rtype, buf, pos, rdlen)
            if data is not None:
                out.append(data)
        pos += rdlen
    return out, pos, opt


def parse(buf: bytes) -> tuple[Verdict, Message | None]:
    """Classify and parse one DNS message (the UDP payload or one TCP message)."""
    if len(buf) < 12:
        return Verdict.NOT_DNS, None
    ident, flags, qd, an, ns, ar = _HEADER.unpack_from(buf)
    opcode = (flags >> 11) & 0xF
    # A real message asks one question (RFC 9619), no deployed opcode exceeds 6
    # and the Z bit is zero (RFC 1035 §4.1.1): anything else is not DNS.
    if qd == 0 or qd > 4 or opcode > 6 or flags & 0x0040:
        return Verdict.NOT_DNS, None
    try:
        qname, pos = _name(buf, 12)
        if pos + 4 > len(buf):
            raise WireError("question cut short")
        qtype_num = (buf[pos] << 8) | buf[pos + 1]
        pos += 4
        for _ in range(qd - 1):
            pos = _skip_name(buf, pos) + 4
        answers: tuple[str, ...] = ()
        opt = None
        response = bool(flags & 0x8000)
        if an:
            found, pos, _ = _records(buf, pos, an, keep=True)
            answers = tuple(found)
        # Only a query's OPT matters (it identifies the client library): a
        # response's authority and additional sections are not walked.
        if ar and not response:
            _, pos, _ = _records(buf, pos, ns, keep=False)
            _, pos, opt = _records(buf, pos, ar, keep=False)
    except (WireError, IndexError, ValueError):
        return Verdict.MALFORMED, None
    rcode = flags & 0xF
    return Verdict.DNS, Message(
        ident,
        response,
        opcode,
        bool(flags & 0x0200),
        RCODE_NAMES.get(rcode) or f"RCODE{rcode}",
        qname,
        TYPE_NAMES.get(qtype_num) or f"TYPE{qtype_num}",
        an,
        answers,
        opt,
    )
