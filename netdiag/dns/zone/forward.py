"""A real upstream resolver for names outside the cluster zone (``--upstream``).

Edge module: sends each question with dnspython over UDP (TCP when the reply
is truncated) and turns the reply into a :class:`ZoneAnswer`. Like CoreDNS's
``forward`` plugin, an upstream that does not answer becomes SERVFAIL.
"""

from __future__ import annotations

from collections.abc import Sequence

from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer

#: Seconds to wait for one upstream reply (CoreDNS ``forward`` reads for 2 s).
TIMEOUT = 2.0


class Forwarder:
    """Callable ``(name, rtype) -> ZoneAnswer`` asking ``host:port``."""

    def __init__(self, host: str, port: int = 53, *, timeout: float = TIMEOUT) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __call__(self, name: str, rtype: str) -> ZoneAnswer:
        import dns.exception
        import dns.message
        import dns.query
        import dns.rdatatype

        try:
            query = dns.message.make_query(name, dns.rdatatype.from_text(rtype))
            reply, _ = dns.query.udp_with_fallback(
                query, self.host, timeout=self.timeout, port=self.port
            )
        except (dns.exception.DNSException, OSError, ValueError):
            return ZoneAnswer(rcode=Rcode.SERVFAIL, authoritative=False)
        return answer_from_message(reply, name)


def answer_from_message(reply: object, name: str) -> ZoneAnswer:
    """Convert a dnspython reply into a :class:`ZoneAnswer`."""
    import dns.message
    import dns.rcode

    assert isinstance(reply, dns.message.Message)
    text = dns.rcode.to_text(reply.rcode())
    rcode = Rcode[text] if text in Rcode.__members__ else Rcode.SERVFAIL
    answers = _records(reply.answer)
    return ZoneAnswer(
        rcode=rcode,
        answers=answers,
        authority=_records(reply.authority),
        additional=_records(reply.additional),
        authoritative=bool(reply.flags & 0x0400),
        target=Target(kind="external", name=name) if rcode is Rcode.NOERROR else None,
    )


def _records(section: Sequence[object]) -> tuple[Record, ...]:
    import dns.rdatatype
    import dns.rrset

    out: list[Record] = []
    for rrset in section:
        assert isinstance(rrset, dns.rrset.RRset)
        rtype = dns.rdatatype.to_text(rrset.rdtype)
        for rdata in rrset:
            out.append(
                Record(
                    name=rrset.name.to_text().lower(),
                    type=rtype,
                    ttl=rrset.ttl,
                    data=rdata.to_text(),
                )
            )
    return tuple(out)
