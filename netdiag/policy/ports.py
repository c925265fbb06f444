"""Port/protocol sets: a boolean algebra over inclusive port ranges per protocol.

A :class:`PortSet` is a canonical value (sorted, merged, non-adjacent ranges per
protocol), so equal sets compare and hash equal. The universe is ports 1–65535
of TCP, UDP and SCTP (networking.k8s.io/v1 NetworkPolicyPort: ``port`` and
``endPort`` are 1–65535; protocol is TCP, UDP or SCTP).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from netdiag.cluster.meta import Protocol

MIN_PORT = 1
MAX_PORT = 65535

#: Protocols in canonical (rendering) order.
PROTOCOLS: tuple[Protocol, ...] = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)

Ranges = tuple[tuple[int, int], ...]
_FULL: Ranges = ((MIN_PORT, MAX_PORT),)


def _normalise(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Sort, clip to the universe and merge overlapping or adjacent ranges."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted((max(lo, MIN_PORT), min(hi, MAX_PORT)) for lo, hi in ranges):
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _complement(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    nxt = MIN_PORT
    for lo, hi in ranges:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= MAX_PORT:
        out.append((nxt, MAX_PORT))
    return tuple(out)


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PortSet:
    """A set of (protocol, port) pairs; build with the classmethods, not directly."""

    tcp: Ranges = ()
    udp: Ranges = ()
    sctp: Ranges = ()

    # -- construction -------------------------------------------------------
    @classmethod
    def none(cls) -> PortSet:
        return EMPTY

    @classmethod
    def all(cls) -> PortSet:
        return ALL

    @classmethod
    def of(
        cls, protocol: Protocol, port: int | None = None, end_port: int | None = None
    ) -> PortSet:
        """One port, an inclusive range ``port..end_port``, or (``port=None``) a whole protocol."""
        if port is None:
            rng: Ranges = _FULL
        else:
            rng = _normalise([(port, end_port if end_port is not None else port)])
        return cls.from_ranges({protocol: rng})

    @classmethod
    def from_ranges(cls, by_protocol: dict[Protocol, Iterable[tuple[int, int]]]) -> PortSet:
        return cls(
            tcp=_normalise(by_protocol.get(Protocol.TCP, ())),
            udp=_normalise(by_protocol.get(Protocol.UDP, ())),
            sctp=_normalise(by_protocol.get(Protocol.SCTP, ())),
        )

    # -- access ---------------------------------------------------------------
    def ranges(self, protocol: Protocol) -> Ranges:
        if protocol is Protocol.TCP:
            return self.tcp
        if protocol is Protocol.UDP:
            return self.udp
        return self.sctp

    def items(self) -> Iterator[tuple[Protocol, Ranges]]:
        """Non-empty ``(protocol, ranges)`` in canonical protocol order."""
        for proto in PROTOCOLS:
            rng = self.ranges(proto)
            if rng:
                yield proto, rng

    def _map2(self, other: PortSet, fn: Callable[[Ranges, Ranges], Ranges]) -> PortSet:
        return PortSet(
            tcp=fn(self.tcp, other.tcp), udp=fn(self.udp, other.udp), sctp=fn(self.sctp, other.sctp)
        )

    # -- algebra ----------------------------------------------------------------
    def union(self, other: PortSet) -> PortSet:
        if not other or self == other:
            return self
        if not self:
            return other
        return self._map2(other, lambda a, b: _normalise(a + b))

    def intersection(self, other: PortSet) -> PortSet:
        if self == other:
            return self
        return self._map2(other, _intersect)

    def complement(self) -> PortSet:
        return PortSet(
            tcp=_complement(self.tcp), udp=_complement(self.udp), sctp=_complement(self.sctp)
        )

    def difference(self, other: PortSet) -> PortSet:
        return self.intersection(other.complement())

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    def __invert__(self) -> PortSet:
        return self.complement()

    def contains(self, protocol: Protocol, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self.ranges(protocol))

    def issubset(self, other: PortSet) -> bool:
        return self.difference(other).is_empty

    def overlaps(self, other: PortSet) -> bool:
        return not self.intersection(other).is_empty

    @property
    def is_empty(self) -> bool:
        return not (self.tcp or self.udp or self.sctp)

    @property
    def is_all(self) -> bool:
        return self == ALL

    def __bool__(self) -> bool:
        return not self.is_empty

    # -- rendering --------------------------------------------------------------
    def render(self) -> str:
        """Compact text: ``TCP 80,443 · UDP 53``, ``TCP 8000-8080``, ``all TCP``, ``all``."""
        if self.is_empty:
            return "none"
        if self.is_all:
            return "all"
        parts = []
        for proto, rng in self.items():
            if rng == _FULL:
                parts.append(f"all {proto.value}")
            else:
                parts.append(f"{proto.value} {_render_ranges(rng)}")
        return " · ".join(parts)

    def __str__(self) -> str:
        return self.render()

    def to_json(self) -> list[dict[str, object]]:
        """``[{protocol, port?, end_port?}]`` as in ``netdiag/reachability/v1``.

        An entry without ``port`` means every port of that protocol.
        """
        out: list[dict[str, object]] = []
        for proto, rng in self.items():
            if rng == _FULL:
                out.append({"protocol": proto.value})
                continue
            for lo, hi in rng:
                entry: dict[str, object] = {"protocol": proto.value, "port": lo}
                if hi != lo:
                    entry["end_port"] = hi
                out.append(entry)
        return out


def _render_ranges(rng: Ranges) -> str:
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in rng)


EMPTY = PortSet()
ALL = PortSet(tcp=_FULL, udp=_FULL, sctp=_FULL)


def parse_port_spec(text: str) -> PortSet:
    """Parse ``80``, ``80/TCP``, ``53/udp``, ``8000-8080/TCP``, ``TCP`` (whole protocol).

    Raises:
        ValueError: naming what is wrong; the CLI turns it into a usage error.
    """
    raw = text.strip()
    port_part, slash, proto_part = raw.partition("/")
    if slash and not proto_part:
        raise ValueError(f"bad port {text!r}: missing protocol after '/'")
    if not proto_part and port_part.upper() in Protocol.__members__:
        return PortSet.of(Protocol[port_part.upper()])
    proto_name = (proto_part or "TCP").upper()
    if proto_name not in Protocol.__members__:
        raise ValueError(f"unknown protocol {proto_part!r} in {text!r} (TCP, UDP or SCTP)")
    lo_s, dash, hi_s = port_part.partition("-")
    try:
        lo = int(lo_s)
        hi = int(hi_s) if dash else lo
    except ValueError:
        raise ValueError(f"bad port {text!r}: expected PORT[-END][/PROTO]") from None
    if not (MIN_PORT <= lo <= hi <= MAX_PORT):
        raise ValueError(f"bad port {text!r}: ports are 1-65535 and END >= PORT")
    return PortSet.of(Protocol[proto_name], lo, hi)
