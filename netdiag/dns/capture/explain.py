"""Why a capture cannot tell resolvers apart for a chain, and what would (pure).

Everything here is derived by replay, never written per case: the resolver
profiles of :mod:`netdiag.dns.resolver.search` (through a
:data:`~netdiag.dns.capture.profile.Predict`) are fed the answers the capture shows
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

The replays themselves are in :mod:`netdiag.dns.capture.replay`; this module keeps
the entry point, the memo and the sentences.

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

from netdiag.dns.capture.chains import Chain
from netdiag.dns.capture.profile import (
    Detection,
    Divergence,
    Explanation,
    Predict,
    Separator,
    base_name,
    observed_walk,
)
from netdiag.dns.capture.replay import Replays, Table, Walk
from netdiag.errors import InputError
from netdiag.memo import BoundedMemo

__all__ = [
    "divergence_text",
    "explain",
    "separator_text",
    "why_text",
]


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
        replays = Replays(predict, canon, tuple(search), ndots, dict(seen), observed, verdicts)
        try:
            memo = (replays.explain(detection.consistent), {})
        except InputError:  # not a name a resolver searches (the root): nothing to replay
            return None
        if by_shape:
            _MEMO.put(key, memo)
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
_MEMO: BoundedMemo[tuple[object, ...], tuple[Explanation, dict[str, Explanation]]] = BoundedMemo(
    4096
)


def _under(name: str, base: str) -> bool:
    return name == base + "." or name.startswith(base + ".")


def _rename(name: str, old: str, new: str) -> str:
    return new + name[len(old) :] if old != new and _under(name, old) else name


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
