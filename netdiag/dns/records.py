"""DNS value types shared by the resolver simulator, the cluster zone and the server.

Pure: no dnspython here. Names are absolute, lower-case, with a trailing dot;
record data is in presentation format (``10.96.0.10``, ``0 100 53 kube-dns…``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Rcode(enum.Enum):
    """Response codes the simulator distinguishes (RFC 1035 §4.1.1, RFC 2136)."""

    NOERROR = "NOERROR"
    FORMERR = "FORMERR"
    SERVFAIL = "SERVFAIL"
    NXDOMAIN = "NXDOMAIN"
    NOTIMP = "NOTIMP"
    REFUSED = "REFUSED"
    #: No response at all (every attempt timed out) — not a wire rcode.
    TIMEOUT = "TIMEOUT"


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One resource record."""

    name: str
    type: str
    ttl: int
    data: str

    def __str__(self) -> str:
        return f"{self.name} {self.ttl} IN {self.type} {self.data}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What a name resolved to in cluster terms."""

    kind: str  # "service" | "pod" | "external"
    namespace: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneAnswer:
    """The answer to one question: rcode, answer and authority sections.

    NODATA is ``rcode=NOERROR`` with an empty ``answers`` (the name exists
    without the asked type); it is not NXDOMAIN.
    """

    rcode: Rcode
    answers: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()
    authoritative: bool = True
    target: Target | None = None
    #: TC set: the reply did not fit the client's UDP limit and came back with
    #: empty sections (RFC 2181 §9); glibc and Go repeat the query over TCP.
    truncated: bool = False

    @property
    def is_nodata(self) -> bool:
        return self.rcode is Rcode.NOERROR and not self.answers
