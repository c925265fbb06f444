"""A forward-only reader over a capture file that knows its absolute offset.

Shared by the pcap and pcapng readers, so errors can name the byte offset.
"""

from __future__ import annotations

from typing import BinaryIO

#: Bytes read from the file at a time.
CHUNK = 1 << 20


class ByteReader:
    """A forward-only reader over a binary file that knows its absolute offset."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.buf = b""
        self.pos = 0  # position in buf
        self.base = 0  # file offset of buf[0]

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def take(self, n: int) -> bytes | None:
        """Exactly ``n`` bytes, or None at a clean EOF, or a short bytes object."""
        if self.pos + n > len(self.buf):
            rest = self.buf[self.pos :]
            self.base += self.pos
            self.buf = rest + self.fh.read(max(CHUNK, n))
            self.pos = 0
            if not self.buf:
                return None
        out = self.buf[self.pos : self.pos + n]
        self.pos += len(out)
        return out
