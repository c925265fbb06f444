"""The DNS server's sockets (edge): a UDP+TCP pair bound on one address, and
draining a UDP socket with the kernel's receive timestamps.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import struct
from typing import Any

from netdiag.errors import UsageError

_UDP_RCVBUF = 4 * 1024 * 1024


def format_addr(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 host."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bind_error(host: str, port: int, e: OSError) -> UsageError:
    where = format_addr(host, port)
    if e.errno == errno.EADDRINUSE:
        return UsageError(f"--listen {where}: address already in use", hint="pick another port")
    if e.errno == errno.EACCES:
        return UsageError(f"--listen {where}: permission denied (ports below 1024 need root)")
    return UsageError(f"--listen {where}: cannot listen: {e.strerror or e}")


def bind_pair(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket on the same address and port (port 0 = pick a free one)."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError as e:
        raise UsageError(f"--listen {host}: not an IP address") from e
    for _attempt in range(20):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _UDP_RCVBUF)
            udp.bind((host, port))
            actual = udp.getsockname()[1]
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((host, actual))
            tcp.listen(128)
            tcp.setblocking(False)
            return udp, tcp
        except OSError as e:
            udp.close()
            tcp.close()
            if port == 0 and e.errno == errno.EADDRINUSE:
                continue  # the kernel's free UDP port is taken for TCP: try another
            raise _bind_error(host, port, e) from e
    raise UsageError(f"--listen {format_addr(host, port)}: no free port for UDP and TCP")


#: Linux ``SO_TIMESTAMPNS`` (also the control message type); not in every Python build.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_TIMESTAMP_SPACE = socket.CMSG_SPACE(16)


def drain(sock: socket.socket, batch: list[tuple[int, int, socket.socket, bytes, Any]]) -> bool:
    """Append every queued datagram as (receive ns, read order, sock, data, addr)."""
    while True:
        try:
            data, ancdata, _flags, addr = sock.recvmsg(65535, _TIMESTAMP_SPACE)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return sock.fileno() >= 0
        stamp = 0
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                seconds, nanos = struct.unpack("@qq", payload[:16])
                stamp = seconds * 1_000_000_000 + nanos
        batch.append((stamp, len(batch), sock, data, addr))
