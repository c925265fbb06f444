"""Driving a resolver profile: the runner, the cost, and the model backend.

Pure. :func:`run` feeds a :class:`~netdiag.dns.resolver.search.Resolution` from a
:data:`Sender` (one batch at a time, like dnspython's ``_Resolution`` drivers);
:func:`model_backend` answers from the cluster zone, :mod:`netdiag.dns.resolver.live`
from real servers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.profiles import ProfileConfig
from netdiag.dns.resolver.resolvconf import build
from netdiag.dns.resolver.search import Batch, LookupResult, Replies, Resolution
from netdiag.dns.resolver.wiresize import udp_limit, wire_size
from netdiag.memo import IdentityMemo

#: ``(name, rtype, nameserver) -> reply``; ``None`` = no reply within the timeout.
Backend = Callable[[str, str, str], ZoneAnswer | None]
#: Sends one batch (queries a library puts on the wire together) and returns the replies.
Sender = Callable[[Batch, ProfileConfig], Replies]


class Zone(Protocol):
    def query(self, name: str, rtype: str) -> ZoneAnswer: ...


class TraceQuery(NamedTuple):
    """One query as sent, with what came back (a NamedTuple: built per query)."""

    name: str
    type: str
    nameserver: str
    attempt: int
    #: Index of the round trip (queries sent together share it).
    round: int
    rcode: Rcode
    answers: tuple[Record, ...] = ()
    tcp: bool = False
    #: What the cluster model says the reply names (service, pod, external).
    target: Target | None = None
    #: The reply had TC set (too big for UDP): empty, to be repeated over TCP.
    truncated: bool = False


class Cost(NamedTuple):
    """What a lookup cost (a NamedTuple like :class:`TraceQuery`: built per lookup)."""

    queries: int
    nxdomains: int
    round_trips: int
    timeouts: int = 0
    #: Seconds spent waiting for replies that never came (timeouts).
    waited_seconds: float = 0.0


def per_query(backend: Backend) -> Sender:
    """A :data:`Sender` asking ``backend`` one query at a time, over UDP or TCP.

    A UDP reply larger than the library's limit (:func:`udp_limit`) comes
    back as the server sends it: empty, with TC set (``truncated``). glibc
    and Go then repeat the query over TCP (their profiles); musl 1.2.3 has no
    TCP fallback (TCP only from 1.2.4, commit 51d4669f) and takes the empty
    reply as is (measured: EAI_NONAME).
    """

    def send(batch: Batch, config: ProfileConfig) -> Replies:
        limit, edns = udp_limit(config)
        out: list[ZoneAnswer | None] = []
        for q in batch:
            reply = backend(q.name, q.rtype, q.nameserver)
            if (
                reply is not None
                and not q.tcp
                and (reply.answers or reply.authority or reply.additional)
                and wire_size(q.name, reply, edns) > limit
            ):
                reply = ZoneAnswer(
                    rcode=reply.rcode, authoritative=reply.authoritative, truncated=True
                )
            out.append(reply)
        return tuple(out)

    return send


#: ``tuple.__new__``: builds a :class:`TraceQuery` without the NamedTuple's
#: keyword handling (about 3x faster; one row per query on the hot path).
_new = tuple.__new__


def run(resolution: Resolution, send: Sender) -> tuple[tuple[TraceQuery, ...], LookupResult, Cost]:
    """Drive ``resolution`` to the end, ``send`` answering each batch.

    Steps the generator directly (what :meth:`Resolution.next_batch` /
    :meth:`Resolution.feed` do, without the per-batch bookkeeping): this is the
    hot path of every explained lookup.
    """
    out: list[TraceQuery] = []
    append = out.append
    new, row = _new, TraceQuery
    config = resolution.config
    algorithm = resolution.algorithm
    rnd = 0
    waited = 0.0
    nxdomains = timeouts = 0
    nxdomain, timeout = Rcode.NXDOMAIN, Rcode.TIMEOUT
    try:
        batch = next(algorithm)
        while True:
            replies = send(batch, config)
            unanswered = False
            for q, r in zip(batch, replies, strict=True):
                n, t, s, a, tcp = q  # name, rtype, nameserver, attempt, tcp
                if r is None:
                    append(new(row, (n, t, s, a, rnd, timeout, (), tcp, None, False)))
                    timeouts += 1
                    unanswered = True
                else:
                    rc = r.rcode
                    append(new(row, (n, t, s, a, rnd, rc, r.answers, tcp, r.target, r.truncated)))
                    if rc is nxdomain:
                        nxdomains += 1
                    elif rc is timeout:
                        timeouts += 1
            if unanswered:
                waited += config.timeout
            rnd += 1
            batch = algorithm.send(replies)
    except StopIteration as stop:
        result: LookupResult = stop.value
    resolution.result = result
    resolution.batches = rnd
    cost = Cost(
        queries=len(out),
        nxdomains=nxdomains,
        round_trips=rnd,
        timeouts=timeouts,
        waited_seconds=waited,
    )
    return tuple(out), result, cost


class _ZoneCache:
    """One zone's memoised answers and its model sender, per asking client."""

    __slots__ = ("zone", "answers", "sender")

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self.answers: dict[tuple[str, str], ZoneAnswer] = {}
        self.sender: Sender | None = None


