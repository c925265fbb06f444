"""Go 1.19 pure resolver: ``LookupIP`` / ``LookupSRV`` as a sans-I/O generator.

Source: golang/go ``src/net/dnsclient_unix.go`` (``nameList``,
``goLookupIPCNAMEOrder``, ``lookup``, ``tryOneName``). Measured behaviour:
``research/resolver-semantics.md`` §5. A and AAAA go out from two goroutines
on separate sockets, so their order on the wire is random; we emit A first.
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
)


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
    if reply.rcode is Rcode.NXDOMAIN:
        return True, Verdict.NXDOMAIN  # "trying another server won't help"
    if reply.rcode is Rcode.SERVFAIL:
        return False, Verdict.SERVFAIL  # errServerTemporarilyMisbehaving
    if reply.rcode is not Rcode.NOERROR:
        return False, Verdict.REFUSED if reply.rcode is Rcode.REFUSED else Verdict.FAILED
    if any(r.type == qtype for r in reply.answers):  # skipToAnswer
        return True, Verdict.ANSWERED
    return True, Verdict.NODATA


class _Offset:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


def _plan(config: ProfileConfig, offset: _Offset) -> list[tuple[int, str]]:
    """``tryOneName``'s loop: attempts x servers from ``serverOffset()``."""
    start = 0
    if config.rotate:
        start, offset.n = offset.n, offset.n + 1
    servers = config.nameservers
    return [
        (i, servers[(start + j) % len(servers)])
        for i in range(config.attempts)
        for j in range(len(servers))
    ]


def _try_names(
    config: ProfileConfig, offset: _Offset, fqdn: str, qtypes: tuple[str, ...], parallel: bool
) -> Algorithm:
    """One ``tryOneName`` per qtype, in parallel rounds or one after the other."""
    plans = {t: _plan(config, offset) for t in qtypes}
    final: dict[str, tuple[Verdict, Reply]] = {}
    last: dict[str, tuple[Verdict, Reply]] = {}
    groups = [qtypes] if parallel else [(t,) for t in qtypes]
    for group in groups:
        step = 0
        while True:
            live = [t for t in group if t not in final and step < len(plans[t])]
            if not live:
                break
            batch = tuple(
                Query(fqdn, t, plans[t][step][1], plans[t][step][0], config.use_vc) for t in live
            )
            replies = yield batch
            for t, reply in zip(live, replies, strict=True):
                done, verdict = _classify(reply, t)
                (final if done else last)[t] = (verdict, reply)
            step += 1
    outcome = {t: final.get(t) or last.get(t) or (Verdict.TIMEOUT, None) for t in qtypes}
    records = tuple(
        r
        for t in qtypes
        if outcome[t][0] is Verdict.ANSWERED and outcome[t][1] is not None
        for r in outcome[t][1].answers  # type: ignore[union-attr]
    )
    verdicts = tuple(outcome[t][0] for t in qtypes)
    resolved = Verdict.ANSWERED in verdicts
    verdict = Verdict.ANSWERED if resolved else _worst(verdicts)
    return LookupResult(resolved=resolved, records=records, candidates=((fqdn, verdict),))


def _worst(verdicts: tuple[Verdict, ...]) -> Verdict:
    for v in (Verdict.TIMEOUT, Verdict.SERVFAIL, Verdict.REFUSED, Verdict.FAILED, Verdict.NODATA):
        if v in verdicts:
            return v
    return Verdict.NXDOMAIN


def go_search(
    config: ProfileConfig, name: str, qtypes: tuple[str, ...], single_type: bool
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
