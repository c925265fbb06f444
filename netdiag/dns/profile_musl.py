"""musl 1.2.3: ``getaddrinfo`` as a sans-I/O generator.

Source: bminor/musl v1.2.3 ``src/network/lookup_name.c``
(``name_from_dns_search``, ``name_from_dns``) and ``src/network/res_msend.c``
(``__res_msend_rc``). Measured behaviour: ``research/resolver-semantics.md`` §4.
"""

from __future__ import annotations

from netdiag.dns.profiles import ProfileConfig
from netdiag.dns.records import Rcode
from netdiag.dns.search import (
    MAX_NAME,
    Algorithm,
    LookupResult,
    Query,
    Reply,
    Verdict,
    join,
    records_of,
)

#: res_msend accepts only NOERROR and NXDOMAIN replies; SERVFAIL is resent
#: at once (at most 2 x nq times), every other rcode is ignored (waits on).
_ACCEPTED = (Rcode.NOERROR, Rcode.NXDOMAIN)


def msend(config: ProfileConfig, name: str, qtypes: tuple[str, ...]) -> Algorithm:
    """``__res_msend_rc``: every query to every nameserver at once, resent to the
    unanswered ones each ``timeout/attempts`` seconds until ``timeout``."""
    answers: dict[int, Reply] = {}
    sent: dict[tuple[int, str], int] = {}

    def query(i: int, server: str) -> Query:
        n = sent.get((i, server), 0)
        sent[(i, server)] = n + 1
        return Query(name, qtypes[i], server, n)

    # One retransmit round per retry interval; the first round is the initial send.
    for _round in range(config.attempts):
        # Each retransmit round re-arms the budget ("servfail_retry = 2*nqueries").
        servfail_retry = 2 * len(qtypes)
        batch = tuple(
            query(i, s) for i in range(len(qtypes)) if i not in answers for s in config.nameservers
        )
        while batch:
            replies = yield batch
            resend: list[Query] = []
            for q, reply in zip(batch, replies, strict=True):
                i = qtypes.index(q.rtype)
                if i in answers or reply is None:
                    continue
                if reply.rcode in _ACCEPTED:
                    answers[i] = reply
                elif reply.rcode is Rcode.SERVFAIL and servfail_retry:
                    servfail_retry -= 1
                    resend.append(query(i, q.nameserver))
            batch = tuple(q for q in resend if qtypes.index(q.rtype) not in answers)
        if len(answers) == len(qtypes):
            break
    return _name_from_dns(tuple(answers.get(i) for i in range(len(qtypes))))


def _name_from_dns(replies: tuple[Reply, ...]) -> LookupResult:
    """The verdict loop of ``name_from_dns``: replies checked in query order."""
    for reply in replies:
        if reply is None or reply.rcode is Rcode.SERVFAIL:
            return LookupResult(
                resolved=False, error="EAI_AGAIN", candidates=(("", Verdict.TIMEOUT),)
            )
        if reply.rcode is Rcode.NXDOMAIN:
            return LookupResult(resolved=False, candidates=(("", Verdict.NXDOMAIN),))
        if reply.rcode is not Rcode.NOERROR:
            return LookupResult(
                resolved=False, error="EAI_FAIL", candidates=(("", Verdict.FAILED),)
            )
    records = records_of(replies)
    if any(r.type in ("A", "AAAA") for r in records):
        return LookupResult(resolved=True, records=records)
    # 1.2.3 returns EAI_NONAME here (EAI_NODATA from 1.2.4, commit 85050ac5): a stop.
    return LookupResult(
        resolved=False, error="EAI_NONAME", records=records, candidates=(("", Verdict.NODATA),)
    )


def musl_search(
    config: ProfileConfig, name: str, qtypes: tuple[str, ...], single_type: bool
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
