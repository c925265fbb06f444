"""How big a reply is on the wire, and which replies a library gets truncated.

Pure. Mirrors how ``netdiag dns serve`` encodes a :class:`ZoneAnswer`
(dnspython's renderer, ``netdiag.dns.server.wire``): RFC 1035 §4.1.4 name compression
over the question and every owner name, and over the names inside the rdata of
the RFC 1035 types dnspython compresses (CNAME, NS, PTR, MX, SOA; not SRV,
RFC 2782, nor DNAME, RFC 6672); an OPT record when the query had EDNS. Held
equal to the server's byte count by ``tests/dns/resolver/test_truncation.py``.
"""

from __future__ import annotations

from netdiag.dns.records import Record, ZoneAnswer
from netdiag.dns.resolver.profiles import ProfileConfig

#: Largest UDP reply without EDNS (RFC 1035 §4.2.1); bigger replies come back with TC.
UDP_LIMIT = 512
#: The UDP payload each library advertises, when it sends EDNS: glibc with
#: ``options edns0`` (``res_mkquery.c`` ``__res_nopt``: RESOLV_EDNS_BUFFER_SIZE
#: 1200), Go always (``dnsclient_unix.go`` ``maxDNSPacketSize`` 1232). musl
#: 1.2.3 sends no EDNS.
EDNS_PAYLOADS = {"glibc": 1200, "go": 1232}
#: An OPT record in the reply: root name, type, class, TTL, rdlength.
_OPT_SIZE = 11
#: Fixed rdata before a compressible name: MX preference.
_MX_HEAD = 2
#: SOA's five 32-bit counters after its two names.
_SOA_TAIL = 20


def udp_limit(config: ProfileConfig) -> tuple[int, bool]:
    """(largest UDP reply the library accepts, whether it sends EDNS)."""
    payload = EDNS_PAYLOADS.get(config.resolver)
    if payload is None or (config.resolver == "glibc" and not config.edns0):
        return UDP_LIMIT, False
    return max(UDP_LIMIT, payload), True


def wire_size(name: str, reply: ZoneAnswer, edns: bool = False) -> int:
    """Octets of ``reply`` to the question ``name`` as ``netdiag dns serve`` sends it."""
    seen: set[tuple[str, ...]] = set()
    size = 12 + _name(name, seen) + 4 + (_OPT_SIZE if edns else 0)
    for section in (reply.answers, reply.authority, reply.additional):
        for r in section:
            size += _name(r.name, seen) + 10 + _rdata(r, seen)
    return size


def _name(text: str, seen: set[tuple[str, ...]]) -> int:
    """A name's octets given the suffixes already in the message (then adds its own)."""
    labels = tuple(label.lower() for label in text.rstrip(".").split(".") if label)
    for i in range(len(labels)):
        if labels[i:] in seen:
            seen.update(labels[j:] for j in range(i))
            return sum(len(label.encode()) + 1 for label in labels[:i]) + 2
    seen.update(labels[j:] for j in range(len(labels)))
    return sum(len(label.encode()) + 1 for label in labels) + 1


def _rdata(r: Record, seen: set[tuple[str, ...]]) -> int:
    kind, data = r.type, r.data
    if kind == "A":
        return 4
    if kind == "AAAA":
        return 16
    if kind in ("CNAME", "NS", "PTR"):
        return _name(data, seen)
    if kind == "MX":
        return _MX_HEAD + _name(data.split()[-1], seen)
    if kind == "SOA":
        mname, rname = data.split()[:2]
        return _name(mname, seen) + _name(rname, seen) + _SOA_TAIL
    if kind in ("SRV", "DNAME"):  # names never compressed (RFC 2782, RFC 6672)
        fixed = 6 if kind == "SRV" else 0
        return fixed + _name(data.split()[-1], set())
    if kind == "TXT":  # each character-string: a length octet and its text
        parts = data.split('"')[1::2] or [data]
        return sum(1 + len(part.encode()) for part in parts)
    return len(data) + 2