#: zone (by identity) -> {asking client: its cache}.
_CACHES: IdentityMemo[dict[str | None, _ZoneCache]] = IdentityMemo(16)


def _zone_cache(zone: Zone, client: str | None = None) -> _ZoneCache:
    per_client = _CACHES.get(zone, dict)
    entry = per_client.get(client)
    if entry is None:
        entry = per_client[client] = _ZoneCache(zone)
    return entry


def model_backend(zone: Zone, client: str | None = None) -> Backend:
    """The cluster model as a backend; answers are memoised per zone (it is immutable).

    ``client``: the namespace of the asking pod, for a zone that answers
    differently per client (CoreDNS ``autopath``, :mod:`netdiag.dns.zone.autopath`).
    """
    cache = _zone_cache(zone, client).answers
    query = zone.query

    def backend(name: str, rtype: str, nameserver: str) -> ZoneAnswer | None:
        key = (name.lower(), rtype)
        answer = cache.get(key)
        if answer is None:
            answer = query(name, rtype, client) if client else query(name, rtype)  # type: ignore[call-arg]
            cache[key] = answer
        # A modelled fault "TIMEOUT" means the server never replies.
        return None if answer.rcode is Rcode.TIMEOUT else answer

    return backend


def model_sender(zone: Zone, client: str | None = None) -> Sender:
    """What ``per_query(model_backend(zone, client))`` sends, built once per zone.

    Both are pure, so the reply to each (name as spelled, type) is kept per
    zone: the reply glibc and Go see, and the one musl sees (truncated replies
    lose their answers: :func:`per_query`). A lookup is then one dict hit per
    query, the hot path of every explained lookup.
    """
    entry = _zone_cache(zone, client)
    if entry.sender is None:
        entry.sender = _memo_sender(per_query(model_backend(zone, client)))
    return entry.sender


#: Replies a memoising model sender keeps before it starts over (per zone).
_REPLY_LIMIT = 1 << 16


def _memo_sender(send: Sender) -> Sender:
    """``send`` (which must answer each query by (name, type, resolver) alone)
    with its replies memoised per batch: one dict hit per round trip."""
    seen: dict[tuple[Batch, bool], Replies] = {}
    get = seen.get

    def memo_send(batch: Batch, config: ProfileConfig) -> Replies:
        key = (batch, config.resolver == "musl")
        replies = get(key)
        if replies is None:
            if len(seen) >= _REPLY_LIMIT:
                seen.clear()
            replies = seen[key] = send(batch, config)
        return replies

    return memo_send


def predict_questions(
    resolver: str,
    name: str,
    search: Sequence[str],
    ndots: int,
    answer: Callable[[str, str], tuple[str, tuple[str, ...]]],
) -> list[tuple[str, str]]:
    """The questions ``resolver`` sends for ``name``, fed by ``answer``.

    Matches capture's ``netdiag.dns.capture.profile.Predict``: ``answer(qname,
    qtype)`` returns ``(rcode, answer data)`` as captured, rcode ``"TIMEOUT"``
    for no reply.
    """

    def backend(qname: str, qtype: str, nameserver: str) -> ZoneAnswer | None:
        rcode, data = answer(qname, qtype)
        if rcode == "TIMEOUT":
            return None
        try:
            code = Rcode(rcode)
        except ValueError:
            code = Rcode.FORMERR
        records = tuple(Record(name=qname, type=qtype, ttl=0, data=d) for d in data)
        return ZoneAnswer(rcode=code, answers=records)

    conf = build(nameservers=("127.0.0.1",), search=tuple(search), options=(f"ndots:{ndots}",))
    queries, _result, _cost = run(start(resolver, name, conf), per_query(backend))
    return [(q.name, q.type) for q in queries]
