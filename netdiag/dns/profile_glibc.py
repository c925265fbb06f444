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

#: ``tuple.__new__``: builds a Query without the NamedTuple's keyword handling
#: (about 3x faster; one per query on the hot path).
_new = tuple.__new__

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


def _send(config: ProfileConfig, state: _State, name: str, qtypes: tuple[str, ...]) -> Algorithm:
    """``res_send``: ``attempts`` x nameservers tries; the A/AAAA pair stays on one server."""
    servers = config.nameservers
    n = len(servers)
    offset = state.calls % n if config.rotate else 0
    state.calls += 1
    replies: Replies = (None,) * len(qtypes)
    sequential = config.single_request or config.single_request_reopen
    vc = config.use_vc
    for attempt in range(config.attempts):
        for k in range(n):
            server = servers[(offset + k) % n]
            if sequential:
                got: list[Reply] = []
                for t in qtypes:
                    got.extend((yield (_new(Query, (name, t, server, attempt, vc)),)))
                replies = tuple(got)
            else:
                replies = yield tuple([_new(Query, (name, t, server, attempt, vc)) for t in qtypes])
            for r in replies:
                if r is not None and r.rcode not in _RETRY_RCODES:
                    return _verdict_result(replies)
    return _verdict_result(replies)


#: The pair's failure, one shared value per verdict (LookupResults are immutable).
_FAILED = {v: LookupResult(resolved=False, candidates=(("", v),)) for v in Verdict}


def _verdict_result(replies: Replies) -> LookupResult:
    """``__res_context_query``'s judgement of the pair, carried in a LookupResult."""
    rcode = None
    for r in replies:
        if r is None:
            continue
        if r.rcode is Rcode.NOERROR:
            if r.answers:
                return LookupResult(resolved=True, records=records_of(replies))
            rcode = rcode or Rcode.NOERROR
        elif rcode is None or rcode is Rcode.NOERROR:
            # "hp->rcode == NOERROR ? hp2->rcode : hp->rcode": the A reply decides first.
            rcode = r.rcode
    if rcode is None:
        return _FAILED[Verdict.TIMEOUT]
    return _FAILED[_VERDICTS.get(rcode, Verdict.FAILED)]


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

    def candidate(cand: str) -> Algorithm:
        if len(cand) - 1 > MAX_NAME:
            # res_nmkquery cannot encode it: NO_RECOVERY, which ends the search.
            tried.append((cand, Verdict.FAILED))
            return _FAILED[Verdict.FAILED]
        result = yield from _send(config, state, cand, qtypes)
        tried.append((cand, Verdict.ANSWERED if result.resolved else result.candidates[0][1]))
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
            return _failure(tried)
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
    return _failure(tried)


def _failure(tried: list[tuple[str, Verdict]]) -> LookupResult:
    last = tried[-1][1] if tried else Verdict.NXDOMAIN
    verdicts = {v for _, v in tried}
    # got_servfail without got_nodata (__res_context_search's h_errno choice).
    if last in (Verdict.SERVFAIL, Verdict.TIMEOUT) or (
        Verdict.SERVFAIL in verdicts and Verdict.NODATA not in verdicts
    ):
        error = "EAI_AGAIN"
    else:
        error = "EAI_NONAME"
    return LookupResult(resolved=False, error=error, candidates=tuple(tried))
