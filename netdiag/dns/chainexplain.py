"""Why a capture cannot tell resolvers apart for a chain, and what would (pure).

Everything here is derived by replay, never written per case: the resolver
profiles of :mod:`netdiag.dns.search` (through a
:data:`~netdiag.dns.chainprofile.Predict`) are fed the answers the capture shows
and their questions compared with what was sent:

* **why** — the profiles still consistent send exactly the captured walk for
  this name, search list and ndots, given these answers;
* **decided by** — for each profile the walk ruled out, the first candidate at
  which its replay leaves the captured walk;
* **would separate** — single changes under which the consistent profiles'
  replays part: one candidate answered otherwise (NODATA, SERVFAIL, TIMEOUT,
  an address, NXDOMAIN), the name written with a trailing dot, another
  ``options ndots``. Each says where the walks part and what each profile
  would send there. Names the capture never showed answer NXDOMAIN in these
  replays.

Replays are memoised on the chain's *shape*. A profile sees the asked name only
through its length, labels and dots (ndots, the trailing dot, the 253/255-octet
limits: ``profile_glibc``, ``profile_musl``, ``profile_go``) and an answer only
through its rcode and whether it is empty, so the name is replaced by one with
the same label lengths (``baidu.com`` → ``aaaaa.aaa``) and addresses by one
placeholder: every lookup of that shape shares one set of replays.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from netdiag.dns.chainprofile import PROFILES, Detection, Predict, base_name, observed_walk
from netdiag.dns.chains import Chain
from netdiag.errors import InputError

#: Other answers tried for a candidate, in the order they are reported.
OUTCOMES = ("NODATA", "SERVFAIL", "TIMEOUT", "answer", "NXDOMAIN")
_REPLY = {
    "NODATA": ("NOERROR", ()),
    "SERVFAIL": ("SERVFAIL", ()),
    "TIMEOUT": ("TIMEOUT", ()),
    "answer": ("NOERROR", ("192.0.2.1",)),  # RFC 5737 documentation address
    "NXDOMAIN": ("NXDOMAIN", ()),
}
_UNSEEN = ("NXDOMAIN", ())

Walk = tuple[tuple[str, frozenset[str]], ...]
Table = dict[tuple[str, str], tuple[str, tuple[str, ...]]]


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


def explain(
    chain: Chain,
    detection: Detection,
    *,
    search: Sequence[str] | None,
    ndots: int | None,
    predict: Predict,
    by_shape: bool = True,
) -> Explanation | None:
    """The explanation for ``chain``; None without a search list (nothing to replay).

    ``by_shape=False`` replays this very name, unmemoised (the tests hold the
    shape shortcut to it).
    """
    if search is None:
        return None
    base = base_name(chain, search)
    canon, key = _shape_key(chain, detection, base, tuple(search), ndots, by_shape)
    memo = _MEMO.get(key) if by_shape else None
    if memo is None:
        _, _, _, _, seen, observed, verdicts = key
        replays = _Replays(predict, canon, tuple(search), ndots, dict(seen), observed, verdicts)
        try:
            memo = (replays.explain(detection.consistent), {})
        except InputError:  # not a name a resolver searches (the root): nothing to replay
            return None
        if by_shape:
            if len(_MEMO) > 4096:
                _MEMO.clear()
            _MEMO[key] = memo
    shape, spelled = memo
    if canon == base:
        return shape
    if base not in spelled:  # the same lookup again: spelled out once
        if len(spelled) > 4096:
            spelled.clear()
        spelled[base] = _renamed(shape, canon, base)
    return spelled[base]


ShapeKey = tuple[
    tuple[str, ...],  # consistent profiles
    str,  # the name, or its shape ("aaaaa.aaa")
    tuple[str, ...],  # search
    int | None,  # ndots
    tuple[tuple[tuple[str, str], tuple[str, tuple[str, ...]]], ...],  # answers seen
    Walk,  # the captured walk
    tuple[str, ...],  # each candidate's verdict
]


def _shape_key(
    chain: Chain,
    detection: Detection,
    base: str,
    search: tuple[str, ...],
    ndots: int | None,
    by_shape: bool,
) -> tuple[str, ShapeKey]:
    """The name replays use (``base`` or its shape), and everything a replay depends on."""
    observed = tuple(observed_walk(chain))
    if not by_shape or any(not _under(name, base) for name, _ in observed):
        canon = base  # not one name's walk: replay it verbatim
    else:
        canon = "".join("." if ch == "." else "a" for ch in base)
    seen: Table = {}
    for e in chain.exchanges:
        seen[(_rename(e.qname, base, canon), e.qtype)] = (e.rcode, ("x",) if e.answers else ())
    return canon, (
        detection.consistent,
        canon,
        search,
        ndots,
        tuple(sorted(seen.items())),
        tuple((_rename(n, base, canon), t) for n, t in observed),
        tuple(c.verdict for c in chain.candidates),
    )


#: shape key -> (explanation in the shape's spelling, {real name: explanation}).
_MEMO: dict[tuple[object, ...], tuple[Explanation, dict[str, Explanation]]] = {}


def _under(name: str, base: str) -> bool:
    return name == base + "." or name.startswith(base + ".")


def _rename(name: str, old: str, new: str) -> str:
    return new + name[len(old) :] if old != new and _under(name, old) else name


class _Replays:
    """One chain's replays under the original answers and each single change."""

    def __init__(
        self,
        predict: Predict,
        base: str,
        search: tuple[str, ...],
        ndots: int | None,
        seen: Table,
        observed: Walk,
        verdicts: tuple[str, ...],
    ) -> None:
        self.predict, self.base, self.search, self.ndots = predict, base, search, ndots
        self.seen, self.observed, self.verdicts = seen, observed, verdicts
        self.qtypes = frozenset(t for _, types in observed for t in types)
        dots = base.count(".")
        # As chainprofile._compare: only "dots >= ndots or not" matters (ndots ≤ 15).
        self.options = (ndots,) if ndots is not None else (0, min(dots + 1, 15))

    def walk(self, profile: str, n: int, table: Table, name: str | None = None) -> Walk:
        asked = self.predict(
            profile,
            name or self.base,
            self.search,
            n,
            self.qtypes,
            lambda q, t: table.get((q, t), _UNSEEN),
        )
        out: list[tuple[str, set[str]]] = []
        for qname, qtype in asked:  # consecutive questions for one name: one candidate
            if out and out[-1][0] == qname:
                out[-1][1].add(qtype)
            else:
                out.append((qname, {qtype}))
        return tuple((q, frozenset(t)) for q, t in out)

    def explain(self, consistent: tuple[str, ...]) -> Explanation:
        n_for: dict[str, int] = {}
        for p in consistent:
            n_for[p] = next(
                (n for n in self.options if self.walk(p, n, self.seen) == self.observed),
                self.options[-1],
            )
        n_used = n_for[consistent[0]] if consistent else self.options[-1]
        decided = tuple(self._divergence(p, n_used) for p in PROFILES if p not in consistent)
        return Explanation(
            base=self.base,
            search=self.search,
            ndots=self._ndots_text(n_used),
            queries=sum(len(t) for _, t in self.observed),
            same_walk=consistent,
            decided_by=tuple(d for d in decided if d is not None),
            separators=self._separators(n_for) if len(consistent) > 1 else (),
        )

    def _ndots_text(self, n: int) -> str:
        if self.ndots is not None:
            return f"ndots:{self.ndots}"
        dots = self.base.count(".")
        return f"ndots ≤ {dots}" if n <= dots else f"ndots ≥ {dots + 1}"

    def _divergence(self, profile: str, n: int) -> Divergence | None:
        walk = self.walk(profile, n, self.seen)
        i = _part(walk, self.observed)
        if i is None:
            return None  # same walk: ruled out by transport, not by the walk
        return Divergence(
            profile=profile,
            index=i,
            captured=_at(self.observed, i),
            predicted=_at(walk, i),
            after=self.observed[i - 1][0] if i else None,
            after_verdict=self.verdicts[i - 1] if i else None,
        )

    def _separators(self, n_for: dict[str, int]) -> tuple[Separator, ...]:
        out: list[Separator] = []
        for i, (cand, types) in enumerate(self.observed):
            effects: dict[tuple[object, ...], Separator] = {}  # same effect: one separator
            for outcome in OUTCOMES:
                if outcome == self.verdicts[i]:
                    continue
                table = dict(self.seen)
                table.update({(cand, t): _REPLY[outcome] for t in types})
                walks = {p: self.walk(p, n, table) for p, n in n_for.items()}
                sep = _separator(walks, kind="answer", name=cand, outcomes=(outcome,))
                if sep is not None:
                    known = effects.get((sep.index, sep.next))
                    outcomes = (*known.outcomes, outcome) if known else sep.outcomes
                    effects[(sep.index, sep.next)] = replace(sep, outcomes=outcomes)
            out += effects.values()
        dotted = {p: self.walk(p, n, self.seen, self.base + ".") for p, n in n_for.items()}
        sep = _separator(dotted, kind="trailing-dot")
        out += [sep] if sep is not None else []
        dots = self.base.count(".")
        any_n = next(iter(n_for.values()))
        other = dots if any_n > dots else min(dots + 1, 15)
        if other != any_n:
            walks = {p: self.walk(p, other, self.seen) for p in n_for}
            sep = _separator(walks, kind="ndots", ndots=other)
            out += [sep] if sep is not None else []
        return tuple(out)


