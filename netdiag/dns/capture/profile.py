"""Which stub resolver (glibc, musl, Go) explains a captured chain (pure).

Two kinds of evidence (docs/resolver-behaviour.md §1, docs/dns-ecosystem.md §0.3):

* transport: Go sends A and AAAA in parallel on *separate* sockets and always
  adds EDNS0 with a 1232-byte payload (go1.19 ``dnsclient_unix.go``); glibc and
  musl send the pair on one socket; musl sends every question to all
  nameservers at once (``res_msend.c``) and retries every timeout/attempts =
  2.5 s; glibc adds EDNS (1200 bytes) only with ``options edns0``.
* the search walk: when the client's search list is known, each profile's
  candidate sequence for the chain's base name — fed the answers the capture
  shows — is compared with what was sent. The sequence comes from a
  ``Predict`` callable (the resolver profiles of :mod:`netdiag.dns.resolver.search`);
  without it only walk facts are used: musl stops at NODATA/SERVFAIL, never
  tries the absolute name first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from netdiag.dns.capture.chains import PARALLEL_GAP, Chain
from netdiag.errors import InputError
from netdiag.memo import BoundedMemo


@dataclass(frozen=True, slots=True, kw_only=True)
class Divergence:
    """Where a profile's replay leaves the captured walk (it was ruled out there)."""

    profile: str
    index: int  # candidate position (0-based) where they part
    captured: str | None  # the candidate the capture shows there (None: it ended)
    predicted: str | None  # what the profile would ask there (None: it would stop)
    after: str | None  # the candidate before that point
    after_verdict: str | None  # what it got (NXDOMAIN, NODATA, answer, …)


@dataclass(frozen=True, slots=True, kw_only=True)
class Separator:
    """A single change under which the consistent profiles would send different queries."""

    kind: str  # "answer" | "trailing-dot" | "ndots"
    name: str | None  # the candidate answered otherwise (kind "answer")
    #: Its other answers with this same effect: NODATA, SERVFAIL, TIMEOUT, answer, NXDOMAIN.
    outcomes: tuple[str, ...] = ()
    ndots: int | None  # the other ndots (kind "ndots")
    index: int  # candidate position where the replays part
    next: tuple[tuple[str, str | None], ...]  # (profile, what it asks there; None: stops)


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    base: str
    search: tuple[str, ...]
    ndots: str  # "ndots:5", or the class when unknown: "ndots ≥ 2" / "ndots ≤ 1"
    queries: int  # distinct questions of the captured walk
    same_walk: tuple[str, ...]  # consistent profiles whose replay is the walk
    decided_by: tuple[Divergence, ...]
    separators: tuple[Separator, ...]


PROFILES = ("glibc", "musl", "go")

