"""Live capture for ``netdiag dns capture -i IFACE [-w FILE]`` (edge: scapy + libpcap).

scapy captures through libpcap with a BPF filter on the DNS ports; the capture
thread only copies raw frames — and, with ``-w``, appends each one to the file
as it arrives, flushed, like ``tcpdump -U -w`` — and parsing happens after the
capture stops (docs/dns-ecosystem.md §5.3). scapy is imported only inside
these functions, never ``scapy.all``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from netdiag.dns.capture.pcap import DnsExtractor, Stats
from netdiag.dns.capture.wire import DnsPacket
from netdiag.errors import InputError, UsageError

if TYPE_CHECKING:
    from netdiag.dns.capture.pcapwrite import PcapWriter


class Output:
    """``-w FILE``: opened before the capture starts, so a bad path costs nothing.

    The header needs the interface's link type, known only once libpcap has
    opened it; :meth:`start` writes it. A file this command created is removed
    again if the capture never starts (tcpdump opens the device first and so
    never creates it either).
    """

    def __init__(self, path: str, fmt: str) -> None:
        if path == "-":
            raise UsageError(
                "-w -: writing the capture to standard output is not supported",
                hint="the report is printed there; give a file name",
            )
        self.path, self.fmt = path, fmt
        existed = os.path.exists(path)
        try:
            self._fh: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        except OSError as e:
            raise InputError(f"-w {path}: cannot write: {e.strerror or e}") from e
        self._created = not existed
        self.writer: PcapWriter | None = None
        self.error: OSError | None = None

    def start(self, linktype: int, iface: str) -> None:
        from netdiag.dns.capture.pcapwrite import PcapWriter

        try:
            self.writer = PcapWriter(
                self._fh, fmt=self.fmt, linktype=linktype, interface=iface, packet_buffered=True
            )
        except OSError as e:
            self.error = e

    def write(self, ts: float, frame: bytes) -> float:
        """Append a frame (capture thread); the timestamp the file will read back as."""
        if self.writer is None:
            return ts
        if self.error is None:
            try:
                self.writer.write(ts, frame)
            except OSError as e:  # disk full, file system gone: stop, keep the report
                self.error = e
        return self.writer.read_back_time(ts)

    def close(self, started: bool) -> None:
        try:
            self._fh.close()
        except OSError as e:
            self.error = self.error or e
        if not started and self._created:
            os.unlink(self.path)

    @property
    def packets(self) -> int:
        return self.writer.packets if self.writer is not None else 0

    def error_or_none(self) -> InputError | None:
        """The write error, if any, to raise after the report was printed."""
        if self.error is None:
            return None
        return InputError(
            f"-w {self.path}: write failed after {self.packets} packets: "
            f"{self.error.strerror or self.error}",
            hint="the report covers the whole capture; the file ends at the last whole packet",
        )


def _say(line: str) -> None:
    """Progress of a live capture, on stderr (stdout carries the report)."""
    from netdiag.visible import visible_lines

    print(visible_lines(line), file=sys.stderr, flush=True)


def live_packets(
    iface: str,
    ports: frozenset[int],
    duration: float | None,
    count: int | None,
    stats: Stats,
    output: Output | None = None,
) -> Iterator[DnsPacket]:
    """Capture raw frames until Ctrl-C/--duration/--count, then decode them."""
    frames = _sniff(iface, ports, duration, count, output)
    extractor = DnsExtractor(ports=ports, stats=stats)
    for ts, linktype, data in frames:
        yield from extractor.feed(ts, linktype, data)


def _sniff(
    iface: str,
    ports: frozenset[int],
    duration: float | None,
    count: int | None,
    output: Output | None,
) -> list[tuple[float, int, bytes]]:
    bpf = " or ".join(f"port {p}" for p in sorted(ports))
    try:
        sock = _open_socket(iface, bpf)
    except BaseException:
        if output is not None:
            output.close(started=False)
        raise
    try:
        frames, drops = _capture(sock, iface, bpf, duration, count, output)
    finally:
        sock.close()
        if output is not None:
            output.close(started=True)
    if drops:
        _say(f"warning: the kernel dropped {drops} packets: the report is a sample")
    return frames


def _capture(
    sock: Any,
    iface: str,
    bpf: str,
    duration: float | None,
    count: int | None,
    output: Output | None,
) -> tuple[list[tuple[float, int, bytes]], int]:
    """Frames captured on ``sock`` and the kernel's drop count."""
    from scapy.sendrecv import AsyncSniffer

    datalink = _datalink(sock)
    if output is not None:
        output.start(datalink if datalink is not None else 1, iface)
    frames: list[tuple[float, int, bytes]] = []

    def keep(pkt: Any) -> None:
        data, ts = bytes(pkt), float(pkt.time)
        if output is not None:
            ts = output.write(ts, data)
        frames.append((ts, datalink if datalink is not None else _linktype(pkt), data))

    # scapy ≥ 2.6 refuses ``timeout`` on AsyncSniffer, and a Ctrl-C that
    # interrupts Thread.join() leaves CPython ≤ 3.11 believing the thread ended
    # while it still reads from libpcap (closing the socket then crashed the
    # process): so the main thread only ever sleeps, and joins after stop().
    started = threading.Event()
    sniffer = AsyncSniffer(
        opened_socket=sock, prn=keep, store=False, count=count or 0, started_callback=started.set
    )
    # Threads inherit the signal mask: the capture thread never takes SIGINT.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        sniffer.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    started.wait(10)
    try:
        _wait(iface, bpf, sniffer, duration, output)
    finally:
        if sniffer.running:
            sniffer.stop()
        else:
            sniffer.join()
    return frames, _kernel_drops(sock)


