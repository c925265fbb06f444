"""Concrete advice for a lookup, each with the queries it saves.

Pure. Every saving is measured, not estimated: the same resolver profile is
re-run with the change applied (a trailing dot, a lower ``ndots`` through the
pod's ``dnsConfig``, the FQDN that answered) against the same backend.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, replace
from typing import Any

from netdiag.dns.resolver.driver import Cost, Sender, TraceQuery, run
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.profiles import config_for
from netdiag.dns.resolver.resolvconf import ResolvConf
from netdiag.dns.resolver.search import LookupResult, validate_name

_NAME = operator.itemgetter(0)  # TraceQuery.name


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
    *,
    queries: tuple[TraceQuery, ...] | None = None,
    **kw: Any,
) -> tuple[Advice, ...]:
    """Concrete changes and the queries each saves (measured by re-running the profile).

    When only the winning candidate was asked (``result.candidates`` has one
    entry), nothing can be saved: any change still asks that candidate.

    ``queries`` (the main run's, given only when ``backend`` answers each
    ``(name, type)`` the same every time, whatever the nameserver: the model)
    lets the re-runs be counted instead: see :func:`_derived`.
    """
    winner = result.winner
    if not result.resolved or winner is None or name.endswith("."):
        return ()
    if len(result.candidates) == 1:
        return ()
    spent = trace_cost.queries
    # Asked of the winner in the main run: what a variant asking it first costs
    # (see _derived), counted once for every variant.
    on_winner = list(map(_NAME, queries)).count(winner) if queries is not None else None

    def saved(lookup: str, with_conf: ResolvConf) -> int:
        n = _derived(resolver, lookup, conf, with_conf, on_winner, kw.get("nameservers"))
        if n is None:
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


def _derived(
    resolver: str,
    lookup: str,
    conf: ResolvConf,
    with_conf: ResolvConf,
    on_winner: int | None,
    nameservers: tuple[str, ...] | None,
) -> int | None:
    """The re-run's query count read off the main run (``on_winner``: the
    queries it sent for the winner), or ``None`` to re-run.

    Every variant advised here asks the winning candidate first and alone
    (``lookup`` is the winner with its dot, or the name under an ``ndots`` it
    meets: glibc ``__res_context_search`` tries the absolute name first, musl
    drops the search list, Go ``nameList`` puts it first). Each profile asks
    one candidate through one sub-generator (glibc ``_send``, musl ``msend``,
    Go ``_try_names``) whose queries depend only on the settings and the
    replies, never on earlier candidates except for the server order (rotate).
    With a backend that answers by (name, type) alone, the re-run therefore
    sends exactly the main run's queries for the winner, and the winner
    answers again. The settings must be equal apart from ``ndots``, which must
    make the name absolute-first; otherwise the profile is re-run.
    """
    if on_winner is None:
        return None
    validate_name(lookup)  # what start() would check (and raise) on a re-run
    if with_conf is not conf and not _same_but_ndots(
        resolver, conf, conf.text, with_conf, with_conf.text, lookup.count("."), nameservers
    ):
        return None
    return on_winner


@functools.lru_cache(maxsize=256)
def _same_but_ndots(
    resolver: str,
    conf: ResolvConf,
    text: str,
    with_conf: ResolvConf,
    with_text: str,
    dots: int,
    nameservers: tuple[str, ...] | None,
) -> bool:
    before = config_for(resolver, conf, nameservers=nameservers)
    after = config_for(resolver, with_conf, nameservers=nameservers)
    return after.ndots <= dots and replace(after, ndots=before.ndots, notes=before.notes) == before
