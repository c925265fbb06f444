"""Feed a captured chain's answers to the resolver profiles of :mod:`netdiag.dns.resolver.search`.

Pure. The profiles are sans-I/O state machines; here the "server" is the
capture itself: each question a profile asks is answered with the rcode and
answers the capture shows for it (no answer → timeout). The questions the
profile asks, in order, are its prediction of what should have been sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from netdiag.dns.capture.profile import Answer
from netdiag.dns.records import Rcode, Record, ZoneAnswer
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.resolvconf import build

#: A profile that asks more than this is looping on our answers: stop it.
MAX_QUESTIONS = 256
PREDICT_NAMESERVER = "192.0.2.53"  # RFC 5737 documentation address: never used on a wire


def predict(
    profile: str,
    name: str,
    search: Sequence[str],
    ndots: int,
    qtypes: frozenset[str],
    answer: Answer,
) -> list[tuple[str, str]]:
    """The questions ``profile`` sends for ``name`` when the server answers like ``answer``.

    ``qtypes`` (what the chain asked) picks the call: A+AAAA is getaddrinfo
    AF_UNSPEC, A alone AF_INET, AAAA alone AF_INET6, anything else res_search.
    """
    conf = build(
        nameservers=(PREDICT_NAMESERVER,), search=tuple(search), options=(f"ndots:{ndots}",)
    )
    family, rtype = "unspec", None
    if qtypes == {"A"}:
        family = "inet"
    elif qtypes == {"AAAA"}:
        family = "inet6"
    elif qtypes != {"A", "AAAA"}:
        rtype = sorted(qtypes)[0]
    resolution = start(profile, name, conf, family=family, rtype=rtype)
    asked: list[tuple[str, str]] = []
    while (batch := resolution.next_batch()) is not None and len(asked) < MAX_QUESTIONS:
        replies: list[ZoneAnswer | None] = []
        for q in batch:
            asked.append((q.name.lower(), q.rtype))
            rcode, data = answer(q.name.lower(), q.rtype)
            if rcode == "TIMEOUT":
                replies.append(None)
                continue
            records = tuple(Record(name=q.name, type=q.rtype, ttl=5, data=d) for d in data)
            replies.append(ZoneAnswer(rcode=_rcode(rcode), answers=records))
        resolution.feed(tuple(replies))
    return asked


def _rcode(text: str) -> Rcode:
    try:
        return Rcode(text)
    except ValueError:
        return Rcode.SERVFAIL  # RCODE6+ (YXDOMAIN…): a failure to every stub resolver
