"""Explain one lookup: which names a pod's resolver tries, what each returned,
who won, what it cost, and how to make it cheaper.

Pure. :func:`run` drives a resolver profile (:mod:`netdiag.dns.search`) against
any backend ``(name, rtype, nameserver) -> ZoneAnswer | None`` (``None`` = no
reply within the timeout); :func:`trace_name` is the stable entry point the
CLI, the TUI and capture use, with the cluster model as backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.dns.kubelet import namespace_pod, pod_resolv_conf
from netdiag.dns.profiles import ProfileConfig
from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer
from netdiag.dns.resolvconf import ResolvConf
from netdiag.dns.search import Batch, LookupResult, Replies, Resolution, start
from netdiag.errors import InputError

Backend = Callable[[str, str, str], ZoneAnswer | None]
#: Sends one batch (queries a library puts on the wire together) and returns the replies.
Sender = Callable[[Batch, ProfileConfig], Replies]


class Zone(Protocol):
    def query(self, name: str, rtype: str) -> ZoneAnswer: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceQuery:
    """One query as sent, with what came back."""

    name: str
    type: str
    nameserver: str
    attempt: int
    #: Index of the round trip (queries sent together share it).
    round: int
    rcode: Rcode
    answers: tuple[Record, ...] = ()
    tcp: bool = False
    #: What the cluster model says the reply names (service, pod, external).
    target: Target | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cost:
    queries: int
    nxdomains: int
    round_trips: int
    timeouts: int = 0
    #: Seconds spent waiting for replies that never came (timeouts).
    waited_seconds: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Shadowed:
    """A Service with the same short name in another namespace."""

    namespace: str
    name: str
    fqdn: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Advice:
    kind: str  # "trailing-dot" | "ndots" | "fqdn"
    text: str
    queries_saved: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Trace:
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


def per_query(backend: Backend) -> Sender:
    """A :data:`Sender` asking ``backend`` one query at a time."""

    def send(batch: Batch, config: ProfileConfig) -> Replies:
        return tuple(backend(q.name, q.rtype, q.nameserver) for q in batch)

    return send


def run(resolution: Resolution, send: Sender) -> tuple[tuple[TraceQuery, ...], LookupResult, Cost]:
    """Drive ``resolution`` to the end, ``send`` answering each batch."""
    out: list[TraceQuery] = []
    timeouts = 0
    waited = 0.0
    rnd = 0
    while (batch := resolution.next_batch()) is not None:
        replies = send(batch, resolution.config)
        if any(r is None for r in replies):
            waited += resolution.config.timeout
        for q, r in zip(batch, replies, strict=True):
            if r is None:
                timeouts += 1
            out.append(
                TraceQuery(
                    name=q.name,
                    type=q.rtype,
                    nameserver=q.nameserver,
                    attempt=q.attempt,
                    round=rnd,
                    rcode=Rcode.TIMEOUT if r is None else r.rcode,
                    answers=() if r is None else r.answers,
                    tcp=q.tcp,
                )
            )
        resolution.feed(replies)
        rnd += 1
    assert resolution.result is not None
    cost = Cost(
        queries=len(out),
        nxdomains=sum(1 for q in out if q.rcode is Rcode.NXDOMAIN),
        round_trips=rnd,
        timeouts=timeouts,
        waited_seconds=waited,
    )
    return tuple(out), resolution.result, cost


_CACHES: dict[int, tuple[object, dict[tuple[str, str], ZoneAnswer]]] = {}


def model_backend(zone: Zone) -> Backend:
    """The cluster model as a backend; answers are memoised per zone (it is immutable)."""
    entry = _CACHES.get(id(zone))
    if entry is None or entry[0] is not zone:
        if len(_CACHES) >= 8:
            _CACHES.pop(next(iter(_CACHES)))
        entry = (zone, {})
        _CACHES[id(zone)] = entry
    cache = entry[1]
    query = zone.query

    def backend(name: str, rtype: str, nameserver: str) -> ZoneAnswer | None:
        key = (name.lower(), rtype)
        answer = cache.get(key)
        if answer is None:
            answer = cache[key] = query(name, rtype)
        # A modelled fault "TIMEOUT" means the server never replies.
        return None if answer.rcode is Rcode.TIMEOUT else answer

    return backend


def _resolve_pod(snapshot: ClusterSnapshot, pod: Pod | str) -> Pod:
    if isinstance(pod, Pod):
        return pod
    ns, sep, name = pod.partition("/")
    if not sep or not ns or not name:
        raise InputError(f"--pod {pod!r}: expected NAMESPACE/POD")
    found = snapshot.pod(ns, name)
    if found is None:
        raise InputError(f"pod {ns}/{name} not found in the snapshot")
    return found


def conf_for(
    snapshot: ClusterSnapshot,
    *,
    namespace: str | None = None,
    pod: Pod | str | None = None,
    resolv_conf: ResolvConf | None = None,
) -> tuple[ResolvConf, str, tuple[str, ...], str]:
    """(resolv.conf, origin, kubelet warnings, namespace) for a question."""
    if resolv_conf is not None:
        return resolv_conf, "given resolv.conf", (), namespace or "default"
    target = (
        _resolve_pod(snapshot, pod) if pod is not None else namespace_pod(namespace or "default")
    )
    generated = pod_resolv_conf(snapshot, target)
    who = f"pod {target.key}" if target.name else f"a ClusterFirst pod in {target.namespace}"
    return generated.resolv_conf, f"{who}: {generated.origin}", generated.warnings, target.namespace


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


def shadowed_services(
    snapshot: ClusterSnapshot, name: str, target: Target | None
) -> tuple[Shadowed, ...]:
    """Services named like the first label, in namespaces the answer is not from."""
    short = name.split(".")[0].lower()
    domain = snapshot.dns.cluster_domain.strip(".")
    out = []
    for svc in snapshot.services:
        if svc.name.lower() != short:
            continue
        if (
            target
            and target.kind == "service"
            and (target.namespace, target.name) == (svc.namespace, svc.name)
        ):
            continue
        fqdn = f"{svc.name}.{svc.namespace}.svc.{domain}."
        out.append(Shadowed(namespace=svc.namespace, name=svc.name, fqdn=fqdn))
    return tuple(sorted(out, key=lambda s: (s.namespace, s.name)))


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
    """Concrete changes and the queries each saves (measured by re-running the profile)."""
    if not result.resolved or result.winner is None or name.endswith("."):
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
                conf.with_options(ndots=dots, explicit=tuple(sorted({*conf.explicit, "ndots"}))),
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
) -> Trace:
    """Run ``resolver`` for ``name`` against ``backend`` and explain the result."""
    kw: dict[str, Any] = {"family": family, "rtype": rtype, "nameservers": nameservers}
    resolution = start(resolver, name, conf, **kw)
    queries, result, cost = run(resolution, send)
    target = _target(snapshot, queries, result)
    advice = advise(resolver, name, conf, send, cost, result, **kw) if with_advice else ()
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
        notes=resolution.config.notes + result.notes + notes,
        nameservers=resolution.config.nameservers,
    )


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
) -> Trace:
    """The stable API: explain ``name`` looked up from ``pod`` / ``namespace``.

    ``zone`` defaults to the snapshot's cluster zone; ``send`` (for example
    :func:`netdiag.dns.live.send_batch`) replaces the model with real queries
    (then no advice is computed: it would send more queries).
    """
    conf, origin, warnings, _ns = conf_for(
        snapshot, namespace=namespace, pod=pod, resolv_conf=resolv_conf
    )
    live = send is not None
    notes: tuple[str, ...] = ()
    if send is None:
        if zone is None:
            from netdiag.dns.zone import ClusterZone

            zone = ClusterZone(snapshot)
        send = per_query(model_backend(zone))
        assumption = getattr(zone, "assumption", "")
        if assumption:
            notes = (f"assumed: {assumption}",)
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
    )
