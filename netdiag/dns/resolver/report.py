"""Presenting a :class:`~netdiag.dns.resolver.trace.Trace`: JSON (``netdiag/resolve/v1``) and text.

Pure: returns strings and dicts; the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netdiag.dns.records import Rcode, Record
from netdiag.dns.resolver.trace import Trace

#: The published contract: ``netdiag/dns/resolve-v1.schema.json`` (tests validate against it).
SCHEMA = "netdiag/resolve/v1"

#: How each profile's lookup is called, for the header line.
_CALLS = {
    "glibc": "glibc 2.36 getaddrinfo",
    "musl": "musl 1.2.3 getaddrinfo",
    "go": "Go 1.19 pure resolver (net.Resolver)",
}
_TYPE_CALLS = {"glibc": "glibc res_search", "musl": "musl res_search", "go": "Go net.Resolver"}


def _record(r: Record) -> dict[str, Any]:
    return {"name": r.name, "type": r.type, "ttl": r.ttl, "data": r.data}


def to_json(trace: Trace) -> dict[str, Any]:
    """The ``netdiag/resolve/v1`` document (docs/architecture.md)."""
    result = trace.result
    answer = None
    if result.resolved and result.winner is not None:
        answer = {"name": result.winner, "records": [_record(r) for r in result.records]}
    target = None
    if trace.target is not None:
        t = trace.target
        target = {"kind": t.kind, "namespace": t.namespace, "name": t.name}
    conf = trace.resolv_conf
    return {
        "schema": SCHEMA,
        "name": trace.name,
        "resolver": trace.resolver,
        "family": trace.family if trace.rtype is None else None,
        "type": trace.rtype,
        "resolv_conf": {
            "nameservers": list(conf.nameservers),
            "search": list(conf.search),
            "options": list(conf.options),
            "origin": trace.origin,
        },
        "queries": [
            {
                "name": q.name,
                "type": q.type,
                "rcode": q.rcode.value,
                "answers": [_record(r) for r in q.answers],
                "nameserver": q.nameserver,
                "attempt": q.attempt,
                "round": q.round,
                "transport": "tcp" if q.tcp else "udp",
                "truncated": q.truncated,
            }
            for q in trace.queries
        ],
        "resolved": result.resolved,
        "error": result.error,
        "answer": answer,
        "target": target,
        "shadowed": [
            {"namespace": s.namespace, "name": s.name, "fqdn": s.fqdn} for s in trace.shadowed
        ],
        "cost": {
            "queries": trace.cost.queries,
            "nxdomains": trace.cost.nxdomains,
            "round_trips": trace.cost.round_trips,
            "timeouts": trace.cost.timeouts,
            "waited_seconds": trace.cost.waited_seconds,
        },
        "advice": [
            {"kind": a.kind, "text": a.text, "queries_saved": a.queries_saved} for a in trace.advice
        ],
        "warnings": list(trace.warnings),
        "notes": list(trace.notes),
    }


Style = Callable[..., str]


def _plain(text: str, **_: Any) -> str:
    return text


def _strategy(trace: Trace) -> str:
    name, conf = trace.name, trace.resolv_conf
    if trace.rtype and trace.resolver == "musl":
        return "musl's res_search is res_query: the name as is, no search list"
    if name.endswith("."):
        return "trailing dot: the name as is, nothing else"
    dots = name.count(".")
    ndots = conf.ndots
    rel = f"{dots} dot{'s' if dots != 1 else ''} {'>=' if dots >= ndots else '<'} ndots {ndots}"
    if dots >= ndots:
        how = {
            "musl": "the name as is only (musl skips the search list)",
        }.get(trace.resolver, "the name as is first, then the search list")
    else:
        how = "the search list first, then the name as is"
    return f"{rel}: {how}"


#: Records shown per line in text output; the rest are counted (JSON has them all).
SHOWN_RECORDS = 6


def _answer_text(q_answers: tuple[Record, ...]) -> str:
    shown = q_answers if len(q_answers) <= SHOWN_RECORDS else q_answers[: SHOWN_RECORDS - 1]
    text = ", ".join(r.data if r.type in ("A", "AAAA") else f"{r.type} {r.data}" for r in shown)
    more = len(q_answers) - len(shown)
    return f"{text}, … {more} more" if more else text


def render_text(trace: Trace, style: Style = _plain) -> str:
    """The article's story: resolv.conf, each query, the winner, target, cost, advice."""
    lines: list[str] = []
    conf = trace.resolv_conf
    lines.append(style(f"resolv.conf  ({trace.origin})", bold=True))
    lines.extend("  " + line for line in conf.render().rstrip("\n").splitlines())
    for warning in trace.warnings:
        lines.append(style(f"  ! {warning}", fg="yellow"))
    for note in trace.notes:
        lines.append(style(f"  note: {note}", dim=True))
    call = _CALLS[trace.resolver]
    what = (
        f"{_TYPE_CALLS[trace.resolver]} {trace.rtype}"
        if trace.rtype
        else (f"{call} (family {trace.family})")
    )
    lines.append("")
    lines.append(style(f"{what} of {trace.name!r}", bold=True) + f": {_strategy(trace)}")
    lines.append("")
    width = max((len(q.name) for q in trace.queries), default=10)
    winner = trace.result.winner
    for i, q in enumerate(trace.queries, start=1):
        won = winner is not None and q.name == winner and bool(q.answers)
        glyph = "✓" if won else ("✗" if q.rcode is not Rcode.NOERROR else "·")
        via = f" @{q.nameserver}" + (f" try {q.attempt + 1}" if q.attempt else "")
        detail = _answer_text(q.answers) or ("NODATA" if q.rcode is Rcode.NOERROR else "")
        if q.truncated:
            detail = "TC (too big for UDP; empty)"
        row = f"{glyph} {i:>3}  {q.name:<{width}}  {q.type:<5} {q.rcode.value:<8} {detail}"
        row = row.rstrip() + style(via + (" tcp" if q.tcp else ""), dim=True)
        lines.append(style(row, fg="green", bold=True) if won else row)
    if not trace.queries:
        lines.append("  (no query sent)")
    lines.append("")
    lines.extend(_summary(trace, style))
    return "\n".join(lines) + "\n"


