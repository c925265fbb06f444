"""One chain's resolver-profile replays under the captured answers and under
each single change (pure): what :mod:`netdiag.dns.capture.explain` turns into an
:class:`~netdiag.dns.capture.profile.Explanation`.
"""

from __future__ import annotations

from dataclasses import replace

from netdiag.dns.capture.profile import (
    PROFILES,
    Divergence,
    Explanation,
    Predict,
    Separator,
)

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


class Replays:
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
