"""Decode a captured frame down to UDP/TCP: link layer, IPv4/IPv6, ports.

Pure functions over bytes. Link types from https://www.tcpdump.org/linktypes.html.
IP fragments other than the first carry no port numbers and are skipped
(DNS over UDP is fragmented only for answers larger than the path MTU).
"""

from __future__ import annotations

import socket
import struct
from typing import NamedTuple

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

_TCP = struct.Struct("!HHIIBB")
_IPV6_EXTENSIONS = frozenset({0, 43, 60})  # hop-by-hop, routing, destination options
_ntop = socket.inet_ntop
_AF4, _AF6 = socket.AF_INET, socket.AF_INET6


class Frame(NamedTuple):
    """A UDP or TCP segment (NamedTuple: one per packet, cheap to build)."""

    src: str
    dst: str
    sport: int
    dport: int
    transport: str  # "udp" | "tcp"
    payload: bytes
    seq: int = 0
    tcp_flags: int = 0


def _network(linktype: int, data: bytes) -> tuple[int, int] | None:
    """(ethertype-like protocol, offset of the IP header) for a link type."""
    if linktype == LINKTYPE_ETHERNET:
        off, proto = 14, (data[12] << 8) | data[13]
        while proto in (0x8100, 0x88A8) and len(data) >= off + 4:  # 802.1Q / QinQ
            proto = (data[off + 2] << 8) | data[off + 3]
            off += 4
        return proto, off
    if linktype == LINKTYPE_LINUX_SLL:
        return (data[14] << 8) | data[15], 16
    if linktype == LINKTYPE_LINUX_SLL2:
        return (data[0] << 8) | data[1], 20
    if linktype in (LINKTYPE_RAW, 12, 14, LINKTYPE_IPV4, LINKTYPE_IPV6):
        return (0x86DD if data[0] >> 4 == 6 else 0x0800), 0
    if linktype == LINKTYPE_NULL:  # BSD loopback: host-order AF_ value
        family = data[0] | data[3]
        return (0x0800 if family == 2 else 0x86DD), 4
    return None


def decode_frame(linktype: int, data: bytes) -> Frame | None:
    """The UDP or TCP segment in a frame, or None for anything else."""
    try:
        net = _network(linktype, data)
        if net is None:
            return None
        proto, off = net
        if proto == 0x0800:
            return _ipv4(data, off)
        if proto == 0x86DD:
            return _ipv6(data, off)
    except (IndexError, struct.error, ValueError):
        return None
    return None


def _ipv4(data: bytes, off: int) -> Frame | None:
    if data[off] >> 4 != 4:
        return None
    ihl = (data[off] & 0x0F) * 4
    total = (data[off + 2] << 8) | data[off + 3]
    frag = ((data[off + 6] << 8) | data[off + 7]) & 0x3FFF
    if frag & 0x1FFF:  # a later fragment: no transport header
        return None
    src = _ntop(_AF4, data[off + 12 : off + 16])
    dst = _ntop(_AF4, data[off + 16 : off + 20])
    end = off + total if total else len(data)
    return _transport(data[off + 9], data, off + ihl, min(end, len(data)), src, dst)


def _ipv6(data: bytes, off: int) -> Frame | None:
    if data[off] >> 4 != 6:
        return None
    length = (data[off + 4] << 8) | data[off + 5]
    nxt = data[off + 6]
    src = _ntop(_AF6, data[off + 8 : off + 24])
    dst = _ntop(_AF6, data[off + 24 : off + 40])
    end = min(off + 40 + length, len(data))
    pos = off + 40
    while nxt in _IPV6_EXTENSIONS:
        nxt, pos = data[pos], pos + 8 + data[pos + 1] * 8
    if nxt == 44:  # fragment header: only the first fragment has ports
        if ((data[pos + 2] << 8) | data[pos + 3]) & 0xFFF8:
            return None
        nxt, pos = data[pos], pos + 8
    return _transport(nxt, data, pos, end, src, dst)


def _transport(proto: int, data: bytes, pos: int, end: int, src: str, dst: str) -> Frame | None:
    if proto == 17:
        if pos + 8 > end:
            return None
        sport = (data[pos] << 8) | data[pos + 1]
        dport = (data[pos + 2] << 8) | data[pos + 3]
        return Frame(src, dst, sport, dport, "udp", data[pos + 8 : end])
    if proto == 6:
        if pos + 20 > end:
            return None
        sport, dport, seq, _ack, offs, flags = _TCP.unpack_from(data, pos)
        start = pos + (offs >> 4) * 4
        return Frame(src, dst, sport, dport, "tcp", data[start:end], seq, flags)
    return None