def _at(walk: Walk, i: int) -> str | None:
    return walk[i][0] if i < len(walk) else None


def _part(a: Walk, b: Walk) -> int | None:
    """The first position where two walks differ, or None when they are equal."""
    if a == b:
        return None
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _separator(
    walks: dict[str, Walk],
    *,
    kind: str,
    name: str | None = None,
    outcomes: tuple[str, ...] = (),
    ndots: int | None = None,
) -> Separator | None:
    first, *rest = walks.values()
    parts = [i for w in rest if (i := _part(first, w)) is not None]
    if not parts:
        return None
    i = min(parts)
    nexts = {p: _at(w, i) for p, w in walks.items()}
    if len(set(nexts.values())) == 1:  # same name, other types: say which
        nexts = {p: f"{w[i][0]} {'+'.join(sorted(w[i][1]))}" for p, w in walks.items()}
    return Separator(
        kind=kind,
        name=name,
        outcomes=outcomes,
        ndots=ndots,
        index=i,
        next=tuple(nexts.items()),
    )


def _renamed(shape: Explanation, canon: str, base: str) -> Explanation:
    """The memoised shape's explanation, spelled with this chain's name."""

    def r(name: str | None) -> str | None:
        return None if name is None else _rename(name, canon, base)

    return Explanation(
        base=base,
        search=shape.search,
        ndots=shape.ndots,
        queries=shape.queries,
        same_walk=shape.same_walk,
        decided_by=tuple(
            Divergence(
                profile=d.profile,
                index=d.index,
                captured=r(d.captured),
                predicted=r(d.predicted),
                after=r(d.after),
                after_verdict=d.after_verdict,
            )
            for d in shape.decided_by
        ),
        separators=tuple(
            Separator(
                kind=s.kind,
                name=r(s.name),
                outcomes=s.outcomes,
                ndots=s.ndots,
                index=s.index,
                next=tuple((p, r(n)) for p, n in s.next),
            )
            for s in shape.separators
        ),
    )