#: (profile, name, search, ndots, types asked, answer(qname, qtype) -> (rcode,
#: answers)) -> the questions ``[(qname, qtype), …]`` the profile sends, in order.
Answer = Callable[[str, str], tuple[str, tuple[str, ...]]]
Predict = Callable[
    [str, str, Sequence[str], int, frozenset[str], Answer], Sequence[tuple[str, str]]
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    base: str  # the name the application asked (search list considered)
    profile: str | None  # a single profile, or None when undecided
    consistent: tuple[str, ...]  # every profile the evidence allows
    reasons: tuple[str, ...]
    #: Why the consistent profiles look alike here and what would part them
    #: (:mod:`netdiag.dns.capture.explain`); None until explained or without a search list.
    explanation: Explanation | None = None


def _transport(chain: Chain, allowed: set[str], reasons: list[str]) -> None:
    for candidate in chain.candidates:
        ex = candidate.exchanges
        if len(ex) == 2 and ex[0].attempts[0].sport != ex[1].attempts[0].sport:
            first_answer = ex[0].answered_at if ex[0].answered_at is not None else float("inf")
            if ex[1].attempts[0].ts < first_answer:
                allowed.intersection_update({"go"})
                reasons.append("A and AAAA sent in parallel on separate sockets (Go)")
                break
    payloads = {a.edns_payload for e in chain.exchanges for a in e.attempts}
    if 1232 in payloads:
        allowed.intersection_update({"go"})
        reasons.append("EDNS0 payload 1232 on every query (Go ≥ 1.19)")
    elif 1200 in payloads:
        allowed.intersection_update({"glibc"})
        reasons.append("EDNS0 payload 1200 (glibc with options edns0)")
    if payloads == {None} and "go" in allowed:
        allowed.discard("go")
        reasons.append("no EDNS0 on the queries (not Go ≥ 1.19)")
    if any("parallel-nameservers" in e.marks for e in chain.exchanges):
        allowed.intersection_update({"musl"})
        reasons.append("each question sent to every nameserver at once (musl)")
    for e in chain.exchanges:
        if len(e.attempts) > 1 and e.attempts[1].ts - e.attempts[0].ts >= PARALLEL_GAP:
            interval = e.attempts[1].ts - e.attempts[0].ts
            if abs(interval - 2.5) < 0.35:
                allowed.intersection_update({"musl"})
                reasons.append(f"retransmit after {interval:.1f} s (musl: timeout/attempts)")
            elif abs(interval - 5.0) < 0.35:
                allowed.discard("musl")
                reasons.append(f"retransmit after {interval:.1f} s (glibc/Go timeout)")
            break


def _walk(chain: Chain, allowed: set[str], reasons: list[str]) -> None:
    cands = chain.candidates
    for c in cands[:-1]:
        if c.verdict in ("NODATA", "SERVFAIL"):
            allowed.discard("musl")
            reasons.append(f"search continued after {c.verdict} for {c.name} (not musl)")
            break
    if len(cands) > 1 and cands[0].name.rstrip(".") == chain.base:
        allowed.discard("musl")
        reasons.append("absolute name tried before the search list (not musl)")


def detect(
    chain: Chain,
    *,
    search: Sequence[str] | None = None,
    ndots: int | None = None,
    predict: Predict | None = None,
) -> Detection:
    """The profiles consistent with ``chain``; a single one when the evidence decides."""
    allowed = set(PROFILES)
    reasons: list[str] = []
    _transport(chain, allowed, reasons)
    _walk(chain, allowed, reasons)
    if predict is not None and search is not None and allowed:
        kept, said = set(allowed), list(reasons)
        try:
            _compare(chain, kept, said, search, ndots, predict)
        except InputError as e:  # a name no stub resolver looks up: the root, "a..b"
            reasons.append(f"search walk not replayed: {e.message}")
        else:
            allowed, reasons = kept, said
    consistent = tuple(p for p in PROFILES if p in allowed)
    return Detection(
        base=base_name(chain, search),
        profile=consistent[0] if len(consistent) == 1 else None,
        consistent=consistent,
        reasons=tuple(reasons),
    )


def observed_walk(chain: Chain) -> list[tuple[str, frozenset[str]]]:
    """The chain's candidates in order, each with the types asked for it."""
    return [(c.name, frozenset(e.qtype for e in c.exchanges)) for c in chain.candidates]


def _group(questions: Sequence[tuple[str, str]]) -> list[tuple[str, frozenset[str]]]:
    """Consecutive questions for one name → one candidate (pair order is random in Go)."""
    out: list[tuple[str, set[str]]] = []
    for name, qtype in questions:
        if out and out[-1][0] == name.lower():
            out[-1][1].add(qtype)
        else:
            out.append((name.lower(), {qtype}))
    return [(n, frozenset(t)) for n, t in out]


def _compare(
    chain: Chain,
    allowed: set[str],
    reasons: list[str],
    search: Sequence[str],
    ndots: int | None,
    predict: Predict,
) -> None:
    seen = tuple(
        sorted({(e.qname, e.qtype): (e.rcode, e.answers) for e in chain.exchanges}.items())
    )
    observed = tuple(observed_walk(chain))
    qtypes = frozenset(e.qtype for e in chain.exchanges)
    base = base_name(chain, search)
    # Only "dots >= ndots or not" matters to every profile (ndots capped at 15).
    dots = base.count(".")
    options = (ndots,) if ndots is not None else tuple(sorted({0, min(dots + 1, 15)}))
    for profile in sorted(allowed):
        key = (profile, base, tuple(search), options, seen, observed)
        matches = _MATCHES.get(key)
        if matches is None:
            matches = _MATCHES.put(
                key,
                any(
                    _group(predict(profile, base, search, n, qtypes, _answers(seen)))
                    == list(observed)
                    for n in options
                ),
            )
        if not matches:
            allowed.discard(profile)
            reasons.append(f"{profile} would have sent other queries for {base}")
    if allowed:
        reasons.append(f"search walk for {base} matches {'/'.join(sorted(allowed))}")


#: Chains repeat (the same lookup every few seconds): memoise walk comparisons.
_MATCHES: BoundedMemo[tuple[object, ...], bool] = BoundedMemo(65536)


def _answers(seen: tuple[tuple[tuple[str, str], tuple[str, tuple[str, ...]]], ...]) -> Answer:
    table = dict(seen)

    def answer(qname: str, qtype: str) -> tuple[str, tuple[str, ...]]:
        return table.get((qname.lower(), qtype), ("TIMEOUT", ()))

    return answer


def base_name(chain: Chain, search: Sequence[str] | None) -> str:
    """The name the application asked, using the search list when it is known.

    A walk starts at the first search domain or at the absolute name (every
    profile), so a first candidate ``X.<search[0]>.`` means ``X`` was asked.
    """
    first = chain.candidates[0].name
    if search:
        suffix = "." + search[0].strip(".").lower() + "."
        if first.endswith(suffix) and len(first) > len(suffix):
            return first[: -len(suffix)]
    if len(chain.candidates) == 1:
        return first.rstrip(".")
    return chain.base


def infer_search(chains: Sequence[Chain]) -> dict[str, tuple[str, ...]]:
    """Each client's search list as its longest observed walk shows it."""
    out: dict[str, tuple[str, ...]] = {}
    for chain in chains:
        if len(chain.candidates) < 2:
            continue
        base = chain.base
        suffixes = tuple(
            c.name[len(base) + 1 :].rstrip(".")
            for c in chain.candidates
            if c.name.startswith(base + ".") and c.name != base + "."
        )
        if len(suffixes) > len(out.get(chain.client, ())):
            out[chain.client] = suffixes
    return out
