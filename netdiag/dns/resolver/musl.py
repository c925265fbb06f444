"""musl 1.2.3: ``getaddrinfo`` as a sans-I/O generator.

Source: bminor/musl v1.2.3 ``src/network/lookup_name.c``
(``name_from_dns_search``, ``name_from_dns``) and ``src/network/res_msend.c``
(``__res_msend_rc``). Measured behaviour: ``docs/resolver-behaviour.md`` §4.
"""

from __future__ import annotations

from netdiag.dns.records import Rcode
from netdiag.dns.resolver.profiles import ProfileConfig
from netdiag.dns.resolver.search import (
    MAX_NAME,
    Algorithm,
    LookupResult,
    Query,
    Reply,
    Verdict,
    join,
    records_of,
)

#: ``tuple.__new__``: builds a Query without the NamedTuple's keyword handling.
_new = tuple.__new__

#: res_msend accepts only NOERROR and NXDOMAIN replies; SERVFAIL is resent
#: at once (at most 2 x nq times), every other rcode is ignored (waits on).
_ACCEPTED = (Rcode.NOERROR, Rcode.NXDOMAIN)


def msend(config: ProfileConfig, name: str, qtypes: tuple[str, ...]) -> Algorithm:
    """``__res_msend_rc``: every query to every nameserver at once, resent to the
    unanswered ones each ``timeout/attempts`` seconds until ``timeout``."""
    nq = len(qtypes)
    servers = config.nameservers
    answers: dict[int, Reply] = {}
    #: Times each (query index, server) was sent: the next one's ``attempt``.
    sent: dict[tuple[int, str], int] = {}
    # One retransmit round per retry interval; the first round is the initial send.
    for _round in range(config.attempts):
        # Each retransmit round re-arms the budget ("servfail_retry = 2*nqueries").
        servfail_retry = 2 * nq
        pending = [(i, s) for i in range(nq) if i not in answers for s in servers]
        while pending:
            batch: list[Query] = []
            for i, s in pending:
                n = sent.get((i, s), 0)
                sent[(i, s)] = n + 1
                batch.append(_new(Query, (name, qtypes[i], s, n, False)))
            replies = yield tuple(batch)
            resend: list[tuple[int, str]] = []
            for (i, s), reply in zip(pending, replies, strict=True):
                if reply is None or i in answers:
                    continue
                if reply.rcode in _ACCEPTED:
                    answers[i] = reply
                elif reply.rcode is Rcode.SERVFAIL and servfail_retry:
                    servfail_retry -= 1
                    resend.append((i, s))
            pending = [p for p in resend if p[0] not in answers]
        if len(answers) == nq:
            break
    return _name_from_dns(tuple([answers.get(i) for i in range(nq)]))


#: ``name_from_dns``'s failures, one shared value each (LookupResults are immutable).
_AGAIN = LookupResult(resolved=False, error="EAI_AGAIN", candidates=(("", Verdict.TIMEOUT),))
_NXDOMAIN = LookupResult(resolved=False, candidates=(("", Verdict.NXDOMAIN),))
_FAIL = LookupResult(resolved=False, error="EAI_FAIL", candidates=(("", Verdict.FAILED),))


def _name_from_dns(replies: tuple[Reply, ...]) -> LookupResult:
    """The verdict loop of ``name_from_dns``: replies checked in query order."""
    for reply in replies:
        if reply is None:
            return _AGAIN
        rcode = reply.rcode
        if rcode is Rcode.NOERROR:
            continue
        if rcode is Rcode.SERVFAIL:
            return _AGAIN
        if rcode is Rcode.NXDOMAIN:
            return _NXDOMAIN
        return _FAIL
    records = records_of(replies)
    for record in records:
        if record.type in ("A", "AAAA"):
            return LookupResult(resolved=True, records=records)
    # 1.2.3 returns EAI_NONAME here (EAI_NODATA from 1.2.4, commit 85050ac5): a stop.
    return LookupResult(
        resolved=False, error="EAI_NONAME", records=records, candidates=(("", Verdict.NODATA),)
    )


def musl_search(
    config: ProfileConfig,
    name: str,
    qtypes: tuple[str, ...],
    single_type: bool,
    family: str = "unspec",
) -> Algorithm:
    """``name_from_dns_search``; ``res_search`` (a single ``--type``) is
    ``res_query`` in musl: the name as given, no search list at all."""
    body = name.removesuffix(".")
    if single_type:
        result = yield from msend(config, join(name, None), qtypes)
        return _single(result, join(name, None))
    search: tuple[str, ...] = config.search
    if name.count(".") >= config.ndots or name.endswith("."):
        search = ()  # dots >= ndots or a trailing dot: "*search = 0"
    tried: list[tuple[str, Verdict]] = []
    for entry in search:
        if len(entry) >= 256 - len(body) - 1:
            continue  # "if (z-p < 256 - l - 1)": the candidate would not fit
        if entry == ".":
            # A "." entry gives "name.." which __res_mkquery sends as a corrupt
            # label; servers answer FORMERR, which musl ignores until the timeout.
            tried.append((body + "..", Verdict.TIMEOUT))
            return LookupResult(
                resolved=False,
                error="EAI_AGAIN",
                candidates=tuple(tried),
                notes=("musl: '.' search entry -> malformed query, EAI_AGAIN",),
            )
        cand = join(body, entry)
        if len(cand) - 1 > MAX_NAME:
            continue
        result = yield from msend(config, cand, qtypes)
        verdict = Verdict.ANSWERED if result.resolved else result.candidates[0][1]
        tried.append((cand, verdict))
        if verdict is not Verdict.NXDOMAIN:  # "if (cnt) return cnt;"
            return _final(result, cand, tried)
    cand = join(body, None)
    result = yield from msend(config, cand, qtypes)
    tried.append((cand, Verdict.ANSWERED if result.resolved else result.candidates[0][1]))
    return _final(result, cand, tried)


def _final(result: LookupResult, cand: str, tried: list[tuple[str, Verdict]]) -> LookupResult:
    if result.resolved:
        return LookupResult(
            resolved=True, winner=cand, records=result.records, candidates=tuple(tried)
        )
    return LookupResult(resolved=False, error=result.error or "EAI_NONAME", candidates=tuple(tried))


def _single(result: LookupResult, cand: str) -> LookupResult:
    verdict = result.candidates[0][1] if result.candidates else Verdict.ANSWERED
    if result.resolved or verdict is Verdict.NODATA:
        # res_query: any NOERROR reply with answers is a success.
        ok = bool(result.records)
        return LookupResult(
            resolved=ok,
            winner=cand if ok else None,
            records=result.records,
            error=None if ok else "NO_DATA",
            candidates=((cand, Verdict.ANSWERED if ok else Verdict.NODATA),),
        )
    return LookupResult(
        resolved=False, error=result.error or "HOST_NOT_FOUND", candidates=((cand, verdict),)
    )
