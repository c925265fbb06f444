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
    if not result.resolved or result.winner is None or name.endswith("."):
        return ()
    if len(result.candidates) == 1:
        return ()
    out: list[Advice] = []
    absolute = name + "."
    if result.winner.lower() == absolute.lower():
        n = _count(resolver, absolute, conf, backend, **kw)
        if 0 <= n < trace_cost.queries:
            out.append(
                Advice(
                    kind="trailing-dot",
                    queries_saved=trace_cost.queries - n,
                    text=f"write the name with a trailing dot: {absolute}",
                )
            )
        dots = name.count(".")
        if 0 < dots < conf.ndots:
            n = _count(
                resolver,
                name,
                _with_ndots(conf, conf.text, dots),
                backend,
                **kw,
            )
            if 0 <= n < trace_cost.queries:
                out.append(
                    Advice(
                        kind="ndots",
                        queries_saved=trace_cost.queries - n,
                        text=f"set the pod's dnsConfig.options ndots:{dots} (now {conf.ndots})",
                    )
                )
    else:
        n = _count(resolver, result.winner, conf, backend, **kw)
        if 0 <= n < trace_cost.queries:
            out.append(
                Advice(
                    kind="fqdn",
                    queries_saved=trace_cost.queries - n,
                    text=f"use the FQDN with a trailing dot: {result.winner}",
                )
            )
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _with_ndots(conf: ResolvConf, text: str, ndots: int) -> ResolvConf:
    return conf.with_options(ndots=ndots, explicit=tuple(sorted({*conf.explicit, "ndots"})))
