"""Observed connections: what ``replay`` judges, from Hubble flow JSON or captured frames.

Pure: functions from one JSON line or one decoded frame to a :class:`Flow`.
Only the *first* packet of a connection is a connection: a TCP SYN without
ACK, the first UDP datagram of a 5-tuple (its reverse is the reply), an SCTP
INIT. Replies, later packets and other protocols are counted, not judged.

Hubble (``hubble observe -o json``, one ``GetFlowsResponse`` per line with the
flow under ``flow``; older CLIs printed the bare flow): field names are the
proto names of ``cilium/api/v1/flow/flow.proto`` — ``IP.source``,
``IP.destination``, ``l4.TCP.destination_port``, ``l4.TCP.flags.SYN``,
``l4.UDP``, ``l4.SCTP``, ``source.namespace``, ``source.pod_name``,
``destination_service.name``, ``is_reply``, ``Type`` (``L3_L4``, ``L7``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from netdiag.dns.capture.frames import Frame
from netdiag.errors import InputError

#: At most this many 5-tuples are remembered to tell first packets from later ones.
MAX_TRACKED = 1_000_000
#: Bytes of one JSON line read at most (Hubble flows are a few KiB).
MAX_LINE = 1 << 20

_L4 = (("TCP", "TCP"), ("UDP", "UDP"), ("SCTP", "SCTP"))
# ``scan_once`` is set in JSONDecoder.__init__ (json/decoder.py) but not in the stubs.
_scan: Callable[[str, int], tuple[Any, int]] = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009


def _loads(line: str) -> Any:
    """``json.loads`` of one line through the decoder's scanner directly (the C one):
    ~15 % less per 700-byte Hubble line than ``JSONDecoder.decode``."""
    text = line.strip()
    try:
        obj, end = _scan(text, 0)
    except StopIteration:
        raise ValueError("expecting a value at column 1") from None
    if end != len(text):
        raise ValueError(f"extra data at column {end + 1}")
    return obj


class Flow(NamedTuple):
    """One observed connection: addresses, protocol and destination port, name hints."""

    src: str
    dst: str
    protocol: str  # "TCP" | "UDP" | "SCTP"
    port: int
    sport: int = 0
    #: ``ns/pod`` the observer attributed the source / destination to (Hubble), or "".
    src_pod: str = ""
    dst_pod: str = ""
    #: ``ns/name`` of the destination Service (Hubble ``destination_service``), or "".
    dst_service: str = ""


class FirstPackets:
    """Tells first packets of 5-tuples from the rest (bounded; reset when full)."""

    __slots__ = ("seen", "limit")

    def __init__(self, limit: int = MAX_TRACKED) -> None:
        self.seen: set[tuple[str, int, str, int, str]] = set()
        self.limit = limit

    def first(self, src: str, sport: int, dst: str, dport: int, proto: str) -> bool:
        key = (src, sport, dst, dport, proto)
        seen = self.seen
        if key in seen:
            return False
        # A TCP SYN is never the reply of another SYN; a UDP datagram may be.
        if proto != "TCP" and (dst, dport, src, sport, proto) in seen:
            return False
        if len(seen) >= self.limit:
            seen.clear()
        seen.add(key)
        return True


def from_frame(frame: Frame, tracker: FirstPackets) -> Flow | None:
    """The connection a frame opens, or ``None`` (a reply, a later packet)."""
    t = frame.transport
    if t == "tcp":
        # SYN without ACK opens a connection (RFC 9293 §3.5); SYN+ACK is the answer.
        if frame.tcp_flags & 0x12 != 0x02:
            return None
        if not tracker.first(frame.src, frame.sport, frame.dst, frame.dport, "TCP"):
            return None
        return Flow(frame.src, frame.dst, "TCP", frame.dport, frame.sport)
    if t == "udp":
        if not tracker.first(frame.src, frame.sport, frame.dst, frame.dport, "UDP"):
            return None
        return Flow(frame.src, frame.dst, "UDP", frame.dport, frame.sport)
    if t == "sctp" and frame.tcp_flags == 1:  # INIT chunk
        if not tracker.first(frame.src, frame.sport, frame.dst, frame.dport, "SCTP"):
            return None
        return Flow(frame.src, frame.dst, "SCTP", frame.dport, frame.sport)
    return None


def _pod(ep: Any) -> str:
    if type(ep) is not dict:
        return ""
    ns, name = ep.get("namespace"), ep.get("pod_name")
    return f"{ns}/{name}" if isinstance(ns, str) and isinstance(name, str) and ns and name else ""


def from_hubble(line: str, where: str, tracker: FirstPackets) -> Flow | None:
    """The connection one ``hubble observe -o json`` line opens, or ``None``.

    Raises:
        InputError: the line is not a JSON object (naming ``where``, file:line).
    """
    # ``type(x) is dict`` rather than isinstance(x, Mapping): json gives dicts, and the
    # ABC check costs a microsecond per call, a tenth of a flow's budget.
    try:
        obj = _loads(line)
    except ValueError as e:
        raise InputError(f"{where}: not a JSON object: {e}") from None
    if type(obj) is not dict:
        raise InputError(f"{where}: not a JSON object")
    flow = obj.get("flow", obj)
    if type(flow) is not dict:
        raise InputError(f"{where}: 'flow' is not an object")
    if flow.get("is_reply") is True or flow.get("Type") == "L7":
        return None  # the answer of a connection, or an L7 record of one already seen
    ip, l4 = flow.get("IP"), flow.get("l4")
    if type(ip) is not dict or type(l4) is not dict:
        return None  # not an IP flow (a drop before parsing, an agent event)
    src, dst = ip.get("source"), ip.get("destination")
    if type(src) is not str or type(dst) is not str:
        return None
    for key, proto in _L4:
        layer = l4.get(key)
        if type(layer) is not dict:
            continue
        port, sport = layer.get("destination_port"), layer.get("source_port", 0)
        if type(port) is not int or type(sport) is not int or not 0 < port < 65536:
            return None
        if proto == "TCP":
            flags = layer.get("flags")
            if type(flags) is dict and not (flags.get("SYN") and not flags.get("ACK")):
                return None
        if not tracker.first(src, sport, dst, port, proto):
            return None
        svc = flow.get("destination_service")
        service = ""
        if type(svc) is dict and svc.get("name") and svc.get("namespace"):
            service = f"{svc['namespace']}/{svc['name']}"
        return Flow(
            src,
            dst,
            proto,
            port,
            sport,
            _pod(flow.get("source")),
            _pod(flow.get("destination")),
            service,
        )
    return None  # ICMP and the rest: NetworkPolicy speaks TCP, UDP and SCTP only