def _summary(trace: Trace, style: Style) -> list[str]:
    out: list[str] = []
    result = trace.result
    if result.resolved:
        # A/AAAA replies of one candidate may repeat the same CNAME: once here.
        addrs = _answer_text(tuple(dict.fromkeys(result.records)))
        out.append(style("answer   ", bold=True) + f"{result.winner} -> {addrs}")
    else:
        why = f"not resolved ({result.error})"
        c = trace.cost
        if c.timeouts and c.timeouts == c.queries:
            servers = ", ".join(trace.nameservers)
            why += f": timed out, no reply from {servers} to any of {c.queries} queries"
        out.append(style("answer   ", bold=True) + style(why, fg="red"))
    t = trace.target
    if t is not None:
        where = f"{t.namespace}/{t.name}" if t.namespace else (t.name or "")
        out.append(style("target   ", bold=True) + f"{t.kind} {where}".rstrip())
    for s in trace.shadowed:
        out.append(
            style("shadowed ", bold=True)
            + f"service {s.namespace}/{s.name} is not reached by this name; use {s.fqdn}"
        )
    c = trace.cost
    trips = "round trip" if c.round_trips == 1 else "round trips"
    cost = f"{c.queries} queries, {c.nxdomains} NXDOMAIN, {c.round_trips} {trips}"
    if c.timeouts:
        cost += f", {c.timeouts} timed out (~{c.waited_seconds:g} s waiting)"
    out.append(style("cost     ", bold=True) + cost)
    for a in trace.advice:
        saved = f"saves {a.queries_saved} quer{'y' if a.queries_saved == 1 else 'ies'}"
        out.append(style("advice   ", bold=True) + f"{a.text} ({saved})")
    return out
