"""Go 1.19 pure resolver: ``LookupIP`` / ``LookupSRV`` as a sans-I/O generator.

Source: golang/go ``src/net/dnsclient_unix.go`` (``nameList``,
``goLookupIPCNAMEOrder``, ``lookup``, ``tryOneName``). Measured behaviour:
``docs/resolver-behaviour.md`` §5. A and AAAA go out from two goroutines
on separate sockets, so their order on the wire is random; we emit A first.
"""

from __future__ import annotations

from netdiag.dns.records import Rcode, Record
from netdiag.dns.resolver.profiles import ProfileConfig
from netdiag.dns.resolver.search import (
    MAX_NAME,
    Algorithm,
    LookupResult,
    Query,
    Reply,
    Verdict,
    join,
)

#: ``tuple.__new__``: builds a Query without the NamedTuple's keyword handling.
_new = tuple.__new__


def name_list(config: ProfileConfig, name: str) -> tuple[str, ...]:
    """``nameList``: rooted names alone; absolute first when dots >= ndots;
    suffixes whose result fits in 254 octets (with the root dot); absolute last."""
    if name.endswith("."):
        return (name,)
    has_ndots = name.count(".") >= config.ndots
    names = [join(name, None)] if has_ndots else []
    names.extend(join(name, s) for s in config.search if len(name) + 1 + len(s) <= MAX_NAME)
    if not has_ndots:
        names.append(join(name, None))
    return tuple(names)


def _classify(reply: Reply, qtype: str) -> tuple[bool, Verdict]:
    """(final, verdict) of one exchange as ``tryOneName`` sees it."""
    if reply is None:
        return False, Verdict.TIMEOUT
    rcode = reply.rcode
    if rcode is Rcode.NXDOMAIN:
        return True, Verdict.NXDOMAIN  # "trying another server won't help"
    if rcode is Rcode.SERVFAIL:
        return False, Verdict.SERVFAIL  # errServerTemporarilyMisbehaving
    if rcode is not Rcode.NOERROR:
        return False, Verdict.REFUSED if rcode is Rcode.REFUSED else Verdict.FAILED
    for record in reply.answers:
        if record.type == qtype:  # skipToAnswer
            return True, Verdict.ANSWERED
    return True, Verdict.NODATA


class _Offset:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


def _try_names(
    config: ProfileConfig, offset: _Offset, fqdn: str, qtypes: tuple[str, ...], parallel: bool
) -> Algorithm:
    """One ``tryOneName`` per qtype, in parallel rounds or one after the other.

    Each qtype walks attempts x servers from its start (``tryOneName``'s
    loop) until a final reply (an answer, NXDOMAIN, NODATA); its verdict is
    that of its last exchange. ``serverOffset()`` is read once per
    ``tryOneName``, so with ``rotate`` the n-th qtype starts n servers later.
    One ``exchange`` is UDP, then TCP to the same server when the UDP reply
    had TC ("see RFC 5966"); ``use-vc`` makes it TCP only.
    """
    servers = config.nameservers
    n = len(servers)
    steps = config.attempts * n
    vc = config.use_vc
    nq = len(qtypes)
    first = rot = 0
    if config.rotate:
        first, rot = offset.n, 1
        offset.n += nq
    verdicts = [Verdict.TIMEOUT] * nq
    replies: list[Reply] = [None] * nq
    groups = [list(range(nq))] if parallel else [[i] for i in range(nq)]
    for group in groups:
        # (qtype index, step in attempts x servers, over TCP)
        pending = [(i, 0, vc) for i in group]
        while pending:
            batch = []
            for i, step, tcp in pending:
                attempt, j = divmod(step, n)
                server = servers[(first + i * rot + j) % n]
                batch.append(_new(Query, (fqdn, qtypes[i], server, attempt, tcp)))
            got = yield tuple(batch)
            still: list[tuple[int, int, bool]] = []
            for (i, step, tcp), reply in zip(pending, got, strict=True):
                if reply is not None and reply.truncated and not tcp:
                    still.append((i, step, True))
                    continue
                done, verdicts[i] = _classify(reply, qtypes[i])
                replies[i] = reply
                if not done and step + 1 < steps:
                    still.append((i, step + 1, vc))
            pending = still
    records: list[Record] = []
    for verdict, reply in zip(verdicts, replies, strict=True):
        if verdict is Verdict.ANSWERED and reply is not None:
            records.extend(reply.answers)
    resolved = Verdict.ANSWERED in verdicts
    verdict = Verdict.ANSWERED if resolved else _worst(verdicts)
    return LookupResult(resolved=resolved, records=tuple(records), candidates=((fqdn, verdict),))


def _worst(verdicts: list[Verdict]) -> Verdict:
    if verdicts.count(Verdict.NXDOMAIN) == len(verdicts):
        return Verdict.NXDOMAIN  # the common case, without five scans
    for v in (Verdict.TIMEOUT, Verdict.SERVFAIL, Verdict.REFUSED, Verdict.FAILED, Verdict.NODATA):
        if v in verdicts:
            return v
    return Verdict.NXDOMAIN


def go_search(
    config: ProfileConfig,
    name: str,
    qtypes: tuple[str, ...],
    single_type: bool,
    family: str = "unspec",
) -> Algorithm:
    """Every candidate of ``nameList`` until one has an answer; any error
    (NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout) moves to the next."""
    offset = _Offset()
    tried: list[tuple[str, Verdict]] = []
    parallel = not (config.single_request or single_type)
    for fqdn in name_list(config, name):
        result = yield from _try_names(config, offset, fqdn, qtypes, parallel)
        tried.append(result.candidates[0])
        if result.resolved:
            return LookupResult(
                resolved=True, winner=fqdn, records=result.records, candidates=tuple(tried)
            )
    verdicts = {v for _, v in tried}
    if Verdict.TIMEOUT in verdicts and tried[-1][1] is Verdict.TIMEOUT:
        error = "i/o timeout"
    elif tried and tried[-1][1] in (Verdict.SERVFAIL, Verdict.REFUSED, Verdict.FAILED):
        error = "server misbehaving"
    else:
        error = "no such host"
    return LookupResult(resolved=False, error=error, candidates=tuple(tried))
