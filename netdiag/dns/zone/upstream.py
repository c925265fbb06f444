"""The world outside the cluster zone, as an authoritative model.

:class:`UpstreamZone` is pure: records by owner name, the zone apexes (one per
SOA), and the RFC 1034 §4.3.2 lookup (exact match, CNAME, empty non-terminals
→ NODATA, RFC 4592 wildcards at the closest encloser, NXDOMAIN otherwise).
:func:`parse_zone_text` is the edge that reads RFC 1035 master files with
dnspython (imported inside the function); several zones and ``$ORIGIN``
directives may share one file.

Answers from here stand for what CoreDNS's ``forward`` plugin relays from a
recursive resolver, so they are marked not authoritative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer
from netdiag.errors import InputError

_MAX_CHAIN = 8


def _parents(name: str) -> Iterable[str]:
    """``a.b.c.`` → ``b.c.``, ``c.``, ``.``."""
    while name != ".":
        name = name.split(".", 1)[1] or "."
        yield name


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamZone:
    """Authoritative data for names outside the cluster, built by :meth:`build`."""

    #: Owner name (absolute, lower-case) → its records.
    records: Mapping[str, tuple[Record, ...]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False
    )
    #: Zone apexes (owners of SOA records), longest first.
    apexes: tuple[str, ...] = ()
    #: Names answered with a forced rcode instead of data (``SERVFAIL``,
    #: ``REFUSED``, or ``TIMEOUT`` = no reply) — for differential tests of
    #: what resolvers do on failing search candidates.
    faults: Mapping[str, Rcode] = field(default_factory=lambda: MappingProxyType({}), compare=False)
    #: Every owner name and each ancestor up to its apex (empty non-terminals).
    existing: frozenset[str] = frozenset()
    source: str = ""

    @classmethod
    def build(
        cls,
        records: Iterable[Record],
        *,
        faults: Mapping[str, Rcode] | None = None,
        source: str = "",
    ) -> UpstreamZone:
        by_name: dict[str, list[Record]] = {}
        for rec in records:
            by_name.setdefault(rec.name.lower(), []).append(rec)
        apexes = sorted(
            {n for n, recs in by_name.items() if any(r.type == "SOA" for r in recs)},
            key=lambda n: (-len(n), n),
        )
        existing: set[str] = set()
        for name in by_name:
            existing.add(name)
            for parent in _parents(name):
                if parent in existing or not any(_under(parent, a) for a in apexes):
                    break
                existing.add(parent)
        return cls(
            records=MappingProxyType({n: tuple(r) for n, r in by_name.items()}),
            apexes=tuple(apexes),
            faults=MappingProxyType({k.lower(): v for k, v in (faults or {}).items()}),
            existing=frozenset(existing),
            source=source,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_json` turns back into an equal zone.

        Records keep their order; the bundled demo ships its zone this way so
        start-up needs no dnspython (``netdiag/sources/demo/_build.py``).
        """
        rows = [[r.name, r.type, r.ttl, r.data] for recs in self.records.values() for r in recs]
        return {
            "source": self.source,
            "records": rows,
            "faults": {name: rcode.value for name, rcode in self.faults.items()},
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> UpstreamZone:
        """The zone :meth:`to_json` described (trusted input: package data)."""
        records = (
            Record(name=name, type=rtype, ttl=int(ttl), data=data)
            for name, rtype, ttl, data in doc["records"]
        )
        faults = {name: Rcode(value) for name, value in doc.get("faults", {}).items()}
        return cls.build(records, faults=faults, source=str(doc.get("source", "")))

    def with_faults(self, faults: Mapping[str, Rcode]) -> UpstreamZone:
        """A copy that answers ``faults`` (name → rcode) instead of data."""
        all_records = [r for recs in self.records.values() for r in recs]
        merged = {**self.faults, **faults}
        return UpstreamZone.build(all_records, faults=merged, source=self.source)

    def apex_of(self, name: str) -> str | None:
        for apex in self.apexes:
            if _under(name, apex):
                return apex
        return None

    def query(self, name: str, rtype: str, chain: int = 0) -> ZoneAnswer | None:
        """The answer for ``name``/``rtype``, or None when no zone here holds the name."""
        fault = self.faults.get(name)
        if fault is not None:
            return ZoneAnswer(rcode=fault, authoritative=False)
        apex = self.apex_of(name)
        if apex is None:
            return None
        recs = self.records.get(name)
        if recs is None:
            # An empty non-terminal exists (NODATA); otherwise try a wildcard.
            recs = () if name in self.existing else self._wildcard(name, apex)
        if recs is None:
            return self._negative(Rcode.NXDOMAIN, apex, name)
        answers = tuple(r for r in recs if r.type == rtype or rtype == "ANY")
        if answers:
            return self._positive(answers, name)
        cnames = [r for r in recs if r.type == "CNAME"]
        if cnames and chain < _MAX_CHAIN:
            return self._follow(cnames[0], rtype, chain)
        return self._negative(Rcode.NOERROR, apex, name)

    def _wildcard(self, name: str, apex: str) -> tuple[Record, ...] | None:
        """RFC 4592 §3.3.1: ``*.<closest encloser>`` synthesises records for ``name``."""
        for parent in _parents(name):
            if parent in self.existing or parent == apex:
                found = self.records.get("*." + parent)
                if found is None:
                    return None
                return tuple(Record(name=name, type=r.type, ttl=r.ttl, data=r.data) for r in found)
            if not _under(parent, apex):
                break
        return None

    def _follow(self, cname: Record, rtype: str, chain: int) -> ZoneAnswer:
        nxt = self.query(cname.data.lower(), rtype, chain + 1)
        if nxt is None:
            return self._positive((cname,), cname.name)
        return ZoneAnswer(
            rcode=nxt.rcode,
            answers=(cname, *nxt.answers),
            authority=nxt.authority,
            authoritative=False,
            target=Target(kind="external", name=cname.name),
        )

    def _positive(self, answers: tuple[Record, ...], name: str) -> ZoneAnswer:
        return ZoneAnswer(
            rcode=Rcode.NOERROR,
            answers=answers,
            authoritative=False,
            target=Target(kind="external", name=name),
        )

    def _negative(self, rcode: Rcode, apex: str, name: str) -> ZoneAnswer:
        soa = tuple(r for r in self.records.get(apex, ()) if r.type == "SOA")
        target = Target(kind="external", name=name) if rcode is Rcode.NOERROR else None
        return ZoneAnswer(rcode=rcode, authority=soa[:1], authoritative=False, target=target)


def _under(name: str, zone: str) -> bool:
    return zone == "." or name == zone or name.endswith("." + zone)


def parse_zone_text(
    text: str, origin_hint: str | None = None, *, filename: str = "<zone>"
) -> UpstreamZone:
    """Read RFC 1035 master-file text (``$ORIGIN``, ``$TTL``, several zones) with dnspython.

    Relative names before any ``$ORIGIN`` are relative to ``origin_hint``
    (the root when None). Raises :class:`InputError` naming file and line.
    """
    import dns.exception
    import dns.name
    import dns.rdataclass
    import dns.tokenizer
    import dns.zonefile

    class _Transaction(dns.zonefile.RRsetsReaderTransaction):
        """Lets each ``$ORIGIN`` own its SOA, so one file can hold several zones."""

        current: dns.name.Name | None = None

        def _set_origin(self, origin: dns.name.Name) -> None:
            self.current = origin

        def _origin_information(self) -> tuple[Any, Any, Any]:
            absolute, relativize, effective = self.manager.origin_information()
            return absolute, relativize, self.current or effective

    class _Manager(dns.zonefile.RRSetsReaderManager):
        def writer(self, replacement: bool = False) -> _Transaction:
            return _Transaction(self, True, False)  # type: ignore[no-untyped-call]

    origin = dns.name.from_text(origin_hint) if origin_hint else dns.name.root
    manager = _Manager(origin, False, dns.rdataclass.IN)
    try:
        with manager.writer(True) as txn:
            tok = dns.tokenizer.Tokenizer(text, filename)
            reader = dns.zonefile.Reader(
                tok, dns.rdataclass.IN, txn, allow_directives={"$ORIGIN", "$TTL"}
            )
            reader.read()
    except (dns.exception.DNSException, ValueError) as e:
        detail = str(e) or type(e).__name__
        if not detail.startswith(filename):
            detail = f"{filename}: {detail}"
        raise InputError(
            f"bad zone file {detail}", hint="the upstream zone must be an RFC 1035 master file"
        ) from e
    records: list[Record] = []
    for rrset in manager.rrsets:
        owner = rrset.name.to_text().lower()
        rtype = _type_text(rrset.rdtype)
        for rdata in rrset:
            records.append(
                Record(name=owner, type=rtype, ttl=rrset.ttl, data=rdata.to_text(relativize=False))
            )
    zone = UpstreamZone.build(records, source=filename)
    if not zone.apexes:
        raise InputError(
            f"{filename}: no SOA record: cannot tell which zones the file is authoritative for",
            hint="start each zone with '$ORIGIN example.com.' and an SOA record",
        )
    return zone


def _type_text(rdtype: int) -> str:
    import dns.rdatatype

    return dns.rdatatype.to_text(dns.rdatatype.RdataType.make(rdtype))
