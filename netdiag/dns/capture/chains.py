"""Group captured DNS queries into resolution chains (pure).

A *chain* is what one ``getaddrinfo`` call put on the wire: the search
candidates ``name.<suffix>.`` one after another, then (maybe) the absolute
name, each asked as an A/AAAA pair, until one answers. Queries are grouped per
client IP: a query joins an open chain when it is the pair partner of the last
candidate, a retry of one of its questions, or a *sibling* name (same leading
labels, another suffix) sent soon after the previous candidate finished
(docs/dns-ecosystem.md §3.1, §7.5).

Marks follow §0.4 of the same note: retransmissions, unanswered questions, the
conntrack race (A and AAAA from one socket, one answered, the other resent
+5 s later — +2.5 s for musl; §3.2), SERVFAIL, TC=1 truncation and the TCP
retry that follows it. Profile detection lives in :mod:`netdiag.dns.capture.profile`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from netdiag.dns.capture.wire import DnsPacket

#: A next candidate must start this soon after the previous one was answered.
NEXT_CANDIDATE_GAP = 1.0
#: ... or after the previous one was last sent, when it never got an answer
#: (glibc: timeout 5 s × attempts 2 per nameserver, resolv.conf(5)).
UNANSWERED_GAP = 31.0
#: Same-question queries closer than this to different servers are parallel
#: sends (musl queries every nameserver at once, ``res_msend.c``).
PARALLEL_GAP = 0.05
#: The conntrack race's retransmit intervals: glibc/Go 5 s, musl 5 s / 2.
RACE_INTERVALS = (5.0, 2.5)
RACE_TOLERANCE = 0.35


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One query packet on the wire."""

    ts: float
    sport: int
    server: str
    transport: str
    id: int
    edns_payload: int | None = None


@dataclass(slots=True, kw_only=True)
class Exchange:
    """One question (name, type) of a chain: every attempt and the final response."""

    qname: str
    qtype: str
    attempts: list[Attempt] = field(default_factory=list)
    rcode: str = "TIMEOUT"
    answers: tuple[str, ...] = ()
    answered_at: float | None = None
    truncated: bool = False
    servfails: int = 0
    marks: list[str] = field(default_factory=list)

    @property
    def first_ts(self) -> float:
        return self.attempts[0].ts

    @property
    def last_ts(self) -> float:
        return self.answered_at if self.answered_at is not None else self.attempts[-1].ts

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    def mark(self, name: str) -> None:
        if name not in self.marks:
            self.marks.append(name)


@dataclass(slots=True, kw_only=True)
class Candidate:
    """One name tried by the resolver, with its A/AAAA (or other type) exchanges."""

    name: str
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``answer``, or why the resolver moved on / gave up (RFC 2308 NODATA)."""
        rcodes = {e.rcode for e in self.exchanges}
        if any(e.answers and e.rcode == "NOERROR" for e in self.exchanges):
            return "answer"
        for rcode in ("TIMEOUT", "SERVFAIL", "REFUSED", "FORMERR"):
            if rcode in rcodes:
                return rcode
        if rcodes == {"NXDOMAIN"}:
            return "NXDOMAIN"
        if "NOERROR" in rcodes:
            return "NODATA"
        return sorted(rcodes)[0]

    def done(self, now: float) -> bool:
        """All questions answered, or silent long enough for a resolver to move on."""
        return all(e.answered or now - e.last_ts >= NEXT_CANDIDATE_GAP for e in self.exchanges)


@dataclass(slots=True, kw_only=True)
class Chain:
    """The queries of one lookup from one client."""

    client: str
    candidates: list[Candidate] = field(default_factory=list)
    closed: bool = False
    last_ts: float = 0.0
    #: The name the application asked, when a known search list tells it.
    asked: str | None = None
    #: Source ports of every attempt (kept as they come: checked per query).
    sports: set[int] = field(default_factory=set)

    @property
    def exchanges(self) -> list[Exchange]:
        return [e for c in self.candidates for e in c.exchanges]

    @property
    def start(self) -> float:
        return min(e.first_ts for e in self.exchanges)

    @property
    def end(self) -> float:
        return max(e.last_ts for e in self.exchanges)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def base(self) -> str:
        """The name the application asked for: the candidates' common leading labels."""
        if self.asked:
            return self.asked
        names = [c.name.rstrip(".").split(".") for c in self.candidates]
        common = names[0]
        for labels in names[1:]:
            n = 0
            while n < min(len(common), len(labels)) and common[n] == labels[n]:
                n += 1
            common = common[:n]
        return ".".join(common) or self.candidates[0].name

    @property
    def outcome(self) -> str:
        for c in self.candidates:
            if c.verdict == "answer":
                return "answer"
        return self.candidates[-1].verdict

    @property
    def answered_by(self) -> str | None:
        return next((c.name for c in self.candidates if c.verdict == "answer"), None)

    @property
    def queries(self) -> int:
        return sum(len(e.attempts) for e in self.exchanges)

    @property
    def marks(self) -> tuple[str, ...]:
        return tuple(sorted({m for e in self.exchanges for m in e.marks}))

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(sorted(self.sports))


