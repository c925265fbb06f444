"""What a trace needs besides the resolver run: the per-snapshot memo, the
resolv.conf a question's pod gets, the Services its short name shadows, and the
snapshot's default zone.

Pure: the inputs :func:`netdiag.dns.resolver.trace.trace_name` consumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.dns.records import Target
from netdiag.dns.resolver.driver import Zone
from netdiag.dns.resolver.kubelet import namespace_pod, pod_resolv_conf
from netdiag.dns.resolver.resolvconf import ResolvConf
from netdiag.errors import InputError
from netdiag.memo import IdentityMemo


@dataclass(frozen=True, slots=True, kw_only=True)
class Shadowed:
    """A Service with the same short name in another namespace."""

    namespace: str
    name: str
    fqdn: str


def resolve_pod(snapshot: ClusterSnapshot, pod: Pod | str) -> Pod:
    if isinstance(pod, Pod):
        return pod
    ns, sep, name = pod.partition("/")
    if not sep or not ns or not name:
        raise InputError(f"--pod {pod!r}: expected NAMESPACE/POD")
    found = snapshot.pod(ns, name)
    if found is None:
        raise InputError(f"pod {ns}/{name} not found in the snapshot")
    return found


_MEMO: IdentityMemo[dict[object, Any]] = IdentityMemo(8)


def snapshot_memo(snapshot: ClusterSnapshot) -> dict[object, Any]:
    """Per-snapshot memo (snapshots are immutable), for the last few snapshots."""
    return _MEMO.get(snapshot, dict)


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
    memo = snapshot_memo(snapshot)
    key = ("conf", namespace, pod)
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = _generate(snapshot, namespace, pod)
    return hit


def _generate(
    snapshot: ClusterSnapshot, namespace: str | None, pod: Pod | str | None
) -> tuple[ResolvConf, str, tuple[str, ...], str]:
    target = (
        resolve_pod(snapshot, pod) if pod is not None else namespace_pod(namespace or "default")
    )
    generated = pod_resolv_conf(snapshot, target)
    who = f"pod {target.key}" if target.name else f"a ClusterFirst pod in {target.namespace}"
    return generated.resolv_conf, f"{who}: {generated.origin}", generated.warnings, target.namespace


def shadowed_services(
    snapshot: ClusterSnapshot, name: str, target: Target | None
) -> tuple[Shadowed, ...]:
    """Services named like the first label, in namespaces the answer is not from."""
    short = name.split(".")[0].lower()
    answered = (target.namespace, target.name) if target and target.kind == "service" else None
    memo = snapshot_memo(snapshot)
    done: dict[tuple[str, object], tuple[Shadowed, ...]] | None = memo.get("shadowed")
    if done is None or len(done) > _SHADOWED_LIMIT:
        done = memo["shadowed"] = {}
    hit = done.get((short, answered))
    if hit is None:
        hit = done[(short, answered)] = _shadowed(snapshot, memo, short, target)
    return hit


#: Entries of the per-snapshot ``shadowed_services`` memo before it starts over.
_SHADOWED_LIMIT = 4096


def _shadowed(
    snapshot: ClusterSnapshot, memo: dict[object, Any], short: str, target: Target | None
) -> tuple[Shadowed, ...]:
    domain = snapshot.dns.cluster_domain.strip(".")
    by_name = memo.get("services")
    if by_name is None:
        by_name = memo["services"] = {}
        for svc in snapshot.services:
            by_name.setdefault(svc.name.lower(), []).append(svc)
    out = []
    for svc in by_name.get(short, ()):
        if (
            target
            and target.kind == "service"
            and (target.namespace, target.name) == (svc.namespace, svc.name)
        ):
            continue
        fqdn = f"{svc.name}.{svc.namespace}.svc.{domain}."
        out.append(Shadowed(namespace=svc.namespace, name=svc.name, fqdn=fqdn))
    return tuple(sorted(out, key=lambda s: (s.namespace, s.name)))


def default_zone(snapshot: ClusterSnapshot) -> Zone:
    """The snapshot's cluster zone with no upstream: names outside the cluster
    domain do not exist (``ClusterZone.assumption``). Front doors pass the zone
    their source defines (:meth:`netdiag.app.session.Session.zone`)."""
    from netdiag.dns.zone.cluster import ClusterZone

    return ClusterZone(snapshot)
