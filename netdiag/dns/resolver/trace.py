"""Explain one lookup: which names a pod's resolver tries, what each returned,
who won, what it cost, and how to make it cheaper.

Pure. :func:`run` drives a resolver profile (:mod:`netdiag.dns.resolver.search`) against
any backend ``(name, rtype, nameserver) -> ZoneAnswer | None`` (``None`` = no
reply within the timeout); :func:`trace_name` is the stable entry point the
CLI, the TUI and capture use, with the cluster model as backend.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.dns.records import Target
from netdiag.dns.resolver.advice import Advice, advise
from netdiag.dns.resolver.driver import (
    Cost,
    Sender,
    TraceQuery,
    Zone,
    model_sender,
    run,
)
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.resolvconf import ResolvConf
from netdiag.dns.resolver.search import LookupResult
from netdiag.dns.resolver.tracememo import (
    Shadowed,
    conf_for,
    default_zone,
    resolve_pod,
    shadowed_services,
    snapshot_memo,
)
from netdiag.dns.zone.autopath import autopath_client

__all__ = [
    "Trace",
    "explain",
    "trace_name",
]


class Trace(NamedTuple):
    """One explained lookup.

    A NamedTuple (immutable, like the frozen dataclasses elsewhere) because one
    is built per explained lookup: a 15-field frozen dataclass costs ~4 µs to
    build (one ``object.__setattr__`` per field), a tenth of the whole lookup.
    """

    name: str
    resolver: str
    family: str
    rtype: str | None
    resolv_conf: ResolvConf
    #: Where the resolv.conf came from (kubelet policy, a file, …).
    origin: str
    queries: tuple[TraceQuery, ...]
    result: LookupResult
    target: Target | None
    shadowed: tuple[Shadowed, ...]
    cost: Cost
    advice: tuple[Advice, ...] = ()
    #: kubelet Events (``DNSConfigForming …``, ``MissingClusterDNS …``).
    warnings: tuple[str, ...] = ()
    #: What the profile ignored or read differently, and what the model assumed.
    notes: tuple[str, ...] = ()
    nameservers: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.result.resolved

    @property
    def winner(self) -> str | None:
        return self.result.winner


def _target_from_name(snapshot: ClusterSnapshot, winner: str) -> Target:
    domain = snapshot.dns.cluster_domain.strip(".").lower()
    labels = winner.lower().rstrip(".").split(".")
    tail = domain.split(".") if domain else []
    if tail and labels[-len(tail) :] == tail:
        head = labels[: -len(tail)]
        if len(head) >= 3 and head[-1] == "svc":
            return Target(kind="service", namespace=head[-2], name=head[-3])
        if len(head) >= 3 and head[-1] == "pod":
            return Target(kind="pod", namespace=head[-2], name=head[-3])
    return Target(kind="external", name=winner.rstrip("."))


def _target(
    snapshot: ClusterSnapshot,
    queries: tuple[TraceQuery, ...],
    result: LookupResult,
) -> Target | None:
    if not result.resolved or result.winner is None:
        return None
    for q in queries:
        if q.name == result.winner and q.target is not None and q.answers:
            return q.target
    return _target_from_name(snapshot, result.winner)


def explain(
    snapshot: ClusterSnapshot,
    name: str,
    conf: ResolvConf,
    send: Sender,
    *,
    resolver: str = "glibc",
    family: str = "unspec",
    rtype: str | None = None,
    origin: str = "",
    warnings: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
    nameservers: tuple[str, ...] | None = None,
    with_advice: bool = True,
    by_question: bool = False,
) -> Trace:
    """Run ``resolver`` for ``name`` against ``backend`` and explain the result.

    ``by_question``: ``send`` answers each (name, type) the same every time,
    whatever the nameserver (the model), so advice may count instead of re-run.
    """
    kw: dict[str, Any] = {"family": family, "rtype": rtype, "nameservers": nameservers}
    resolution = start(resolver, name, conf, **kw)
    queries, result, cost = run(resolution, send)
    target = _target(snapshot, queries, result)
    advice = (
        advise(
            resolver,
            name,
            conf,
            send,
            cost,
            result,
            queries=queries if by_question else None,
            **kw,
        )
        if with_advice
        else ()
    )
    return Trace(
        name=name,
        resolver=resolver,
        family=family,
        rtype=rtype.upper() if rtype else None,
        resolv_conf=conf,
        origin=origin,
        queries=queries,
        result=result,
        target=target,
        shadowed=shadowed_services(snapshot, name, target),
        cost=cost,
        advice=advice,
        warnings=warnings,
        notes=_notes(conf, resolution.config.notes, result.notes, notes),
        nameservers=resolution.config.nameservers,
    )


def _notes(conf: ResolvConf, *more: tuple[str, ...]) -> tuple[str, ...]:
    out = tuple([f"resolv.conf {p}" for p in conf.problems]) if conf.problems else ()
    for notes in more:
        if notes:
            out += notes
    return out


def trace_name(
    snapshot: ClusterSnapshot,
    name: str,
    *,
    namespace: str | None = None,
    pod: Pod | str | None = None,
    resolver: str = "glibc",
    family: str = "unspec",
    rtype: str | None = None,
    resolv_conf: ResolvConf | None = None,
    zone: Zone | None = None,
    send: Sender | None = None,
    nameservers: tuple[str, ...] | None = None,
    cache: bool = True,
) -> Trace:
    """The stable API: explain ``name`` looked up from ``pod`` / ``namespace``.

    ``zone`` defaults to the snapshot's cluster zone; ``send`` (for example
    :func:`netdiag.dns.resolver.live.send_batch`) replaces the model with real queries
    (then no advice is computed: it would send more queries). ``cache=False``
    computes the trace afresh and leaves the memo alone.
    """
    args = (snapshot, name, namespace, pod, resolver, family, rtype, resolv_conf)
    if send is not None:
        return _trace(*args, None, send, nameservers)
    # The model path is pure and every input immutable: memoise whole traces
    # (the TUI re-asks as you type, capture re-explains the same names).
    memo = snapshot_memo(snapshot)
    if zone is None:
        zone = memo.get("zone")
        if zone is None:
            zone = memo["zone"] = default_zone(snapshot)
    if not cache:
        return _trace(*args, zone, None, nameservers)
    key = (
        "trace",
        name,
        namespace,
        pod,
        resolver,
        family,
        rtype,
        resolv_conf,
        resolv_conf.text if resolv_conf else None,
        id(zone),
        nameservers,
    )
    hit = memo.get(key)
    if hit is not None and hit[0] is zone:
        return hit[1]  # type: ignore[no-any-return]
    trace = _trace(*args, zone, None, nameservers)
    if len(memo) > _TRACE_MEMO_LIMIT:
        memo.clear()
    memo[key] = (zone, trace)
    return trace


_TRACE_MEMO_LIMIT = 20_000


def _trace(
    snapshot: ClusterSnapshot,
    name: str,
    namespace: str | None,
    pod: Pod | str | None,
    resolver: str,
    family: str,
    rtype: str | None,
    resolv_conf: ResolvConf | None,
    zone: Zone | None,
    send: Sender | None,
    nameservers: tuple[str, ...] | None,
) -> Trace:
    conf, origin, warnings, ns = conf_for(
        snapshot, namespace=namespace, pod=pod, resolv_conf=resolv_conf
    )
    live = send is not None
    notes: tuple[str, ...] = ()
    if send is None:
        assert zone is not None
        client: str | None = None
        if getattr(zone, "autopath_configured", False):
            host_network = pod is not None and resolve_pod(snapshot, pod).host_network
            client, why = autopath_client(zone, conf, ns, host_network, resolv_conf is not None)
            notes = (why,)
        send = model_sender(zone, client)
        assumption = getattr(zone, "assumption", "")
        if assumption:
            notes = (*notes, f"assumed: {assumption}")
    return explain(
        snapshot,
        name,
        conf,
        send,
        resolver=resolver,
        family=family,
        rtype=rtype,
        origin=origin,
        warnings=warnings,
        notes=notes,
        nameservers=nameservers,
        with_advice=not live,
        by_question=not live,
    )
