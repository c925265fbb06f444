"""Text and JSON (``netdiag/replay/v1``) of a :class:`Replay`. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netdiag.diff.render import clean
from netdiag.replay.judge import Group, Replay, Unknown

SCHEMA = "netdiag/replay/v1"
#: Groups listed per verdict in text before "(+N more)".
SHOWN = 50


def _group_json(g: Group) -> dict[str, Any]:
    return {
        "source": g.source,
        "destination": g.destination,
        "protocol": g.protocol,
        "port": g.port,
        "verdict": g.verdict,
        "why": g.why,
        "flows": g.flows,
        "example": {"from": g.example[0], "to": g.example[1]},
    }


def _unknown_json(u: Unknown) -> dict[str, Any]:
    return {"address": u.address, "side": u.side, "why": u.why, "flows": u.flows}


def replay_document(r: Replay, *, source: str, flows: str, fmt: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "source": source,
        "flows_file": flows,
        "format": fmt,
        "summary": {
            "connections": r.connections,
            "allowed": r.allowed,
            "denied": r.denied_flows,
            "implementation_defined": r.undefined_flows,
            "unknown": r.unknown_flows,
        },
        "denied": [_group_json(g) for g in r.denied],
        "implementation_defined": [_group_json(g) for g in r.implementation_defined],
        "unknown": [_unknown_json(u) for u in r.unknowns],
    }


def _group_lines(g: Group) -> Iterator[str]:
    yield (
        f"  {clean(g.source)} -> {clean(g.destination)}  {g.port}/{g.protocol}  "
        f"({g.flows} connection{'s' if g.flows != 1 else ''})"
    )
    yield f"      e.g. {clean(g.example[0])} -> {clean(g.example[1])}: {clean(g.why)}"


def text_lines(r: Replay, *, source: str, flows: str, fmt: str) -> Iterator[str]:
    yield f"replayed {clean(flows)} ({fmt}) against {clean(source)}"
    for title, groups in (
        ("would be DENIED", r.denied),
        ("implementation-defined", r.implementation_defined),
    ):
        if not groups:
            continue
        yield ""
        yield f"{title}: {sum(g.flows for g in groups)} connection(s) in {len(groups)} group(s)"
        for g in groups[:SHOWN]:
            yield from _group_lines(g)
        if len(groups) > SHOWN:
            yield f"  (+{len(groups) - SHOWN} more groups: -o json lists all)"
    if r.unknown:
        unknowns = r.unknowns
        yield ""
        yield f"unknown addresses (not judged): {len(unknowns)}"
        for u in unknowns[:SHOWN]:
            yield f"  {u.side:<11} {clean(u.address)}  ({u.flows} connections): {clean(u.why)}"
        if len(unknowns) > SHOWN:
            yield f"  (+{len(unknowns) - SHOWN} more)"
    yield ""
    yield (
        f"{r.connections} connection(s): {r.allowed} allowed, {r.denied_flows} denied, "
        f"{r.undefined_flows} implementation-defined, {r.unknown_flows} with unknown addresses"
    )
