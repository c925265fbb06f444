"""Presenting a :class:`~netdiag.policy.namereach.NameReach`: JSON and text. Pure.

JSON is ``netdiag/verdict/v1`` (the ``reach`` document) with two additive
sections: ``dns`` (the walk and the DNS path) and ``addresses`` (one verdict
per returned address). ``paths`` holds every address's paths, so a reader of
the plain verdict document still sees each backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netdiag.policy.namereach import NameReach
from netdiag.policy.ports import PortSet
from netdiag.policy.render import Style, verdict_lines
from netdiag.policy.verdict import VERDICT_SCHEMA, Verdict, verdict_document

#: Allowed addresses listed one per line in text before they are summarised.
SHOWN_ADDRESSES = 6


def _safe(text: str) -> str:
    """Control characters shown escaped (names and labels are attacker-controlled)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _common_ports(r: NameReach) -> PortSet:
    """The ports every returned address allows (the client may use any of them)."""
    common = r.addresses[0].connection.ports
    for a in r.addresses[1:]:
        common = common & a.connection.ports
    return common


def name_reach_document(r: NameReach) -> dict[str, Any]:
    trace = r.trace
    t = trace.target
    paths: list[Any] = []
    addresses = []
    for a in r.addresses:
        doc = verdict_document(a.connection)
        paths.extend(doc["paths"])  # type: ignore[arg-type]
        addresses.append(
            {
                "address": a.address,
                "kind": a.kind,
                "target": a.target,
                "verdict": a.verdict.value,
                "ports": doc["ports"],
                "notes": doc["notes"],
                "paths": doc["paths"],
            }
        )
    ports: list[Any] = []
    if r.verdict is Verdict.ALLOWED and r.addresses:
        ports = _common_ports(r).to_json()
    return {
        "schema": VERDICT_SCHEMA,
        "src": r.src,
        "dst": r.name,
        "query": None if r.query is None else r.query.to_json(),
        "verdict": r.verdict.value,
        "ports": ports,
        "blocked_at": r.blocker or None,
        "blocked_hop": r.hop or None,
        "fix": r.fix or None,
        "fix_yaml": r.fix_yaml or None,
        "notes": list(r.notes),
        "paths": paths,
        "dns": {
            "resolver": trace.resolver,
            "family": trace.family,
            "resolved": trace.resolved,
            "error": trace.result.error,
            "winner": trace.winner,
            "namespace": t.namespace if t is not None else None,
            "target": None
            if t is None
            else {"kind": t.kind, "namespace": t.namespace, "name": t.name},
            "cost": {
                "queries": trace.cost.queries,
                "nxdomains": trace.cost.nxdomains,
                "round_trips": trace.cost.round_trips,
            },
            "nameservers": list(trace.nameservers),
            "path": list(trace.path),
            "verdict": r.dns_verdict.value,
            "hops": [
                {
                    "nameserver": h.server.address,
                    "server": h.server.kind,
                    "server_text": h.server.text,
                    "protocol": h.protocol.value,
                    "port": 53,
                    "needed_by": h.needed_by,
                    "verdict": h.verdict.value,
                    "implementation_defined": h.note or None,
                    "behind": h.behind or None,
                    "paths": verdict_document(h.connection)["paths"],
                }
                for h in r.dns
            ],
        },
        "addresses": addresses,
    }


def name_reach_lines(r: NameReach, style: Style) -> Iterator[str]:
    word = style.paint(r.verdict.value.upper(), r.verdict)
    lead = f"{style.glyph(r.verdict)} " if style.unicode else ""
    head = f"{lead}{r.src} → {_safe(r.name)}: {word}"
    if r.query is not None:
        head += f" for {r.query}"
    elif r.verdict is Verdict.ALLOWED and r.addresses:
        head += f" on {_common_ports(r)}"
    yield head
    trace = r.trace
    if trace.resolved:
        t = trace.target
        where = ""
        if t is not None and t.kind != "external":
            where = f" ({t.kind} {t.namespace}/{t.name}, namespace {t.namespace})"
        resolved = f"{_safe(trace.winner or '')}{where}"
    else:
        resolved = f"does not resolve ({trace.result.error})"
    c = trace.cost
    yield (
        f"resolve    {trace.resolver}: {resolved}; {c.queries} queries, {c.nxdomains} NXDOMAIN, "
        f"{c.round_trips} round trips"
    )
    for line in trace.path:
        yield f"           {_safe(line)}"
    if not r.dns:
        yield "dns        no query sent"
    for h in r.dns:
        note = f" — {h.note}" if h.note else ""
        yield (
            f"dns        {style.glyph(h.verdict)} {h.protocol.value} 53 to {h.server.address} "
            f"({h.server.text}; {h.needed_by}): {h.verdict.value}{note}"
        )
        if h.verdict is not Verdict.ALLOWED:
            for line in list(verdict_lines(h.connection, style))[1:]:
                yield "             " + _safe(line)
    if trace.resolved and not r.addresses:
        yield "addresses  (none)"
    allowed = [a for a in r.addresses if a.verdict is Verdict.ALLOWED]
    many = len(allowed) > SHOWN_ADDRESSES
    for a in r.addresses:
        if many and a.verdict is Verdict.ALLOWED:
            continue
        yield (
            f"address    {style.glyph(a.verdict)} {a.address} ({a.kind} {_safe(a.target)}): "
            f"{a.verdict.value}"
            + (f" on {a.connection.ports}" if a.verdict is Verdict.ALLOWED else "")
        )
        if a.verdict is not Verdict.ALLOWED:
            for line in list(verdict_lines(a.connection, style))[1:]:
                yield "             " + _safe(line)
    if many:
        shown = ", ".join(a.address for a in allowed[: SHOWN_ADDRESSES - 1])
        yield (
            f"address    {style.glyph(Verdict.ALLOWED)} {len(allowed)} addresses allowed "
            f"({shown}, …; -o json lists each)"
        )
    if r.blocker:
        yield f"blocked at {_safe(r.blocker)}"
    if r.fix:
        yield f"fix        {_safe(r.fix)}"
        for line in r.fix_yaml.splitlines():
            yield f"             {_safe(line)}"
    for note in r.notes:
        yield f"note: {_safe(note)}"


__all__ = ["name_reach_document", "name_reach_lines"]
