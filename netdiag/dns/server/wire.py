"""DNS messages on the wire for ``netdiag dns serve``: query in, response out.

Edge module (dnspython, imported lazily). :class:`Responder` answers one
query packet from a :class:`ClusterZone`:

* the common shape — one question, no answer/authority records, at most an
  OPT record — is parsed by hand and its rendered response is cached by
  (question bytes, RD/CD flags, EDNS shape, size limit), so a repeated
  question costs a dict lookup and an ID patch (docs/dns-ecosystem.md §6:
  dnspython's parse+render caps a Python server near 1.5 k qps);
* anything else goes through ``dns.message.from_wire``.

Rules: a packet shorter than a header, or one with QR set, is dropped;
a malformed query gets FORMERR (RFC 1035 §4.1.1); an opcode other than QUERY
gets NOTIMP; a class other than IN gets REFUSED; EDNS version > 0 gets BADVERS
(RFC 6891 §6.1.3); a UDP response larger than 512 bytes (no EDNS) or the
client's advertised payload is sent empty with TC set (RFC 2181 §9), so the
client retries over TCP. Answers carry AA for the cluster zone and RA, as
CoreDNS sets them (plugin/kubernetes/handler.go).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from netdiag.dns.records import Rcode, ZoneAnswer
from netdiag.dns.zone.cluster import ClusterZone

#: The EDNS payload size this server advertises (DNS flag day 2020).
EDNS_PAYLOAD = 1232
TCP_LIMIT = 65535
_CACHE_LIMIT = 100_000
_QR, _AA, _TC, _RD, _RA, _CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0010
_RCODE_NUM = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}
_HEADER = struct.Struct(">HHHHHH")


@dataclass(frozen=True, slots=True)
class Handled:
    """What one packet produced: the reply (None = dropped) and what to log."""

    reply: bytes | None
    name: str = ""
    type: str = ""
    rcode: str = ""


@dataclass(frozen=True, slots=True)
class _Question:
    qid: int
    flags: int
    labels: tuple[bytes, ...]
    qtype: int
    qclass: int
    #: ``None`` without EDNS, else ``(payload, version, do)``.
    edns: tuple[int, int, bool] | None
    key_bytes: bytes

    @property
    def name(self) -> str:
        text = ".".join(label.decode("ascii", "backslashreplace") for label in self.labels)
        return text + "."


def _header_only(qid: int, flags: int, rcode: int) -> bytes:
    out_flags = _QR | (flags & (0x7800 | _RD)) | rcode
    return _HEADER.pack(qid, out_flags, 0, 0, 0, 0)


def _parse_fast(data: bytes) -> _Question | None:
    """Hand parser for one question + optional OPT; None means "use dnspython"."""
    qid, flags, qd, an, ns, ar = _HEADER.unpack_from(data)
    if qd != 1 or an or ns or ar > 1:
        return None
    labels: list[bytes] = []
    pos, size = 12, len(data)
    while True:
        if pos >= size:
            return None
        length = data[pos]
        if length == 0:
            break
        if length & 0xC0 or pos + 1 + length > size:
            return None
        labels.append(data[pos + 1 : pos + 1 + length])
        pos += 1 + length
    end = pos + 5
    if end > size:
        return None
    qtype, qclass = struct.unpack_from(">HH", data, pos + 1)
    edns = None
    if ar == 1:
        # OPT: root owner, TYPE 41, CLASS = payload, TTL = ext-rcode/version/flags.
        if end + 11 > size or data[end] != 0:
            return None
        rtype, payload, _ext, version, eflags, rdlen = struct.unpack_from(">HHBBHH", data, end + 1)
        if rtype != 41 or end + 11 + rdlen != size:
            return None
        edns = (payload, version, bool(eflags & 0x8000))
    elif end != size:
        return None
    return _Question(qid, flags, tuple(labels), qtype, qclass, edns, data[12:end])


class Responder:
    """Turns query packets into response packets for one :class:`ClusterZone`."""

    def __init__(self, zone: ClusterZone, *, cache: bool = True) -> None:
        self.zone = zone
        # Answers from a real upstream change over time: never cache those.
        self.cache_enabled = cache and zone.forwarder is None
        self._cache: dict[tuple[Any, ...], tuple[bytes, str, str, str]] = {}

    def handle(self, data: bytes, limit: int | None, client: str | None = None) -> Handled:
        """Answer ``data``; ``limit`` is None over TCP, else the UDP path (512 default).

        ``client`` is the source IP: with CoreDNS ``autopath`` a pod's questions
        are answered for its namespace (:mod:`netdiag.dns.zone.autopath`).
        """
        if len(data) < 12:
            return Handled(None)
        qid, flags = struct.unpack_from(">HH", data)
        if flags & _QR:
            return Handled(None)
        try:
            question = _parse_fast(data)
            if question is None:
                question = self._parse_slow(data)
            if question is None:
                return Handled(_header_only(qid, flags, 1), rcode="FORMERR")
            ns = self.zone.namespace_of(client) if client and self.zone.autopath else None
            return self._answer(question, limit, ns)
        except Exception:  # never let one packet take the server down
            return Handled(_header_only(qid, flags, 2), rcode="SERVFAIL")

    def _parse_slow(self, data: bytes) -> _Question | None:
        import dns.exception
        import dns.message

        try:
            msg = dns.message.from_wire(data, ignore_trailing=False)
        except (dns.exception.DNSException, ValueError, IndexError, struct.error):
            return None
        if len(msg.question) != 1:
            return None
        q = msg.question[0]
        edns = None
        if msg.edns >= 0:
            edns = (msg.payload, msg.edns, bool(msg.ednsflags & 0x8000))
        labels = tuple(q.name.labels[:-1])
        return _Question(msg.id, msg.flags, labels, q.rdtype, q.rdclass, edns, b"")

    def _answer(self, q: _Question, limit: int | None, ns: str | None = None) -> Handled:
        opcode = (q.flags >> 11) & 0xF
        if opcode != 0:
            return Handled(_header_only(q.qid, q.flags, 4), q.name, _type_text(q.qtype), "NOTIMP")
        size = TCP_LIMIT if limit is None else limit
        if q.edns is not None and limit is not None:
            size = min(max(512, q.edns[0]), TCP_LIMIT)
        key = (q.key_bytes, q.flags & (_RD | _CD), q.edns, size, ns) if q.key_bytes else None
        if key is not None and self.cache_enabled:
            hit = self._cache.get(key)
            if hit is not None:
                return Handled(struct.pack(">H", q.qid) + hit[0], hit[1], hit[2], hit[3])
        reply, type_text, rcode = self._render(q, size, ns)
        if reply is not None and key is not None and self.cache_enabled:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = (reply[2:], q.name, type_text, rcode)
        return Handled(reply, q.name, type_text, rcode)

    def _render(self, q: _Question, size: int, ns: str | None) -> tuple[bytes | None, str, str]:
        type_text = _type_text(q.qtype)
        if q.edns is not None and q.edns[1] > 0:
            return _badvers(q), type_text, "BADVERS"
        if q.qclass != 1:
            return self._message(q, ZoneAnswer(rcode=Rcode.REFUSED), size), type_text, "REFUSED"
        answer = self.zone.query(q.name, type_text, ns)
        if answer.rcode is Rcode.TIMEOUT:
            return None, type_text, "TIMEOUT"  # a fault that stands for no reply at all
        return self._message(q, answer, size), type_text, answer.rcode.value

    def _message(self, q: _Question, answer: ZoneAnswer, size: int) -> bytes:
        import dns.exception
        import dns.flags
        import dns.message
        import dns.rcode

        msg = dns.message.Message(id=q.qid)
        msg.flags = _QR | _RA | (q.flags & (_RD | _CD))
        if answer.authoritative and answer.rcode is not Rcode.REFUSED:
            msg.flags |= _AA
        question = _question_rrset(q)
        msg.question = [question]
        msg.set_rcode(dns.rcode.Rcode(_RCODE_NUM.get(answer.rcode.value, 2)))
        # Like CoreDNS (state.QName()), records owned by the asked name keep its case.
        msg.answer = _rrsets(answer.answers, question.name)
        msg.authority = _rrsets(answer.authority)
        msg.additional = _rrsets(answer.additional)
        if q.edns is not None:
            msg.use_edns(0, q.edns[2] and dns.flags.DO or 0, EDNS_PAYLOAD)
        try:
            return msg.to_wire(max_size=size)
        except dns.exception.TooBig:
            msg.answer, msg.authority, msg.additional = [], [], []
            msg.flags |= _TC
            return msg.to_wire(max_size=size)


def _type_text(qtype: int) -> str:
    import dns.rdatatype

    return dns.rdatatype.to_text(dns.rdatatype.RdataType.make(qtype))


def _question_rrset(q: _Question) -> Any:
    import dns.name
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset

    name = dns.name.Name((*q.labels, b""))
    rdclass = dns.rdataclass.RdataClass.make(q.qclass)
    return dns.rrset.RRset(name, rdclass, dns.rdatatype.RdataType.make(q.qtype))


def _badvers(q: _Question) -> bytes:
    import dns.message
    import dns.name
    import dns.rcode
    import dns.rrset

    msg = dns.message.Message(id=q.qid)
    msg.flags = _QR | (q.flags & _RD)
    msg.question = [_question_rrset(q)]
    msg.use_edns(0, 0, EDNS_PAYLOAD)
    msg.set_rcode(dns.rcode.BADVERS)
    return msg.to_wire()


def _rrsets(records: tuple[Any, ...], asked: Any = None) -> list[Any]:
    """Group :class:`Record` values into dnspython RRsets, keeping their order."""
    import dns.name
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset

    out: dict[tuple[str, str], Any] = {}
    for rec in records:
        key = (rec.name, rec.type)
        rrset = out.get(key)
        if rrset is None:
            rdtype = dns.rdatatype.from_text(rec.type)
            owner = dns.name.from_text(rec.name)
            if asked is not None and owner == asked:  # dnspython compares names caselessly
                owner = asked
            rrset = out[key] = dns.rrset.RRset(owner, dns.rdataclass.IN, rdtype)
        rdata = dns.rdata.from_text(dns.rdataclass.IN, rrset.rdtype, rec.data)
        rrset.add(rdata, rec.ttl)
    return list(out.values())
