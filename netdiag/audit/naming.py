"""Name-resolution hazards that follow from object names alone.

Search-path expansion (``<ns>.svc.<zone> svc.<zone> <zone>``) lets cluster
objects capture names their authors never meant to serve: a namespace named
like a TLD captures ``<service>.<tld>`` for every pod (kubernetes/kubernetes
#60534); a namespace ``svc`` collides with the zone's own structure
(CVE-2022-2835); ExternalName services that point at IPs, at missing in-cluster
names or at each other break in CoreDNS (coredns/coredns #2324, #6088).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.model import Service

SHARED_SHORT_NAME = Check(
    id="ND-DNS-001",
    severity=Severity.WARNING,
    title="Service short name exists in several namespaces",
    help="The short name resolves to a different service depending on the client's namespace.",
)
TLD_NAMESPACE = Check(
    id="ND-DNS-002",
    severity=Severity.ERROR,
    title="Namespace named like a top-level domain or a zone keyword",
    help="Its services capture external names through the pods' search path.",
)
SERVICE_NAMED_LIKE_NAMESPACE = Check(
    id="ND-DNS-003",
    severity=Severity.WARNING,
    title="Service named like a namespace",
    help="`<name>.svc.<zone>` means the namespace; the short name is ambiguous.",
)
EXTERNALNAME_BROKEN = Check(
    id="ND-DNS-004",
    severity=Severity.ERROR,
    title="ExternalName service that cannot resolve",
    help="An IP, a missing in-cluster target or a loop: CoreDNS answers NXDOMAIN/NODATA.",
)
CHECKS = (SHARED_SHORT_NAME, TLD_NAMESPACE, SERVICE_NAMED_LIKE_NAMESPACE, EXTERNALNAME_BROKEN)

#: Generic TLDs and the country codes most often seen in cluster names, plus the
#: labels CoreDNS's kubernetes plugin gives meaning to.
HAZARDOUS_NAMESPACE_NAMES = frozenset(
    "com net org io dev app ai co cloud info biz edu gov mil int local internal lan "
    "home corp test example localhost online site tech xyz me tv us uk de fr cn jp "
    "ru in br au ca nl eu svc pod cluster".split()
)


def run(ctx: AuditContext) -> Iterator[Finding]:
    yield from _shared_short_names(ctx)
    yield from _hazardous_namespaces(ctx)
    yield from _services_named_like_namespaces(ctx)
    yield from _external_names(ctx)


def _shared_short_names(ctx: AuditContext) -> Iterator[Finding]:
    domain = ctx.snapshot.dns.cluster_domain
    by_name: dict[str, list[Service]] = defaultdict(list)
    for svc in ctx.snapshot.services:
        by_name[svc.name].append(svc)
    client_namespaces = sorted({p.namespace for p in ctx.pods()})
    for name, services in sorted(by_name.items()):
        if len(services) < 2 or not any(ctx.in_scope(s.namespace) for s in services):
            continue
        homes = sorted(s.namespace for s in services)
        fqdns = tuple(f"{name}.{ns}.svc.{domain}" for ns in homes)
        lands = tuple(_lands(ctx, name, ns) for ns in client_namespaces)
        yield Finding(
            check=SHARED_SHORT_NAME,
            message=f"short name {name!r} is a Service in {len(homes)} namespaces: "
            + ", ".join(homes),
            objects=tuple(f"Service {ns}/{name}" for ns in homes),
            evidence=fqdns + lands,
            fix="Address cross-namespace services by FQDN with a trailing dot "
            f"(e.g. {fqdns[-1]}.), and isolate namespaces with NetworkPolicies.",
            origins=tuple(s.origin for s in services),
        )


def _lands(ctx: AuditContext, name: str, namespace: str) -> str:
    """Where the short name lands for a ClusterFirst pod of ``namespace`` (glibc, traced)."""
    from netdiag.dns.resolver.trace import trace_name

    trace = trace_name(ctx.snapshot, name, namespace=namespace, zone=ctx.zone)
    target = trace.target
    if trace.resolved and target is not None and target.kind == "service":
        return f"pods in {namespace}: {name!r} -> service {target.namespace}/{target.name}"
    if trace.resolved:
        return f"pods in {namespace}: {name!r} -> {trace.winner} (outside the cluster)"
    return f"pods in {namespace}: {name!r} does not resolve ({trace.cost.queries} queries)"


def _hazardous_namespaces(ctx: AuditContext) -> Iterator[Finding]:
    domain = ctx.snapshot.dns.cluster_domain
    for ns in ctx.snapshot.namespaces:
        if ns.name not in HAZARDOUS_NAMESPACE_NAMES or not ctx.in_scope(ns.name):
            continue
        captured = sorted(s.name for s in ctx.snapshot.services if s.namespace == ns.name)
        evidence = tuple(
            f"{svc}.{ns.name} (< ndots dots) is tried as {svc}.{ns.name}.svc.{domain} "
            "before the real name"
            for svc in captured
        ) or (f"any future Service in {ns.name} captures <service>.{ns.name}",)
        yield Finding(
            check=TLD_NAMESPACE,
            message=f"namespace {ns.name!r} is named like a top-level domain or zone keyword",
            objects=(f"Namespace {ns.name}",),
            evidence=evidence,
            fix="Rename the namespace (e.g. prefix it with the team or product name).",
            origins=(ns.origin,),
        )


def _services_named_like_namespaces(ctx: AuditContext) -> Iterator[Finding]:
    namespaces = {ns.name for ns in ctx.snapshot.namespaces}
    for svc in ctx.snapshot.services:
        if svc.name not in namespaces or not ctx.in_scope(svc.namespace):
            continue
        yield Finding(
            check=SERVICE_NAMED_LIKE_NAMESPACE,
            message=f"Service {svc.key} has the name of namespace {svc.name!r}",
            objects=(f"Service {svc.key}", f"Namespace {svc.name}"),
            evidence=(
                f"{svc.name}.svc.{ctx.snapshot.dns.cluster_domain} names the namespace "
                f"(NODATA), which stops musl's search walk",
            ),
            fix="Rename the Service or address it by FQDN.",
            origins=(svc.origin,),
        )


def _external_names(ctx: AuditContext) -> Iterator[Finding]:
    targets = {
        (s.namespace, s.name): s.external_name.rstrip(".").lower()
        for s in ctx.snapshot.services
        if s.type == "ExternalName"
    }
    for (namespace, name), target in sorted(targets.items()):
        if not ctx.in_scope(namespace):
            continue
        problem = _external_name_problem(ctx, namespace, name, targets)
        if problem is None:
            continue
        svc = ctx.snapshot.service(namespace, name)
        yield Finding(
            check=EXTERNALNAME_BROKEN,
            message=f"ExternalName Service {namespace}/{name} -> {target!r}: {problem}",
            objects=(f"Service {namespace}/{name}",),
            evidence=(f"spec.externalName: {target}",),
            fix="Point externalName at a DNS name that exists (a Service without selector "
            "plus EndpointSlice handles IPs).",
            origins=(svc.origin if svc else "",),
        )


def _external_name_problem(
    ctx: AuditContext, namespace: str, name: str, targets: dict[tuple[str, str], str]
) -> str | None:
    target = targets[(namespace, name)]
    try:
        ipaddress.ip_address(target)
        return "is an IP address; CoreDNS answers NXDOMAIN (a CNAME must name a host)"
    except ValueError:
        pass
    seen = [(namespace, name)]
    while True:
        ref = _in_cluster_service(target, ctx.snapshot.dns.cluster_domain)
        if ref is None:
            return None  # external: resolved upstream
        if ctx.snapshot.service(*ref) is None:
            return f"points at {ref[0]}/{ref[1]}, which does not exist (NODATA)"
        if ref in seen:
            chain = " -> ".join(f"{ns}/{n}" for ns, n in [*seen, ref])
            return f"CNAME loop: {chain}"
        if ref not in targets:
            return None
        seen.append(ref)
        target = targets[ref]


def _in_cluster_service(name: str, domain: str) -> tuple[str, str] | None:
    """``svc.ns.svc.<domain>`` -> (ns, svc); anything else -> None."""
    suffix = f".svc.{domain}"
    if not name.endswith(suffix):
        return None
    parts = name[: -len(suffix)].split(".")
    if len(parts) != 2:
        return None
    return parts[1], parts[0]
