"""Read a flow file: a pcap/pcapng capture or Hubble JSON lines, told apart by their bytes.

Edge module (it opens the file). Both are streamed: a capture frame by frame
through the capture reader (:func:`netdiag.dns.capture.pcap.read_frames`), JSON one line
at a time. Anything else is one :class:`InputError` naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netdiag.dns.capture.frames import decode_frame
from netdiag.errors import InputError
from netdiag.replay.flows import MAX_LINE, FirstPackets, Flow, from_frame, from_hubble

_CAPTURE_MAGICS = (
    b"\xd4\xc3\xb2\xa1",
    b"\xa1\xb2\xc3\xd4",
    b"\x4d\x3c\xb2\xa1",
    b"\xa1\xb2\x3c\x4d",
    b"\x0a\x0d\x0d\x0a",
)


@dataclass(slots=True)
class ReadStats:
    format: str = ""
    #: Packets (capture) or lines (JSON) read.
    records: int = 0
    #: Of those, how many opened a connection.
    connections: int = 0


def sniff(path: str) -> str:
    """``capture`` or ``hubble``; anything else raises :class:`InputError`."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as e:
        raise InputError(f"--flows {path}: cannot read: {e.strerror or e}") from e
    if head[:4] in _CAPTURE_MAGICS:
        return "capture"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "hubble"
    raise InputError(
        f"--flows {path}: neither a pcap/pcapng capture nor JSON lines",
        hint="give a tcpdump -w capture or the output of hubble observe -o json",
    )


def read_flows(path: str, stats: ReadStats | None = None) -> Iterator[Flow]:
    """Every connection the file shows, in file order."""
    stats = stats if stats is not None else ReadStats()
    stats.format = sniff(path)
    tracker = FirstPackets()
    if stats.format == "capture":
        yield from _capture(path, stats, tracker)
    else:
        yield from _hubble(path, stats, tracker)


def _capture(path: str, stats: ReadStats, tracker: FirstPackets) -> Iterator[Flow]:
    from netdiag.dns.capture.pcap import read_frames

    with open(path, "rb") as fh:
        for _, linktype, data in read_frames(path, fh):
            stats.records += 1
            frame = decode_frame(linktype, data)
            if frame is None:
                continue
            flow = from_frame(frame, tracker)
            if flow is not None:
                stats.connections += 1
                yield flow


def _hubble(path: str, stats: ReadStats, tracker: FirstPackets) -> Iterator[Flow]:
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            stats.records += 1
            if len(raw) > MAX_LINE:
                raise InputError(
                    f"--flows {path}:{lineno}: line longer than {MAX_LINE} bytes",
                    hint="one flow per line, as hubble observe -o json prints them",
                )
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"--flows {path}:{lineno}: not UTF-8 text") from None
            flow = from_hubble(line, f"--flows {path}:{lineno}", tracker)
            if flow is not None:
                stats.connections += 1
                yield flow
