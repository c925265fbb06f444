"""glibc 2.36: ``getaddrinfo`` / ``res_search`` as a sans-I/O generator.

Source: bminor/glibc ``resolv/res_query.c`` (``__res_context_search``,
``__res_context_query``) and ``resolv/res_send.c`` (``__res_context_send``,
``send_dg``). Measured behaviour: ``research/resolver-semantics.md`` §3.
"""

from __future__ import annotations

from netdiag.dns.profiles import ProfileConfig
from netdiag.dns.records import Rcode
from netdiag.dns.search import (
    MAX_NAME,
    Algorithm,
    LookupResult,
    Query,
    Replies,
    Reply,
    Verdict,
    join,
    records_of,
)

#: Replies after which res_send tries the next server/attempt (send_dg ``next_ns``).
_RETRY_RCODES = (Rcode.SERVFAIL, Rcode.REFUSED, Rcode.NOTIMP)


#: How ``__res_context_search`` treats the pair's combined rcode (h_errno).
_VERDICTS = {
    Rcode.NXDOMAIN: Verdict.NXDOMAIN,  # HOST_NOT_FOUND: next
    Rcode.NOERROR: Verdict.NODATA,  # NO_DATA: next (got_nodata)
    Rcode.SERVFAIL: Verdict.SERVFAIL,  # TRY_AGAIN + SERVFAIL: next (got_servfail)
    Rcode.REFUSED: Verdict.REFUSED,  # NO_RECOVERY: done
}


class _State:
    __slots__ = ("calls",)

    def __init__(self) -> None:
        #: res_send calls so far; with ``rotate`` each call starts one server later.
        #: (glibc starts at a random server per process; we start at the first.)
        self.calls = 0


def _usable(reply: Reply) -> bool:
    return reply is not None and reply.rcode not in _RETRY_RCODES


def _send(config: ProfileConfig, state: _State, name: str, qtypes: tuple[str, ...]) -> Algorithm:
    """``res_send``: ``attempts`` x nameservers tries; the A/AAAA pair stays on one server."""
    servers = config.nameservers
    offset = state.calls % len(servers) if config.rotate else 0
    state.calls += 1
    replies: Replies = tuple(None for _ in qtypes)
    sequential = config.single_request or config.single_request_reopen
    for attempt in range(config.attempts):
        for k in range(len(servers)):
            server = servers[(offset + k) % len(servers)]
            batch = tuple(Query(name, t, server, attempt, config.use_vc) for t in qtypes)
            if sequential:
                got: list[Reply] = []
                for q in batch:
                    got.extend((yield (q,)))
                replies = tuple(got)
            else:
                replies = yield batch
            if any(_usable(r) for r in replies):
                return _verdict_result(replies)
    return _verdict_result(replies)


def _verdict_result(replies: Replies) -> LookupResult:
    """``__res_context_query``'s judgement of the pair, carried in a LookupResult."""
    if any(r is not None and r.rcode is Rcode.NOERROR and r.answers for r in replies):
        return LookupResult(resolved=True, records=records_of(replies))
    present = [r for r in replies if r is not None]
    if not present:
        verdict = Verdict.TIMEOUT
    else:
        # "hp->rcode == NOERROR ? hp2->rcode : hp->rcode": the A reply decides first.
        rcode = next((r.rcode for r in present if r.rcode is not Rcode.NOERROR), Rcode.NOERROR)
        verdict = _VERDICTS.get(rcode, Verdict.FAILED)
    return LookupResult(resolved=False, candidates=(("", verdict),))


def glibc_search(
    config: ProfileConfig, name: str, qtypes: tuple[str, ...], single_type: bool
) -> Algorithm:
    """``__res_context_search``: absolute first when dots >= ndots, the search
    list (stopping on anything but NXDOMAIN/NODATA/SERVFAIL), then the absolute
    name if not tried yet and no ``.`` entry was in the list."""
    state = _State()
    dots = name.count(".")
    trailing = name.endswith(".")
    tried: list[tuple[str, Verdict]] = []
    got = {"nodata": False, "servfail": False}

    def candidate(cand: str) -> Algorithm:
        if len(cand) - 1 > MAX_NAME:
            # res_nmkquery cannot encode it: NO_RECOVERY, which ends the search.
            tried.append((cand, Verdict.FAILED))
            return LookupResult(resolved=False, candidates=((cand, Verdict.FAILED),))
        result = yield from _send(config, state, cand, qtypes)
        verdict = Verdict.ANSWERED if result.resolved else result.candidates[0][1]
        tried.append((cand, verdict))
        got["nodata"] |= verdict is Verdict.NODATA
        got["servfail"] |= verdict is Verdict.SERVFAIL
        return result

    def finish(result: LookupResult, cand: str) -> LookupResult:
        return LookupResult(
            resolved=True, winner=cand, records=result.records, candidates=tuple(tried)
        )

    tried_as_is = False
    if dots >= config.ndots or trailing:
        result = yield from candidate(join(name, None))
        if result.resolved:
            return finish(result, join(name, None))
        if trailing:
            return _failure(tried, got)
        tried_as_is = True
    root_on_list = False
    for domain in config.search:
        d = domain[1:] if domain.startswith(".") else domain
        root_on_list |= d == ""
        cand = join(name, d or None)
        result = yield from candidate(cand)
        if result.resolved:
            return finish(result, cand)
        if tried[-1][1] not in (Verdict.NXDOMAIN, Verdict.NODATA, Verdict.SERVFAIL):
            break  # ``done++``: timeout, REFUSED, FORMERR end the walk
    if not (tried_as_is or root_on_list):
        result = yield from candidate(join(name, None))
        if result.resolved:
            return finish(result, join(name, None))
    return _failure(tried, got)


def _failure(tried: list[tuple[str, Verdict]], got: dict[str, bool]) -> LookupResult:
    last = tried[-1][1] if tried else Verdict.NXDOMAIN
    if last in (Verdict.SERVFAIL, Verdict.TIMEOUT) or (got["servfail"] and not got["nodata"]):
        error = "EAI_AGAIN"
    else:
        error = "EAI_NONAME"
    return LookupResult(resolved=False, error=error, candidates=tuple(tried))
