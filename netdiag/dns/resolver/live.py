"""The live driver: real DNS queries for a resolver profile's batches.

Edge module (sockets, clocks); dnspython is imported inside the functions so
``netdiag resolve`` on the model path never pays for it. A batch (the
queries a library sends together: glibc's A/AAAA pair on one socket, musl's
copies to every nameserver) goes out back to back on one UDP socket, in
order, and replies are collected until each is answered or the timeout
passes. TCP is used for the queries the profile marks ``tcp``: ``use-vc``, or
a query repeated because its UDP reply had TC set (glibc, Go; musl 1.2.3 has
no fallback).
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any

from netdiag.dns.records import Rcode, Record, ZoneAnswer
from netdiag.errors import InputError

if TYPE_CHECKING:
    from netdiag.dns.resolver.profiles import ProfileConfig
    from netdiag.dns.resolver.search import Batch, Replies


def parse_nameserver(text: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address."""
    import ipaddress

    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(text, rest[1:])
    elif text.count(":") == 1:
        host, _, p = text.partition(":")
        port = _port(text, p)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise InputError(
            f"--nameserver {text!r}: not an IP address", hint="use HOST[:PORT] with an IP"
        ) from None
    return host, port


def _port(text: str, port: str) -> int:
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--nameserver {text!r}: bad port {port!r}")
    return int(port)


def _to_answer(message: Any) -> ZoneAnswer:
    import dns.flags
    import dns.rcode

    def records(section: Any) -> tuple[Record, ...]:
        return tuple(
            Record(
                name=rrset.name.to_text().lower(),
                type=dns.rdatatype.to_text(rrset.rdtype),
                ttl=rrset.ttl,
                data=rd.to_text(),
            )
            for rrset in section
            for rd in rrset
        )

    import dns.rdatatype

    try:
        rcode = Rcode(dns.rcode.to_text(message.rcode()))
    except ValueError:
        rcode = Rcode.FORMERR
    return ZoneAnswer(
        rcode=rcode,
        answers=records(message.answer),
        authority=records(message.authority),
        authoritative=bool(message.flags & dns.flags.AA),
        truncated=bool(message.flags & dns.flags.TC),
    )


class _MuslRawQuery:
    """A query musl's ``__res_mkquery`` builds for a name dnspython cannot encode.

    For ``name..`` (a ``.`` search entry) musl strips one trailing dot, copies
    the rest after a length byte and turns each dot that *starts* a label into
    that label's length; the last dot stays in the bytes, so the server reads a
    corrupt name and answers FORMERR (musl 1.2.3 ``src/network/res_mkquery.c``).
    """

    def __init__(self, name: str, rtype: str) -> None:
        import random
        import struct

        import dns.rdatatype

        self.id = random.randrange(1 << 16)
        body = name[:-1] if name.endswith(".") else name
        q = bytearray(struct.pack(">HHHHHH", self.id, 0x0100, 1, 0, 0, 0))
        q += b"\0" + body.encode("ascii", "replace") + b"\0"
        j = 13
        while j < len(q) and q[j]:
            i = j
            while i < len(q) and q[i] and q[i] != ord("."):
                i += 1
            q[j - 1] = i - j
            j = i + 1
        q += struct.pack(">HH", int(dns.rdatatype.from_text(rtype)), 1)
        self.wire = bytes(q)

    def to_wire(self) -> bytes:
        return self.wire

    def is_response(self, other: Any) -> bool:
        return bool(other.id == self.id)


def _make(q: Any, config: ProfileConfig) -> Any:
    import dns.flags
    import dns.message

    if ".." in q.name:
        return _MuslRawQuery(q.name, q.rtype)

    edns = -1
    payload = 0
    if config.resolver == "go":
        edns, payload = 0, 1232  # Go 1.19 always sends EDNS0 (dnsclient.go newRequest)
    elif config.resolver == "glibc" and config.edns0:
        edns, payload = 0, 1200  # res_mkquery.c __res_nopt: RESOLV_EDNS_BUFFER_SIZE
    msg = dns.message.make_query(q.name, q.rtype, use_edns=edns, payload=payload or 1232)
    if config.trust_ad and config.resolver == "glibc":
        msg.flags |= dns.flags.AD
    return msg


def batch_timeout(batch: Batch, config: ProfileConfig) -> float:
    """How long the library listens for this batch (``timing.batch_wait``)."""
    from netdiag.dns.resolver.timing import batch_wait

    return batch_wait(batch, config)


def send_batch(batch: Batch, config: ProfileConfig) -> Replies:
    """Send ``batch`` as the library would and return one reply (or ``None``) per query.

    Queries marked ``tcp`` (``use-vc``, or the profile repeating a truncated
    reply) go over TCP, the others back to back on one UDP socket. A UDP
    reply with TC comes back ``truncated``: the profile decides what follows.
    """
    messages = [_make(q, config) for q in batch]
    addrs = [parse_nameserver(q.nameserver) for q in batch]
    wait = batch_timeout(batch, config)
    udp = [i for i, q in enumerate(batch) if not q.tcp]
    musl = config.resolver == "musl"
    got = _udp([messages[i] for i in udp], [addrs[i] for i in udp], wait, musl=musl) if udp else []
    by_index = dict(zip(udp, got, strict=True))
    return tuple(
        by_index[i] if i in by_index else _tcp(m, a, wait)
        for i, (m, a) in enumerate(zip(messages, addrs, strict=True))
    )


def _udp(
    messages: list[Any], addrs: list[tuple[str, int]], wait: float, *, musl: bool = False
) -> list[ZoneAnswer | None]:
    """Send every message on one UDP socket, collect replies until ``wait`` passes.

    ``musl``: replies musl ignores (FORMERR, REFUSED…) are kept but do not end
    the wait, as res_msend keeps listening (:mod:`netdiag.dns.resolver.timing`).
    """
    import dns.exception
    import dns.message
    import dns.rcode

    from netdiag.dns.resolver.timing import MUSL_HEARD

    heard = {dns.rcode.from_text(r.value) for r in MUSL_HEARD}
    family = socket.AF_INET6 if ":" in addrs[0][0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    got: dict[int, Any] = {}
    ignored = 0
    try:
        for m, a in zip(messages, addrs, strict=True):
            sock.sendto(m.to_wire(), a)
        deadline = time.monotonic() + wait
        while len(got) - ignored < len(messages):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                wire, _src = sock.recvfrom(65535)
            except (TimeoutError, ConnectionRefusedError, OSError):
                break
            try:
                reply = dns.message.from_wire(wire, ignore_trailing=True)
            except dns.exception.DNSException:
                continue
            for i, m in enumerate(messages):
                if i not in got and m.is_response(reply):
                    got[i] = reply
                    ignored += musl and reply.rcode() not in heard
                    break
    finally:
        sock.close()
    return [None if got.get(i) is None else _to_answer(got[i]) for i in range(len(messages))]


def _tcp(message: Any, addr: tuple[str, int], timeout: float) -> ZoneAnswer | None:
    import dns.exception
    import dns.query

    try:
        reply = dns.query.tcp(message, addr[0], port=addr[1], timeout=timeout)
    except (dns.exception.DNSException, OSError):
        return None
    return _to_answer(reply)
