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


def _make(q: Any, config: ProfileConfig) -> Any:
    import dns.flags
    import dns.message

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
    """How long the library waits for this batch's replies.

    glibc ``res_send.c``: ``retrans << try``, divided by the number of servers
    after the first try, at least 1 s. musl ``res_msend.c``: resends every
    ``timeout / attempts``. Go: ``timeout`` per exchange.
    """
    attempt = max(q.attempt for q in batch)
    if config.resolver == "glibc":
        seconds = config.timeout << attempt
        if attempt > 0:
            seconds //= len(config.nameservers)
        return float(max(seconds, 1))
    if config.resolver == "musl":
        return config.timeout / config.attempts
    return float(config.timeout)


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
    got = _udp([messages[i] for i in udp], [addrs[i] for i in udp], wait) if udp else []
    by_index = dict(zip(udp, got, strict=True))
    return tuple(
        by_index[i] if i in by_index else _tcp(m, a, wait)
        for i, (m, a) in enumerate(zip(messages, addrs, strict=True))
    )


def _udp(messages: list[Any], addrs: list[tuple[str, int]], wait: float) -> list[ZoneAnswer | None]:
    """Send every message on one UDP socket, collect replies until ``wait`` passes."""
    import dns.exception
    import dns.message

    family = socket.AF_INET6 if ":" in addrs[0][0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    got: dict[int, Any] = {}
    try:
        for m, a in zip(messages, addrs, strict=True):
            sock.sendto(m.to_wire(), a)
        deadline = time.monotonic() + wait
        while len(got) < len(messages):
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
