"""Name-resolution changes between two snapshots, per namespace and resolver setup.

The names asked: every Service of either snapshot by its short name (``db``) and
``name.namespace`` (``db.shop``), and every external name of the upstream zone
(``baidu.com``). The askers: the pods present in both snapshots (a workload whose pods the
change replaced is paired with its new pods), grouped by namespace and by the
resolv.conf kubelet gives them on each side (dnsPolicy, dnsConfig, ndots), plus a
ClusterFirst pod for each namespace without pods.
Each name is traced (:func:`netdiag.dns.resolver.trace.trace_name`, the walk the resolver
really does) from one pod of each group on both sides, and the outcomes
compared: a Service that now shadows an external or cross-namespace name (the
search path reaches it first), the winning candidate moving, a name that stops
(or starts) resolving, different addresses, or only a different number of
queries (ndots, search domains). A name is re-traced only when the group's
resolv.conf changed or one of its labels is the name or namespace of a Service
(or a namespace) whose records changed — nothing else can change its walk.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.dns.resolver.driver import Zone
from netdiag.dns.resolver.trace import Trace, trace_name
from netdiag.dns.resolver.tracememo import conf_for, default_zone

#: Report order of the kinds of change.
KINDS = ("shadowed", "stopped-resolving", "started-resolving", "winner-moved", "addresses", "cost")
#: At most this many names are compared (Services of both sides, then external names).
MAX_NAMES = 20_000
#: At most this many (group, name) pairs are traced per side; the rest is reported as skipped.
MAX_TRACES = 200_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a lookup came to, as compared: resolved, winning candidate, target, addresses, cost."""

    resolved: bool
    winner: str | None
    target: str | None
    addresses: tuple[str, ...]
    queries: int

    def text(self) -> str:
        if not self.resolved:
            return f"does not resolve ({self.queries} queries)"
        what = f" ({self.target})" if self.target else ""
        addrs = ", ".join(self.addresses) or "no address"
        return f"{self.winner}{what} -> {addrs} ({self.queries} queries)"


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsChange:
    kind: str
    name: str
    #: Namespaces whose lookups of ``name`` changed this way.
    namespaces: tuple[str, ...]
    #: Their pods that look it up this way (a namespace without pods adds none).
    pods: tuple[str, ...]
    before: Outcome
    after: Outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsDiff:
    changes: tuple[DnsChange, ...]
    names: int
    groups: int
    traced: int
    notes: tuple[str, ...] = ()


def outcome(trace: Trace) -> Outcome:
    t = trace.target
    target = None
    if t is not None:
        target = t.kind if t.kind == "external" else f"{t.kind} {t.namespace}/{t.name}"
    addresses = sorted({r.data for r in trace.result.records if r.type in ("A", "AAAA")})
    return Outcome(
        resolved=trace.resolved,
        winner=trace.winner,
        target=target,
        addresses=tuple(addresses),
        queries=trace.cost.queries,
    )


def classify(before: Outcome, after: Outcome) -> str:
    if before.resolved and not after.resolved:
        return "stopped-resolving"
    if after.resolved and not before.resolved:
        return "started-resolving"
    if before.winner != after.winner or before.target != after.target:
        # Trap: a Service reached earlier on the search path than what answered before.
        if after.target is not None and after.target.startswith("service"):
            return "shadowed"
        return "winner-moved"
    if before.addresses != after.addresses:
        return "addresses"
    return "cost"


def _service_names(snaps: Iterable[ClusterSnapshot]) -> list[str]:
    names: dict[str, None] = {}
    for snap in snaps:
        for svc in snap.services:
            names.setdefault(svc.name)
            names.setdefault(f"{svc.name}.{svc.namespace}")
    return sorted(names)


def external_names(zone: Zone) -> list[str]:
    """Owner names with address or alias records in the zone's upstream, if it has one."""
    upstream = getattr(zone, "upstream", None)
    records = getattr(upstream, "records", None) or {}
    out = []
    for owner, recs in records.items():
        if any(r.type in ("A", "AAAA", "CNAME") for r in recs) and "*" not in owner:
            out.append(owner.rstrip("."))
    return sorted(out)


def _changed_labels(old: ClusterSnapshot, new: ClusterSnapshot) -> set[str]:
    """Names and namespaces of Services whose records may differ, and changed namespaces."""

    def services(s: ClusterSnapshot) -> dict[tuple[str, str], object]:
        slices: dict[tuple[str, str], list[object]] = {}
        for sl in s.endpoint_slices:
            slices.setdefault((sl.namespace, sl.service_name or ""), []).append(sl)
        return {(v.namespace, v.name): (v, slices.get((v.namespace, v.name))) for v in s.services}

    a, b = services(old), services(new)
    out: set[str] = set()
    for key in set(a) | set(b):
        if a.get(key) != b.get(key):
            out.update(k.lower() for k in key)
    ns_a = {n.name for n in old.namespaces}
    ns_b = {n.name for n in new.namespaces}
    out.update(n.lower() for n in ns_a ^ ns_b)
    return out


