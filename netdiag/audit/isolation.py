"""Isolation findings computed by the policy engine.

* DNS blocked by egress policy: an egress-isolated pod needs UDP *and* TCP 53
  to the cluster DNS pods (TCP for truncated answers), and to NodeLocal
  DNSCache's link-local address when present — which a podSelector rule cannot
  match, since the cache runs with hostNetwork (kubernetes/kubernetes#70555).
* Namespaces without a default-deny (a policy with an empty podSelector that
  isolates the direction: NetworkPolicy concepts, "Default policies").
* Pods any namespace can reach, and sensitive-looking services reachable from
  other namespaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.meta import Protocol
from netdiag.cluster.model import Pod, Service
from netdiag.policy.compile import CompiledPolicy
from netdiag.policy.endpoints import (
    Endpoint,
    backend_pods,
    pod_endpoint,
    resolve_endpoint,
    service_backends,
)
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Direction, PathVerdict, Side, Verdict

DNS_EGRESS_BLOCKED = Check(
    id="ND-NP-002",
    severity=Severity.ERROR,
    title="Egress policy blocks DNS",
    help="Egress-isolated pods must reach the cluster DNS on UDP and TCP 53.",
)
NO_DEFAULT_DENY = Check(
    id="ND-NP-003",
    severity=Severity.WARNING,
    title="Namespace without a default-deny policy",
    help="Pods no policy selects accept (or send) traffic from (to) anywhere.",
)
OPEN_TO_ALL_NAMESPACES = Check(
    id="ND-NP-004",
    severity=Severity.INFO,
    title="Pods reachable from every namespace",
    help="Ingress is not limited by namespace: any pod in the cluster can connect.",
)
SENSITIVE_CROSS_NAMESPACE = Check(
    id="ND-NP-005",
    severity=Severity.WARNING,
    title="Sensitive service reachable from other namespaces",
    help="Databases and kube-system services should only accept their own clients.",
)
CHECKS = (DNS_EGRESS_BLOCKED, NO_DEFAULT_DENY, OPEN_TO_ALL_NAMESPACES, SENSITIVE_CROSS_NAMESPACE)

_DNS_ALLOW_YAML = """\
egress:
  - to:
      - namespaceSelector:
          matchLabels: {kubernetes.io/metadata.name: kube-system}
        podSelector:
          matchLabels: {k8s-app: kube-dns}
    ports:
      - {protocol: UDP, port: 53}
      - {protocol: TCP, port: 53}
"""
_DEFAULT_DENY_YAML = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [{types}]
"""
_SENSITIVE_PORTS = frozenset({5432, 3306, 6379, 27017, 9200, 11211, 9042, 2379, 5984, 1433})
_SENSITIVE_WORDS = (
    "postgres",
    "mysql",
    "mariadb",
    "redis",
    "mongo",
    "db",
    "database",
    "elastic",
    "memcache",
    "cassandra",
    "etcd",
    "vault",
    "secret",
)


def run(ctx: AuditContext) -> Iterator[Finding]:
    ev = Evaluator(ctx.snapshot)
    yield from _dns_egress(ctx, ev)
    yield from _default_deny(ctx, ev)
    yield from _open_to_all(ctx, ev)
    yield from _sensitive(ctx, ev)


def _groups(pods: Iterable[Pod]) -> dict[tuple[str, object, bool], list[Pod]]:
    """Pods that policies cannot tell apart: same namespace, labels and hostNetwork."""
    groups: dict[tuple[str, object, bool], list[Pod]] = {}
    for pod in pods:
        groups.setdefault((pod.namespace, pod.labels, pod.host_network), []).append(pod)
    return groups


def _names(pods: list[Pod], limit: int = 5) -> str:
    names = sorted(p.name for p in pods)
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _dns_egress(ctx: AuditContext, ev: Evaluator) -> Iterator[Finding]:
    dns_svc = ctx.snapshot.service("kube-system", "kube-dns")
    nodelocal = ctx.snapshot.dns.nodelocal_ip
    local = resolve_endpoint(ctx.snapshot, nodelocal) if nodelocal else None
    memo: dict[tuple[object, ...], tuple[str, ...]] = {}
    groups = sorted(_groups(ctx.pods()).items(), key=lambda kv: kv[1][0].key)
    for (ns, _labels, host_net), pods in groups:
        pod = pods[0]
        policies = ev.selecting(pod, Direction.EGRESS)
        if host_net or not policies:
            continue
        # The egress side depends only on the policies selecting the source; the DNS
        # pods' ingress side only on the source's namespace and labels.
        key: tuple[object, ...] = tuple(p.key for p in policies)
        if _dns_ingress_isolated(ctx, ev, dns_svc):
            key += (ns, pod.labels)
        if key not in memo:
            memo[key] = tuple(_dns_problems(ctx, ev, pod, dns_svc, local, nodelocal))
        evidence = memo[key]
        if evidence:
            yield Finding(
                check=DNS_EGRESS_BLOCKED,
                message=f"pods in {ns} ({_names(pods)}) cannot reach the cluster DNS",
                objects=tuple(f"Pod {p.key}" for p in pods[:20]),
                evidence=evidence,
                fix="Allow egress to the kube-dns pods on UDP and TCP 53"
                + (f", and to {nodelocal}/32 on both (ipBlock)" if nodelocal else "")
                + ".",
                fix_yaml=_DNS_ALLOW_YAML,
                origins=(pod.origin,),
            )