def _datalink(sock: Any) -> int | None:
    """The interface's link type as a file records it (None if libpcap won't say)."""
    from netdiag.dns.capture.pcapwrite import linktype_for

    try:
        return linktype_for(int(sock.pcap_fd.datalink()))
    except (AttributeError, OSError):
        return None


def _kernel_drops(sock: Any) -> int:
    """libpcap's ``ps_drop`` + ``ps_ifdrop`` for the capture socket (0 if unknown)."""
    try:
        from ctypes import byref

        from scapy.libs.winpcapy import pcap_stat, pcap_stats

        stat = pcap_stat()
        if pcap_stats(sock.pcap_fd.pcap, byref(stat)) != 0:
            return 0
        return int(stat.ps_drop) + int(stat.ps_ifdrop)
    except (AttributeError, ImportError, OSError):
        return 0


def _open_socket(iface: str, bpf: str) -> Any:
    import scapy.layers.l2  # noqa: F401 - registers Ether/cooked link types; IP and DNS
    from scapy.config import conf  # stay undissected (Raw): cheaper per packet
    from scapy.error import Scapy_Exception

    conf.use_pcap = True  # libpcap drops loopback duplicates (scapy#1702)
    try:
        return conf.L2listen(iface=iface, filter=bpf)
    except (OSError, ValueError, Scapy_Exception) as e:
        text = str(e).splitlines()[0] if str(e) else type(e).__name__
        if isinstance(e, PermissionError) or "permission" in str(e).lower():
            raise UsageError(
                f"capturing on {iface} needs root or CAP_NET_RAW",
                hint="run with sudo, or read a file written by tcpdump -w with -r FILE",
            ) from e
        raise UsageError(f"cannot capture on interface {iface!r}: {text}") from e


def _wait(
    iface: str, bpf: str, sniffer: Any, duration: float | None, output: Output | None
) -> None:
    """Sleep until Ctrl-C, SIGTERM, --duration, the sniffer's --count, or a -w failure."""
    # Also when started with SIGINT ignored (a background job inherits SIG_IGN).
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    into = f", writing {output.path}" if output is not None else ""
    _say(f"listening on {iface} ({bpf}){into}; Ctrl-C to stop")
    deadline = time.monotonic() + duration if duration else float("inf")
    try:
        while sniffer.running and time.monotonic() < deadline:
            if output is not None and output.error is not None:
                break
            time.sleep(0.05)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _linktype(pkt: Any) -> int:
    """The pcap link type of the layer scapy dissected the frame as."""
    name = type(pkt).__name__
    return {"CookedLinux": 113, "CookedLinuxV2": 276, "IP": 228, "IPv6": 229}.get(name, 1)