# --- the sentences (the report's ``text`` fields and the text output) --------

_CHANGE = {
    "NODATA": "NODATA",
    "SERVFAIL": "SERVFAIL",
    "TIMEOUT": "no answer (timeout)",
    "answer": "an address",
    "NXDOMAIN": "NXDOMAIN",
}


def _names(items: Sequence[str], word: str = "and") -> str:
    return ", ".join(items[:-1]) + f" {word} {items[-1]}" if len(items) > 1 else items[0]


@functools.lru_cache(maxsize=4096)  # the same lookups repeat in a capture
def why_text(e: Explanation) -> str | None:
    """Why the consistent profiles cannot be told apart (None when one or none is)."""
    if len(e.same_walk) < 2:
        return None
    search = " ".join(e.search) or "none"
    return (
        f"{_names(e.same_walk)} send the same {e.queries} "
        f"{'query' if e.queries == 1 else 'queries'} for {e.base} "
        f"(search {search}, {e.ndots}) given the answers captured"
    )


@functools.lru_cache(maxsize=4096)  # the same lookups repeat in a capture
def divergence_text(d: Divergence) -> str:
    """How the captured walk ruled ``d.profile`` out."""
    if d.after is None:
        return f"{d.profile} would ask {d.predicted} first; the capture asks {d.captured}"
    went = f"goes on to {d.captured}" if d.captured else "stops there"
    would = f"ask {d.predicted}" if d.predicted else "stop"
    return f"after {d.after_verdict} for {d.after} {d.profile} would {would}; the capture {went}"


@functools.lru_cache(maxsize=4096)  # the same lookups repeat in a capture
def separator_text(s: Separator) -> str:
    """A change that would tell the profiles apart, and what each would send then."""
    if s.kind == "answer":
        change = f"{_names([_CHANGE[o] for o in s.outcomes], 'or')} for {s.name}"
    elif s.kind == "ndots":
        change = f"options ndots:{s.ndots}"
    else:
        change = "the name written with a trailing dot"
    by_next: dict[str | None, list[str]] = {}
    for profile, nxt in s.next:
        by_next.setdefault(nxt, []).append(profile)
    then = "; ".join(
        f"{'/'.join(ps)} {'then asks ' + n if n is not None else 'stops'}"
        for n, ps in by_next.items()
    )
    return f"{change} ({then})"