def _dns_ingress_isolated(ctx: AuditContext, ev: Evaluator, svc: Service | None) -> bool:
    if svc is None:
        return False
    return any(ev.selecting(b, Direction.INGRESS) for b in backend_pods(ctx.snapshot, svc))


def _dns_problems(
    ctx: AuditContext,
    ev: Evaluator,
    pod: Pod,
    dns_svc: Service | None,
    local: object,
    nodelocal: str | None,
) -> Iterator[str]:
    src = pod_endpoint(pod)
    for proto in (Protocol.UDP, Protocol.TCP):
        query = PortSet.of(proto, 53)
        if dns_svc is not None:
            verdict = ev.connection(src, dns_svc, query)
            if verdict.verdict is Verdict.DENIED:
                yield _why(f"{proto.value} 53 to service kube-system/kube-dns", verdict.paths)
        if isinstance(local, Endpoint):
            side = ev.side(src, local, Direction.EGRESS, query)
            if side.ports.is_empty:
                yield f"{proto.value} 53 to NodeLocal DNSCache {nodelocal}: " + _side_text(side)


def _why(what: str, paths: tuple[PathVerdict, ...]) -> str:
    for path in paths:
        if path.verdict is Verdict.DENIED:
            side = path.egress if path.egress.ports.is_empty else path.ingress
            return f"{what}: denied on {side.direction.value} of {side.subject}: {_side_text(side)}"
    return f"{what}: denied (no ready DNS backend)"


def _side_text(side: Side) -> str:
    miss = side.nearest_miss
    policies = ", ".join(side.policies) or "no policy"
    return f"isolated by {policies}" + (f"; nearest rule: {miss.reason}" if miss else "")


def _default_deny(ctx: AuditContext, ev: Evaluator) -> Iterator[Finding]:
    namespaces = sorted({p.namespace for p in ctx.pods() if not p.host_network})
    for ns in namespaces:
        if ns == "kube-system":
            continue  # system pods are managed by their add-ons; not a tenant namespace
        deny = [p for p in ev.policies if p.namespace == ns and p.pod_selector.is_empty]
        missing = [
            d
            for d, flag in (("Ingress", "isolates_ingress"), ("Egress", "isolates_egress"))
            if not any(getattr(p, flag) for p in deny)
        ]
        if not missing:
            continue
        severity = Severity.WARNING if "Ingress" in missing else Severity.INFO
        yield Finding(
            check=NO_DEFAULT_DENY,
            severity=severity,
            message=f"namespace {ns} has no default-deny for {' and '.join(missing)}",
            objects=(f"Namespace {ns}",),
            evidence=(
                "no NetworkPolicy with podSelector {} isolating " + "/".join(missing) + f" in {ns}",
            ),
            fix="Start from deny-all and allow what each workload needs.",
            fix_yaml=_DEFAULT_DENY_YAML.format(ns=ns, types=", ".join(missing)),
        )


def _open_rule(ev: Evaluator, policies: list[CompiledPolicy]) -> str:
    """The rule text that admits every namespace, or '' when none does."""
    all_ns = list(ev.ns_labels.items())
    for pol in policies:
        for rule in pol.ingress:
            if rule.all_peers:
                return f"{pol.key} ingress rule {rule.index} has no 'from': every source"
            for peer in rule.peers:
                if peer.ip_block is not None or not (
                    peer.pod_selector is None or peer.pod_selector.is_empty
                ):
                    continue
                if all(peer.namespace_matches(n, labels) for n, labels in all_ns):
                    return (
                        f"{pol.key} ingress rule {rule.index} peer {peer.index}: {peer.describe()}"
                    )
    return ""