def _labels(name: str) -> list[str]:
    return name.rstrip(".").split(".")


def is_sibling(chain: Chain, qname: str) -> bool:
    """Could ``qname`` be the next candidate of ``chain``'s search walk?"""
    if any(c.name == qname for c in chain.candidates):
        return False
    labels = _labels(qname)
    if len(chain.candidates) > 1:
        base = _labels(chain.base)
        return labels[: len(base)] == base
    first = _labels(chain.candidates[0].name)
    return bool(labels) and bool(first) and labels[0] == first[0] and labels != first


@dataclass(slots=True)
class ChainBuilder:
    """Feed packets in capture order; collect chains.

    Only *open* chains (that a later query could still join) are searched, and
    questions are found through an index, so the cost per packet stays flat on
    captures with millions of packets.
    """

    ports: frozenset[int] = frozenset({53})
    chains: list[Chain] = field(default_factory=list)
    orphan_responses: int = 0
    #: Open chains by (client, first label): every candidate of a walk starts
    #: with the asked name's first label, so only these can be joined.
    _open: dict[tuple[str, str], list[Chain]] = field(default_factory=dict)
    _pending: dict[tuple[str, int, str, int, str, str], Exchange] = field(default_factory=dict)
    _questions: dict[tuple[str, str, str], tuple[Chain, Exchange]] = field(default_factory=dict)
    _queries: int = 0

    def feed(self, pkt: DnsPacket) -> None:
        if pkt.msg.response:
            self._response(pkt)
        elif pkt.dport in self.ports:
            self._query(pkt)

    def finish(self) -> list[Chain]:
        """Close every chain; chains sorted by start time, client."""
        self._open.clear()
        self._pending.clear()
        self._questions.clear()
        for chain in self.chains:
            chain.closed = True
            _mark_races(chain)
        self.chains.sort(key=lambda c: (c.start, c.client, c.base))
        return self.chains

    def _live(self, key: tuple[str, str], now: float) -> list[Chain]:
        """The chains under ``key`` still open at ``now`` (others are closed for good)."""
        chains = self._open.get(key)
        if not chains:
            return self._open.setdefault(key, [])
        keep = []
        for c in chains:
            if not c.closed and now - c.last_ts <= _open_for(c):
                keep.append(c)
            else:
                c.closed = True
        self._open[key] = keep
        return keep

    def _sweep(self, now: float) -> None:
        """Forget keys whose chains all closed (bounded memory on long captures)."""
        for key in list(self._open):
            if not self._live(key, now):
                del self._open[key]

    def _query(self, pkt: DnsPacket) -> None:
        msg = pkt.msg
        self._queries += 1
        if self._queries % 65536 == 0:
            self._sweep(pkt.ts)
        attempt = Attempt(
            ts=pkt.ts,
            sport=pkt.sport,
            server=pkt.dst,
            transport=pkt.transport,
            id=msg.id,
            edns_payload=msg.edns_payload,
        )
        chains = self._live((pkt.src, msg.qname.split(".", 1)[0]), pkt.ts)
        qkey = (pkt.src, msg.qname, msg.qtype)
        found = self._questions.get(qkey)
        exchange = None
        if found is not None and not found[0].closed and _is_retry(found[1], attempt):
            chain, exchange = found
        else:
            chain = self._chain_for(chains, pkt.src, msg.qname, msg.qtype, attempt)
            candidate = next((c for c in chain.candidates if c.name == msg.qname), None)
            if candidate is None:
                candidate = Candidate(name=msg.qname)
                chain.candidates.append(candidate)
            exchange = Exchange(qname=msg.qname, qtype=msg.qtype)
            candidate.exchanges.append(exchange)
            self._questions[qkey] = (chain, exchange)
        exchange.attempts.append(attempt)
        chain.sports.add(attempt.sport)
        chain.last_ts = max(chain.last_ts, pkt.ts)
        self._pending[(pkt.src, pkt.sport, pkt.dst, msg.id, msg.qname, msg.qtype)] = exchange

    def _chain_for(
        self, chains: list[Chain], client: str, qname: str, qtype: str, attempt: Attempt
    ) -> Chain:
        best: Chain | None = None
        for chain in reversed(chains):
            last = chain.candidates[-1]
            if last.name == qname:  # the pair partner (A after AAAA or the reverse)
                fits = all(e.qtype != qtype for e in last.exchanges) and (
                    attempt.ts - last.exchanges[0].first_ts <= NEXT_CANDIDATE_GAP
                )
            else:
                fits = _continues(chain, last, qname, attempt.ts)
            if fits and (best is None or attempt.sport in chain.sports):
                best = chain
                if attempt.sport in chain.sports:
                    break
        if best is None:
            best = Chain(client=client)
            chains.append(best)
            self.chains.append(best)
        return best

    def _response(self, pkt: DnsPacket) -> None:
        msg = pkt.msg
        key = (pkt.dst, pkt.dport, pkt.src, msg.id, msg.qname, msg.qtype)
        ex = self._pending.get(key)
        if ex is None:
            self.orphan_responses += 1
            return
        found = self._questions.get((pkt.dst, msg.qname, msg.qtype))
        if msg.truncated and pkt.transport == "udp":
            ex.truncated = True
            ex.mark("truncated")
        if msg.rcode == "SERVFAIL":
            ex.servfails += 1
            ex.mark("servfail")
        if ex.answered and ex.rcode != "SERVFAIL" and not ex.truncated:
            return  # a duplicate answer to a retransmission: the first one counted
        ex.rcode, ex.answers, ex.answered_at = msg.rcode, msg.answers, pkt.ts
        if found is not None and found[1] is ex:
            # An answered chain stays open NEXT_CANDIDATE_GAP for the pair partner
            # (glibc may send AAAA only after A's answer arrived); _continues
            # refuses new candidates after an answer.
            found[0].last_ts = max(found[0].last_ts, pkt.ts)


