"""pcapng blocks → ``(timestamp, linktype, frame)`` (draft-ietf-opsawg-pcapng).

Section Header (0x0A0D0D0A) sets the byte order; Interface Description (1)
gives each interface's link type and timestamp resolution (``if_tsresol``,
option 9, default 10^-6 s); Enhanced (6), Simple (3) and the obsolete Packet
(2) blocks carry frames. Every other block type is skipped by its length.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

from netdiag.dns.capture.reader import ByteReader
from netdiag.errors import InputError

Corrupt = Callable[[str, int, str], InputError]


def _tsresol(order: str, options: bytes) -> float:
    pos = 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(order + "HH", options, pos)
        if code == 0:
            break
        if code == 9 and length >= 1:
            value = options[pos + 4]
            return 2.0 ** -(value & 0x7F) if value & 0x80 else 10.0**-value
        pos += 4 + ((length + 3) & ~3)
    return 1e-6


def read_pcapng(
    path: str, reader: ByteReader, corrupt: Corrupt
) -> Iterator[tuple[float, int, bytes]]:
    """Iterate a pcapng stream whose first 4 bytes (the SHB type) were consumed."""
    order = "<"
    interfaces: list[tuple[int, float]] = []
    block_type: int | None = 0x0A0D0D0A
    offset = 0
    while True:
        if block_type is None:
            offset = reader.offset
            raw_type = reader.take(4)
            if raw_type is None:
                return
            if len(raw_type) < 4:
                raise corrupt(path, offset, "block header cut short")
            block_type = struct.unpack(order + "I", raw_type)[0]
        raw_len = reader.take(4)
        if raw_len is None or len(raw_len) < 4:
            raise corrupt(path, offset, "block header cut short")
        if block_type == 0x0A0D0D0A:
            bom = reader.take(4)
            if bom is None or len(bom) < 4:
                raise corrupt(path, offset, "section header cut short")
            order = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            if struct.unpack(order + "I", bom)[0] != 0x1A2B3C4D:
                raise corrupt(path, offset, "bad pcapng byte-order magic")
            interfaces = []
            body_len = struct.unpack(order + "I", raw_len)[0] - 16
            prefix = bom
        else:
            body_len = struct.unpack(order + "I", raw_len)[0] - 12
            prefix = b""
        if body_len < 0 or body_len > 0x4000000:
            raise corrupt(path, offset, f"implausible block length {body_len}")
        body = reader.take(body_len + 4)
        if body is None or len(body) < body_len + 4:
            raise corrupt(path, offset, "block cut short")
        frame = _block(order, block_type, prefix + body[:body_len], interfaces)
        if frame is not None:
            yield frame
        block_type = None


def _block(
    order: str, block_type: int, body: bytes, interfaces: list[tuple[int, float]]
) -> tuple[float, int, bytes] | None:
    if block_type == 1:  # Interface Description
        linktype = struct.unpack_from(order + "H", body)[0]
        interfaces.append((linktype, _tsresol(order, body[8:])))
        return None
    if block_type == 6:  # Enhanced Packet
        iface, high, low, caplen = struct.unpack_from(order + "IIII", body)
        linktype, resol = interfaces[iface] if iface < len(interfaces) else (1, 1e-6)
        return ((high << 32) | low) * resol, linktype, body[20 : 20 + caplen]
    if block_type == 3:  # Simple Packet: no timestamp, interface 0
        linktype = interfaces[0][0] if interfaces else 1
        return 0.0, linktype, body[4:]
    if block_type == 2:  # obsolete Packet block
        iface, _drops, high, low, caplen = struct.unpack_from(order + "HHIII", body)
        linktype, resol = interfaces[iface] if iface < len(interfaces) else (1, 1e-6)
        return ((high << 32) | low) * resol, linktype, body[20 : 20 + caplen]
    return None
