"""The ``netdiag/capture/v1`` report: chains, per-client cost, FQDN/ndots advice (pure).

Cost model (docs/resolver-behaviour.md §2): a lookup that ends at search
candidate *k* (or the absolute name after *n* suffixes) costs every question of
every earlier candidate; written as an FQDN (trailing dot) it costs only the
questions of the answering candidate. ``options ndots:N`` makes names with at
least N dots go absolute first — a saving for external names, one wasted
A/AAAA pair for in-cluster names with that many dots (and musl never searches
them at all: it tries the absolute name only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from netdiag.dns.capture.chains import Chain
from netdiag.dns.capture.explain import divergence_text, separator_text, why_text
from netdiag.dns.capture.profile import Detection, Explanation

SCHEMA = "netdiag/capture/v1"
SLOWEST = 5


def chain_json(chain: Chain, detection: Detection, pod: str | None) -> dict[str, Any]:
    ordered = sorted(chain.exchanges, key=lambda e: e.first_ts)
    return {
        "client": chain.client,
        "pod": pod,
        "name": chain.base,
        "start": round(chain.start, 6),
        "duration_ms": round(chain.duration * 1000, 3),
        "outcome": chain.outcome,
        "answered_by": chain.answered_by,
        "profile": detection.profile,
        "consistent_profiles": list(detection.consistent),
        "profile_reasons": list(detection.reasons),
        "profile_explanation": explanation_json(detection.explanation),
        "wire_queries": chain.queries,
        "ports": list(chain.ports),
        "marks": list(chain.marks),
        "queries": [
            {
                "name": e.qname,
                "type": e.qtype,
                "rcode": e.rcode,
                "answers": list(e.answers),
                "attempts": len(e.attempts),
                "transport": sorted({a.transport for a in e.attempts}),
                "marks": list(e.marks),
            }
            for e in ordered
        ],
    }


def explanation_json(e: Explanation | None) -> dict[str, Any] | None:
    """Why the consistent profiles look alike, what ruled the others out, what would part them."""
    if e is None:
        return None
    return {
        "same_walk": list(e.same_walk),
        "why": why_text(e),
        "search": list(e.search),
        "ndots": e.ndots,
        "decided_by": [
            {
                "profile": d.profile,
                "index": d.index,
                "captured": d.captured,
                "predicted": d.predicted,
                "after": d.after,
                "after_verdict": d.after_verdict,
                "text": divergence_text(d),
            }
            for d in e.decided_by
        ],
        "would_separate": [
            {
                "kind": s.kind,
                "name": s.name,
                "outcomes": list(s.outcomes),
                "ndots": s.ndots,
                "index": s.index,
                "next": dict(s.next),
                "text": separator_text(s),
            }
            for s in e.separators
        ],
    }


def _fqdn_cost(chain: Chain) -> int:
    """Queries the lookup would have cost written as the FQDN that answered."""
    for c in chain.candidates:
        if c.verdict == "answer":
            return len(c.exchanges)
    return chain.queries


def _client_json(client: str, pod: str | None, chains: Sequence[Chain]) -> dict[str, Any]:
    queries = sum(c.queries for c in chains)
    ok = sum(1 for c in chains if c.outcome == "answer")
    rcodes = [e.rcode for c in chains for e in c.exchanges if e.answered]
    marks: dict[str, int] = {}
    for c in chains:
        for e in c.exchanges:
            for m in e.marks:
                marks[m] = marks.get(m, 0) + 1
    savings = _fqdn_savings(chains)
    return {
        "client": client,
        "pod": pod,
        "lookups": len(chains),
        "successful": ok,
        "queries": queries,
        "queries_per_success": round(queries / ok, 2) if ok else None,
        "nxdomain_share": round(rcodes.count("NXDOMAIN") / len(rcodes), 3) if rcodes else 0.0,
        "marks": dict(sorted(marks.items())),
        "fqdn": savings,
        "fqdn_saving": sum(s["saved"] for s in savings),
        "ndots": _ndots_advice(chains),
    }


def _fqdn_savings(chains: Sequence[Chain]) -> list[dict[str, Any]]:
    """Names answered after search expansion, and what their FQDN would have cost."""
    by_name: dict[tuple[str, str], dict[str, Any]] = {}
    for chain in chains:
        winner = chain.answered_by
        if winner is None or chain.candidates[0].name == winner:
            continue
        entry = by_name.setdefault(
            (chain.base, winner),
            {"name": chain.base, "fqdn": winner, "lookups": 0, "queries": 0, "as_fqdn": 0},
        )
        entry["lookups"] += 1
        entry["queries"] += chain.queries
        entry["as_fqdn"] += _fqdn_cost(chain)
    out = [dict(e, saved=e["queries"] - e["as_fqdn"]) for e in by_name.values()]
    return sorted(out, key=lambda e: (-e["saved"], e["name"]))


def _ndots_advice(chains: Sequence[Chain]) -> list[dict[str, Any]]:
    """Net query saving of ``options ndots:N`` for N = 1..4 (glibc/Go semantics)."""
    out = []
    for n in range(1, 5):
        saved = extra = 0
        for chain in chains:
            winner = chain.answered_by
            if winner is None or chain.base.count(".") < n:
                continue
            first_absolute = chain.candidates[0].name.rstrip(".") == chain.base
            if winner.rstrip(".") == chain.base and not first_absolute:
                saved += chain.queries - _fqdn_cost(chain)
            elif winner.rstrip(".") != chain.base and not first_absolute:
                extra += len(chain.candidates[0].exchanges)  # absolute first, NXDOMAIN
        if saved or extra:
            out.append({"ndots": n, "saved": saved, "extra": extra, "net": saved - extra})
    return out


def build_report(
    chains: Sequence[Chain],
    detections: Sequence[Detection],
    *,
    source: Mapping[str, Any],
    counters: Mapping[str, int],
    pods: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The whole report; ``pods`` maps client IPs to ``ns/pod``."""
    pods = pods or {}
    by_client: dict[str, list[Chain]] = {}
    for chain in chains:
        by_client.setdefault(chain.client, []).append(chain)
    items = [chain_json(c, d, pods.get(c.client)) for c, d in zip(chains, detections, strict=True)]
    slowest = sorted(items, key=lambda c: (-c["duration_ms"], c["start"]))[:SLOWEST]
    return {
        "schema": SCHEMA,
        "source": dict(source),
        "packets": dict(sorted(counters.items())),
        "clients": [
            _client_json(client, pods.get(client), cs) for client, cs in sorted(by_client.items())
        ],
        "slowest": [
            {k: c[k] for k in ("client", "pod", "name", "duration_ms", "outcome", "marks")}
            for c in slowest
        ],
        "chains": items,
    }