def _open_for(chain: Chain) -> float:
    """How long after its last packet a chain can still be joined."""
    if any(not e.answered for e in chain.candidates[-1].exchanges):
        return UNANSWERED_GAP
    return NEXT_CANDIDATE_GAP


def _is_retry(ex: Exchange, attempt: Attempt) -> bool:
    """Is ``attempt`` a repeat of ``ex``? Marks the reason on ``ex`` when it is."""
    last = ex.attempts[-1]
    gap = attempt.ts - last.ts
    if attempt.transport == "tcp" and ex.truncated:
        ex.mark("tcp-retry")
    elif not ex.answered and gap <= UNANSWERED_GAP:
        parallel = gap < PARALLEL_GAP and attempt.server != last.server
        ex.mark("parallel-nameservers" if parallel else "retransmit")
    elif ex.rcode in ("SERVFAIL", "REFUSED") and gap <= NEXT_CANDIDATE_GAP:
        ex.mark("servfail-retry")
    else:
        return False
    return True


def _continues(chain: Chain, last: Candidate, qname: str, now: float) -> bool:
    if last.verdict == "answer" or not is_sibling(chain, qname):
        return False
    if not last.done(now):
        return False
    answered = all(e.answered for e in last.exchanges)
    gap = NEXT_CANDIDATE_GAP if answered else UNANSWERED_GAP
    return now - max(e.last_ts for e in last.exchanges) <= gap


def _mark_races(chain: Chain) -> None:
    """The conntrack race: a pair from one socket, one answered, the other resent at +5 s."""
    for candidate in chain.candidates:
        for ex in candidate.exchanges:
            if ex.rcode == "TIMEOUT":
                ex.mark("unanswered")
            if len(ex.attempts) < 2:
                continue
            first, second = ex.attempts[0], ex.attempts[1]
            partner = next(
                (
                    p
                    for p in candidate.exchanges
                    if p is not ex
                    and p.answered_at is not None
                    and p.answered_at < second.ts
                    and p.attempts[0].sport == first.sport
                    and abs(p.attempts[0].ts - first.ts) < PARALLEL_GAP
                ),
                None,
            )
            interval = second.ts - first.ts
            if partner is not None and any(
                abs(interval - i) <= RACE_TOLERANCE for i in RACE_INTERVALS
            ):
                ex.mark("conntrack-race")


def build_chains(packets: Iterable[DnsPacket], ports: Iterable[int] = (53,)) -> list[Chain]:
    """All chains in a packet stream (pure)."""
    builder = ChainBuilder(ports=frozenset(ports))
    for pkt in packets:
        builder.feed(pkt)
    return builder.finish()