def _pairs(old: ClusterSnapshot, new: ClusterSnapshot) -> list[tuple[Pod, Pod]]:
    """Each pod of ``old`` with its counterpart in ``new``: the same pod, or — for a
    workload whose pods were replaced (a new template rolls out new pods) — the
    first new pod of the same workload."""
    after = {p.key: p for p in new.pods}
    out: list[tuple[Pod, Pod]] = []
    rolled: dict[tuple[str, str, str], list[Pod]] = {}
    for pod in sorted(new.pods, key=lambda p: p.key):
        if pod.owner is not None:
            rolled.setdefault((pod.namespace, pod.owner.kind, pod.owner.name), []).append(pod)
    for pod in sorted(old.pods, key=lambda p: p.key):
        twin = after.get(pod.key)
        if twin is None and pod.owner is not None:
            same = rolled.get((pod.namespace, pod.owner.kind, pod.owner.name))
            twin = same[0] if same else None
        if twin is not None:
            out.append((pod, twin))
    return out


def _groups(
    old: ClusterSnapshot, new: ClusterSnapshot
) -> dict[tuple[str, str, str], tuple[list[str], Pod | None, Pod | None]]:
    """(namespace, resolv.conf before, after) -> (pods, a pod before, the pod after)."""
    out: dict[tuple[str, str, str], tuple[list[str], Pod | None, Pod | None]] = {}
    for pod, twin in _pairs(old, new):
        conf_a = conf_for(old, pod=pod)[0].text
        conf_b = conf_for(new, pod=twin)[0].text
        key = (pod.namespace, conf_a, conf_b)
        if key not in out:
            out[key] = ([], pod, twin)
        out[key][0].append(pod.key)
    with_pods = {k[0] for k in out}
    both = {n.name for n in old.namespaces} & {n.name for n in new.namespaces}
    for ns in sorted(both - with_pods):
        a, b = conf_for(old, namespace=ns)[0].text, conf_for(new, namespace=ns)[0].text
        out[(ns, a, b)] = ([], None, None)
    return out


def diff_dns(
    old: ClusterSnapshot,
    new: ClusterSnapshot,
    *,
    zones: tuple[Zone, Zone] | None = None,
    names: Sequence[str] | None = None,
    resolver: str = "glibc",
    max_traces: int = MAX_TRACES,
    namespaces: Sequence[str] = (),
) -> DnsDiff:
    """Every (namespace, resolver setup, name) whose lookup comes out differently;
    ``namespaces`` limits the askers (all when empty)."""
    zone_a, zone_b = zones or (default_zone(old), default_zone(new))
    notes: list[str] = []
    if names is None:
        externals = sorted(set(external_names(zone_a)) | set(external_names(zone_b)))
        names = _service_names((old, new)) + externals
    names = list(dict.fromkeys(n.lower().rstrip(".") for n in names if n.strip(".")))
    if len(names) > MAX_NAMES:
        notes.append(f"only the first {MAX_NAMES} of {len(names)} names were compared")
        names = list(names)[:MAX_NAMES]
    labels = _changed_labels(old, new)
    same_dns = old.dns == new.dns
    groups = _groups(old, new)
    if namespaces:
        groups = {k: v for k, v in groups.items() if k[0] in namespaces}
    traced = 0
    found: dict[tuple[str, str, Outcome, Outcome], tuple[set[str], set[str]]] = {}
    for (ns, conf_a, conf_b), (pods, pod_a, pod_b) in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[1][0][:1])
    ):
        every = conf_a != conf_b or not same_dns
        for name in names:
            if not every and not labels.intersection(name.lower().split(".")):
                continue
            if traced >= max_traces:
                break
            traced += 1
            before = outcome(_trace(old, name, ns, pod_a, zone_a, resolver))
            after = outcome(_trace(new, name, ns, pod_b, zone_b, resolver))
            if before != after:
                where = found.setdefault(
                    (classify(before, after), name, before, after), (set(), set())
                )
                where[0].add(ns)
                where[1].update(pods)
    if traced >= max_traces:
        notes.append(f"stopped after {max_traces} traced lookups per side")
    changes = [
        DnsChange(
            kind=k,
            name=name,
            namespaces=tuple(sorted(nss)),
            pods=tuple(sorted(pods)),
            before=b,
            after=a,
        )
        for (k, name, b, a), (nss, pods) in found.items()
    ]
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.name, c.namespaces, c.before.text()))
    return DnsDiff(
        changes=tuple(changes),
        names=len(names),
        groups=len(groups),
        traced=traced,
        notes=tuple(notes),
    )


def _trace(
    snap: ClusterSnapshot, name: str, ns: str, pod: Pod | None, zone: Zone, resolver: str
) -> Trace:
    if pod is None:
        return trace_name(snap, name, namespace=ns, zone=zone, resolver=resolver)
    return trace_name(snap, name, pod=pod, zone=zone, resolver=resolver)
