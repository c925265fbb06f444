"""Concrete advice for a lookup, each with the queries it saves.

Pure. Every saving is measured, not estimated: the same resolver profile is
re-run with the change applied (a trailing dot, a lower ``ndots`` through the
pod's ``dnsConfig``, the FQDN that answered) against the same backend.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from netdiag.dns.driver import Cost, Sender, run
from netdiag.dns.resolvconf import ResolvConf
from netdiag.dns.search import LookupResult, start


@dataclass(frozen=True, slots=True, kw_only=True)
class Advice:
    kind: str  # "trailing-dot" | "ndots" | "fqdn"
    text: str
    queries_saved: int


def _count(resolver: str, name: str, conf: ResolvConf, backend: Sender, **kw: Any) -> int:
    queries, result, _cost = run(start(resolver, name, conf, **kw), backend)
    return len(queries) if result.resolved else -1


def advise(
    resolver: str,
    name: str,
    conf: ResolvConf,
    backend: Sender,
    trace_cost: Cost,
    result: LookupResult,
    **kw: Any,
) -> tuple[Advice, ...]:
    """Concrete changes and the queries each saves (measured by re-running the profile).

    When only the winning candidate was asked (``result.candidates`` has one
    entry), nothing can be saved: any change still asks that candidate.
    """
    winner = result.winner
    if not result.resolved or winner is None or name.endswith("."):
        return ()
    if len(result.candidates) == 1:
        return ()
    spent = trace_cost.queries

    def saved(lookup: str, with_conf: ResolvConf) -> int:
        n = _count(resolver, lookup, with_conf, backend, **kw)
        return spent - n if 0 <= n < spent else 0

    absolute = name + "."
    if winner.lower() != absolute.lower():
        # A search candidate answered: its FQDN (with the dot) goes straight there.
        gain = saved(winner, conf)
        text = f"use the FQDN with a trailing dot: {winner}"
        return (Advice(kind="fqdn", queries_saved=gain, text=text),) if gain else ()
    out: list[Advice] = []
    gain = saved(absolute, conf)
    if gain:
        text = f"write the name with a trailing dot: {absolute}"
        out.append(Advice(kind="trailing-dot", queries_saved=gain, text=text))
    dots = name.count(".")
    if 0 < dots < conf.ndots:
        # kubelet merges pod dnsConfig.options over its ndots:5 (mergeDNSOptions).
        gain = saved(name, _with_ndots(conf, conf.text, dots))
        if gain:
            text = f"set the pod's dnsConfig.options ndots:{dots} (now {conf.ndots})"
            out.append(Advice(kind="ndots", queries_saved=gain, text=text))
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _with_ndots(conf: ResolvConf, text: str, ndots: int) -> ResolvConf:
    return conf.with_options(ndots=ndots, explicit=tuple(sorted({*conf.explicit, "ndots"})))
