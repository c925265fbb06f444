"""``domainNames`` peers: the addresses the cluster DNS model answers for each name. Pure.

NPEP-133 (kubernetes-sigs/network-policy-api ``npeps/npep-133-fqdn-egress-selector.md``)
and the ``domainNames`` field doc of ClusterNetworkPolicyEgressPeer:

* an entry is an exact name, or ``*.`` followed by a name, where ``*`` matches
  one or more whole labels (``*.kubernetes.io`` matches ``blog.kubernetes.io``
  and ``a.b.kubernetes.io``, never ``kubernetes.io``); a trailing dot is allowed;
* the peer matches the IPs a DNS answer for a matching name holds (a CNAME chain
  counts within one response);
* pod records and headless Services are supported; a ClusterIP or ExternalName
  Service name never matches.

The answers come from :class:`netdiag.dns.zone.ClusterZone` (the CoreDNS model
plus the upstream zone, if one was given), never from a table of our own.
Wildcards can only be expanded over names the model knows: the upstream zone's
owner names and the cluster's headless Services and their endpoint hostnames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from netdiag.cluster.model import ClusterSnapshot, Service

if TYPE_CHECKING:
    from netdiag.dns.upstream import UpstreamZone
    from netdiag.dns.zone import ClusterZone


def _absolute(name: str) -> str:
    return name.lower().rstrip(".") + "."


def domain_matches(pattern: str, name: str) -> bool:
    """``pattern`` (exact or ``*.suffix``) matches the absolute or relative ``name``."""
    p, n = _absolute(pattern), _absolute(name)
    if p.startswith("*."):
        suffix = p[1:]  # ".example.com."
        return n.endswith(suffix) and len(n) > len(suffix)
    return p == n


def known_names(snapshot: ClusterSnapshot, upstream: UpstreamZone | None) -> list[str]:
    """Every name a wildcard can expand to: upstream owners, headless Services and
    their endpoints' hostnames (``host.svc.ns.svc.<domain>``)."""
    names: list[str] = list(upstream.records) if upstream is not None else []
    domain = snapshot.dns.cluster_domain.rstrip(".")
    for svc in snapshot.services:
        if not svc.headless:
            continue
        base = f"{svc.name}.{svc.namespace}.svc.{domain}."
        names.append(base)
        for sl in snapshot.slices_for(svc):
            names.extend(f"{ep.hostname}.{base}" for ep in sl.endpoints if ep.hostname)
    return sorted(set(names))


def resolve_domains(
    snapshot: ClusterSnapshot,
    patterns: Iterable[str],
    upstream: UpstreamZone | None = None,
    zone: ClusterZone | None = None,
) -> dict[str, tuple[tuple[str, str], ...]]:
    """``pattern -> ((name, address), …)``: what the DNS model answers for each pattern.

    ``zone`` defaults to the snapshot's cluster zone over ``upstream``.
    """
    wanted = sorted(set(patterns))
    if not wanted:
        return {}
    if zone is None:
        from netdiag.dns.zone import ClusterZone

        zone = ClusterZone(snapshot, upstream)
    services = {(s.namespace, s.name): s for s in snapshot.services}
    known: list[str] | None = None
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for pattern in wanted:
        if pattern.startswith("*."):
            if known is None:
                known = known_names(snapshot, upstream)
            names = [n for n in known if domain_matches(pattern, n)]
        else:
            names = [_absolute(pattern)]
        found: dict[tuple[str, str], None] = {}
        for name in names:
            for address in _addresses(zone, name, services):
                found[(name.rstrip("."), address)] = None
        out[pattern] = tuple(found)
    return out


def _addresses(
    zone: ClusterZone, name: str, services: Mapping[tuple[str, str], Service]
) -> list[str]:
    out: list[str] = []
    for rtype in ("A", "AAAA"):
        answer = zone.query(name, rtype)
        target = answer.target
        if target is not None and target.kind == "service":
            svc = services.get((target.namespace or "", target.name or ""))
            # NPEP-133: ClusterIP and ExternalName Service names never match.
            if svc is None or not svc.headless:
                continue
        out.extend(r.data for r in answer.answers if r.type == rtype)
    return out