def _open_to_all(ctx: AuditContext, ev: Evaluator) -> Iterator[Finding]:
    """One finding per namespace listing its pods that admit every namespace, and why."""
    if len(ev.ns_labels) < 2:
        return
    open_pods: dict[str, list[Pod]] = {}
    reasons: dict[str, list[str]] = {}
    for (ns, _labels, host_net), pods in sorted(
        _groups(ctx.pods()).items(), key=lambda kv: kv[1][0].key
    ):
        if host_net or ns == "kube-system":
            continue
        policies = ev.selecting(pods[0], Direction.INGRESS)
        why = "no policy selects them for ingress" if not policies else _open_rule(ev, policies)
        if why:
            open_pods.setdefault(ns, []).extend(pods)
            reasons.setdefault(ns, []).append(f"{_names(pods)}: {why}")
    for ns, pods in sorted(open_pods.items()):
        yield Finding(
            check=OPEN_TO_ALL_NAMESPACES,
            message=f"{len(pods)} pod(s) in {ns} accept connections from every namespace",
            objects=tuple(f"Pod {p.key}" for p in pods[:20]),
            evidence=tuple(reasons[ns]),
            fix="Add an ingress policy naming the namespaces (and pods) that may connect.",
            origins=(pods[0].origin,),
        )


def is_sensitive(svc: Service) -> bool:
    text = f"{svc.name} {' '.join(svc.labels.values())}".lower()
    return (
        svc.namespace == "kube-system"
        or any(w in text for w in _SENSITIVE_WORDS)
        or any(sp.port in _SENSITIVE_PORTS for sp in svc.ports)
    )


def _candidate_namespaces(ev: Evaluator, backend: Pod) -> set[str]:
    """Namespaces other than the backend's whose pods its ingress rules could admit."""
    others = {n for n in ev.ns_labels if n != backend.namespace}
    policies = ev.selecting(backend, Direction.INGRESS)
    if not policies:
        return others
    out: set[str] = set()
    for pol in policies:
        for rule in pol.ingress:
            if rule.all_peers:
                return others
            for peer in rule.peers:
                if peer.ip_block is not None:
                    return others  # addresses can be any pod's: check them all
                if peer.namespace_selector is not None:
                    out |= {n for n in others if peer.namespace_matches(n, ev.ns_labels[n])}
    return out


def _egress_allows(
    ev: Evaluator,
    memo: dict[tuple[object, ...], bool],
    src: Endpoint,
    dst: Pod,
    query: PortSet,
) -> bool:
    """Source egress towards ``dst``, shared by sources the same policies select."""
    assert src.pod is not None
    policies = ev.selecting(src.pod, Direction.EGRESS)
    if not policies:
        return True
    key = (tuple(p.key for p in policies), dst.key, query)
    if key not in memo:
        memo[key] = not ev.side(src, pod_endpoint(dst), Direction.EGRESS, query).ports.is_empty
    return memo[key]


def _sensitive(ctx: AuditContext, ev: Evaluator) -> Iterator[Finding]:
    egress_memo: dict[tuple[object, ...], bool] = {}
    clients: dict[str, list[Pod]] = {}
    for (ns, _labels, host_net), pods in sorted(
        _groups(ctx.snapshot.pods).items(), key=lambda kv: kv[1][0].key
    ):
        if not host_net:
            clients.setdefault(ns, []).append(pods[0])
    for svc in ctx.snapshot.services:
        if not ctx.in_scope(svc.namespace) or svc.type == "ExternalName" or not is_sensitive(svc):
            continue
        backends = backend_pods(ctx.snapshot, svc)
        if svc.key == "kube-system/kube-dns" or not backends:
            continue  # every pod must reach DNS
        # One DNAT path per service port (the first backend carrying it): evaluating
        # the path directly avoids re-deriving the backends for every client.
        paths = [
            (b, PortSet.of(b.service_port.protocol, b.target_port))
            for b in service_backends(ctx.snapshot, svc, None)
            if b.target_port is not None and b.pod.key == backends[0].key
        ]
        reached: dict[str, str] = {}
        for ns in sorted(_candidate_namespaces(ev, backends[0])):
            for client in clients.get(ns, ()):
                src = pod_endpoint(client)
                for backend, query in paths:
                    if not _egress_allows(ev, egress_memo, src, backend.pod, query):
                        continue
                    path = ev.pods(src, pod_endpoint(backend.pod), query)
                    if path.verdict is Verdict.ALLOWED:
                        reached[ns] = (
                            f"{client.key} -> {svc.key} port {backend.service_port.port} "
                            f"(-> {backend.pod.key}:{backend.target_port})"
                        )
                        break
                if ns in reached:
                    break
        if reached:
            yield Finding(
                check=SENSITIVE_CROSS_NAMESPACE,
                message=f"Service {svc.key} is reachable from {len(reached)} other namespace(s): "
                + ", ".join(sorted(reached)[:10])
                + (" …" if len(reached) > 10 else ""),
                objects=(f"Service {svc.key}",),
                evidence=tuple(reached[n] for n in sorted(reached)[:20]),
                fix=f"Limit ingress of {svc.key}'s pods to the namespaces that own its clients.",
                origins=(svc.origin,),
            )
