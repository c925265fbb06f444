"""glibc 2.36: ``getaddrinfo`` / ``res_search`` as a sans-I/O generator.

Source: bminor/glibc ``resolv/res_query.c`` (``__res_context_search``,
``__res_context_query``) and ``resolv/res_send.c`` (``__res_context_send``,
``send_dg``). Measured behaviour: ``docs/resolver-behaviour.md`` §3.
"""

from __future__ import annotations

from dataclasses import replace

from netdiag.dns.records import Rcode, Record
from netdiag.dns.resolver.profiles import ProfileConfig
from netdiag.dns.resolver.search import (
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
    """``res_send``: ``attempts`` x nameservers tries; the A/AAAA pair stays on one server.

    Over TCP (``use-vc``, or after a UDP reply with TC: ``send_dg`` sets
    ``v_circuit`` and ``__res_context_send`` goes back to ``same_ns``) the pair
    is sent on one connection and each server gets at most one attempt
    (``try = statp->retry``).
    """
    servers = config.nameservers
    n = len(servers)
    offset = state.calls % n if config.rotate else 0
    state.calls += 1
    replies: Replies = (None,) * len(qtypes)
    sequential = config.single_request or config.single_request_reopen
    vc = config.use_vc
    if config.no_aaaa and qtypes == ("AAAA",):
        return (yield from _no_aaaa(config, state, name))
    for attempt in range(1 if vc else config.attempts):
        for k in range(n):
            server = servers[(offset + k) % n]
            if sequential and not vc:
                got: list[Reply] = []
                for t in qtypes:
                    reply = (yield (_new(Query, (name, t, server, attempt, False)),))[0]
                    got.append(reply)
                    if reply is not None and reply.truncated:
                        break
                replies = tuple(got)
            else:
                replies = yield tuple([_new(Query, (name, t, server, attempt, vc)) for t in qtypes])
            truncated = usable = False
            for r in replies:
                if r is not None:
                    if r.truncated:
                        truncated = True
                    elif r.rcode not in _RETRY_RCODES:
                        usable = True
            if truncated and not vc:
                # "To get the rest of answer, use TCP with same server."
                vc = True
                replies = yield tuple(
                    [_new(Query, (name, t, server, attempt, True)) for t in qtypes]
                )
                usable = any(r is not None and r.rcode not in _RETRY_RCODES for r in replies)
            if usable:
                return _verdict_result(replies)
        if vc:
            break
    return _verdict_result(replies)


def _no_aaaa(config: ProfileConfig, state: _State, name: str) -> Algorithm:
    """``options no-aaaa`` and an AAAA question (``res_query.c``,
    ``__res_handle_no_aaaa``): an A query goes out instead, and its reply is
    turned into a NODATA for AAAA (answers hidden, rcode kept), so an
    AF_INET6 lookup never finds an address (measured: EAI_NODATA)."""
    # (The replacement query drops EDNS; the model's UDP limit still follows
    # ``options edns0``.)
    result = yield from _send(replace(config, no_aaaa=False), state, name, ("A",))
    if result.resolved:
        return _FAILED[Verdict.NODATA]
    return result


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


#: getaddrinfo's first result buffer (``struct scratch_buffer``: 1,024 bytes);
#: after each ERANGE from the NSS module ``scratch_buffer_grow`` doubles it and
#: the whole lookup runs again (``sysdeps/posix/getaddrinfo.c``).
GAI_BUFFER = 1024
#: ``sizeof (struct gaih_addrtuple)`` on 64-bit: next, name, family, addr[4], scopeid.
_TUPLE = 40


def _align(pos: int, to: int) -> int:
    return -(-pos // to) * to


def gai_buffer_need(family: str, records: tuple[Record, ...], winner: str) -> int:
    """Bytes nss_dns needs in getaddrinfo's buffer for these answer records.

    ``unspec``: ``_nss_dns_gethostbyname4_r`` / ``gaih_getanswer_slice`` (2.36)
    allocate one 8-aligned tuple per address and copy the canonical name (the
    last CNAME target, else the question) after the first. ``inet``/``inet6``:
    ``gethostbyname3_context`` / ``getanswer_r`` copy the question and each
    CNAME target as aliases, each address 4-aligned, then the NULL-terminated
    address and alias pointer arrays.
    """
    name = winner.rstrip(".")
    if family == "unspec":
        pos, canon, first = 0, name, True
        for r in records:
            if r.type == "CNAME":
                canon = r.data.rstrip(".")
            elif r.type in ("A", "AAAA"):
                pos = _align(pos, 8) + _TUPLE
                if first:
                    pos += len(canon) + 1
                    first = False
        return pos
    pos, aliases, addresses = len(name) + 1, 1, 0
    for r in records:
        if r.type == "CNAME":
            pos += len(r.data.rstrip(".")) + 1
            aliases += 1
        elif r.type in ("A", "AAAA"):
            pos = _align(pos, 4) + (4 if r.type == "A" else 16)
            addresses += 1
    return _align(pos, 8) + (addresses + 1) * 8 + aliases * 8


def glibc_search(
    config: ProfileConfig,
    name: str,
    qtypes: tuple[str, ...],
    single_type: bool,
    family: str = "unspec",
) -> Algorithm:
    """getaddrinfo over ``__res_context_search`` (:func:`_search`), including
    its buffer protocol: when the addresses do not fit (:func:`gai_buffer_need`),
    the NSS module returns ERANGE and getaddrinfo runs the whole lookup again
    with twice the buffer (measured: 30 A records, two identical query runs).
    ``res_search`` (one ``--type``) has no such buffer."""
    state = _State()
    result = yield from _search(config, state, name, qtypes)
    buffer, runs = GAI_BUFFER, 1
    # Fewer records than this always fit the first buffer: for ``unspec`` each
    # costs at most 48 bytes plus one name (<= 254), else a CNAME may cost 262.
    fits = 15 if family == "unspec" else 2
    while (
        not single_type
        and result.resolved
        and result.winner is not None
        and len(result.records) > fits
    ):
        need = gai_buffer_need(family, result.records, result.winner)
        if need <= buffer:
            break
        buffer, runs = buffer * 2, runs + 1
        result = yield from _search(config, state, name, qtypes)
    if runs > 1:
        note = (
            f"glibc getaddrinfo ran the lookup {runs} times: the addresses need more than "
            f"its {GAI_BUFFER}-byte buffer (nss_dns ERANGE; the buffer doubles each time)"
        )
        result = result._replace(notes=(*result.notes, note))
    return result


def _search(config: ProfileConfig, state: _State, name: str, qtypes: tuple[str, ...]) -> Algorithm:
    """``__res_context_search``: absolute first when dots >= ndots, the search
    list (stopping on anything but NXDOMAIN/NODATA/SERVFAIL), then the absolute
    name if not tried yet and no ``.`` entry was in the list."""
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
    elif Verdict.NODATA in verdicts:
        error = "EAI_NODATA"  # got_nodata: h_errno NO_DATA
    else:
        error = "EAI_NONAME"
    return LookupResult(resolved=False, error=error, candidates=tuple(tried))
