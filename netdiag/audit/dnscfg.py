"""Per-pod DNS configuration hazards, computed with kubelet's and the resolvers' rules.

* kubelet truncates resolv.conf past 3 nameservers / 32 search domains / 2048
  characters and records a ``DNSConfigForming`` event (pkg/kubelet/network/dns).
* musl reads resolv.conf lines into a 256-byte buffer and ignores longer lines
  entirely (``src/network/resolvconf.c``): a search line kubelet accepts can
  silently disable search in Alpine pods.
* Under ``ndots:5`` every external name with fewer than five dots walks the
  whole search list first: glibc's getaddrinfo pays 2 × (N + 1) queries.
"""

from __future__ import annotations

from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.model import Pod
from netdiag.dns.resolver.kubelet import pod_resolv_conf
from netdiag.dns.resolver.profiles import musl_config

RESOLV_CONF_TRUNCATED = Check(
    id="ND-DNS-005",
    severity=Severity.WARNING,
    title="kubelet would truncate the pod's resolv.conf",
    help="Nameservers or search domains past kubelet's limits are dropped (DNSConfigForming).",
)
MUSL_SEARCH_IGNORED = Check(
    id="ND-DNS-006",
    severity=Severity.WARNING,
    title="musl-based image with a search line musl ignores",
    help="musl skips resolv.conf lines of 255+ characters: short names stop resolving.",
)
EXTERNAL_NAME_COST = Check(
    id="ND-DNS-007",
    severity=Severity.INFO,
    title="External names pay the search walk under ndots:5",
    help="Each lookup of a name with fewer dots than ndots tries every search domain first.",
)
CHECKS = (RESOLV_CONF_TRUNCATED, MUSL_SEARCH_IGNORED, EXTERNAL_NAME_COST)

_MUSL_IMAGE_MARKERS = ("alpine", "musl")
#: The external name whose lookup cost is reported (any name with < ndots dots costs the same).
EXTERNAL_PROBE = "example.com"

_NDOTS_YAML = """\
dnsConfig:
  options:
    - name: ndots
      value: "2"
"""


def is_musl_image(image: str) -> bool:
    """Heuristic: Alpine-based and explicitly musl-built images."""
    lowered = image.lower()
    return any(marker in lowered for marker in _MUSL_IMAGE_MARKERS)


def _groups(ctx: AuditContext) -> Iterator[tuple[str, Pod]]:
    """One representative pod per workload (or bare pod), with its ``Kind ns/name``."""
    seen: set[str] = set()
    for pod in ctx.pods():
        ref = (
            f"{pod.owner.kind} {pod.namespace}/{pod.owner.name}" if pod.owner else f"Pod {pod.key}"
        )
        if ref not in seen:
            seen.add(ref)
            yield ref, pod


def run(ctx: AuditContext) -> Iterator[Finding]:
    for ref, pod in _groups(ctx):
        generated = pod_resolv_conf(ctx.snapshot, pod)
        conf = generated.resolv_conf
        truncated = tuple(w for w in generated.warnings if w.startswith("DNSConfigForming"))
        if truncated:
            yield Finding(
                check=RESOLV_CONF_TRUNCATED,
                message=f"{ref}: kubelet drops part of its DNS configuration",
                objects=(ref,),
                evidence=truncated,
                fix="Trim spec.dnsConfig (nameservers ≤ 3 in all, search ≤ 32 domains and "
                "2048 characters including the cluster's own).",
                origins=(pod.origin,),
            )
        musl_images = [c.image for c in pod.containers if is_musl_image(c.image)]
        if musl_images and conf.search:
            ignored = [n for n in musl_config(conf).notes if n.startswith("musl ignores line")]
            if ignored:
                yield Finding(
                    check=MUSL_SEARCH_IGNORED,
                    message=f"{ref} runs {musl_images[0]} and musl ignores its search line",
                    objects=(ref,),
                    evidence=(*ignored, f"search: {' '.join(conf.search)}"),
                    fix="Shorten the search list (fewer dnsConfig.searches) or use FQDNs.",
                    origins=(pod.origin,),
                )
    yield from _external_cost(ctx)


def _external_cost(ctx: AuditContext) -> Iterator[Finding]:
    """What one external lookup costs a ClusterFirst pod, traced by the model, per namespace;
    namespaces paying the same are reported together."""
    from netdiag.dns.resolver.trace import trace_name

    zone = ctx.zone
    absolute = EXTERNAL_PROBE + "."
    same: dict[tuple[int, int, int, int], list[str]] = {}
    evidence: dict[tuple[int, int, int, int], tuple[str, ...]] = {}
    done: set[str] = set()
    for _ref, pod in _groups(ctx):
        if pod.namespace in done or pod.host_network or pod.dns_policy != "ClusterFirst":
            continue
        done.add(pod.namespace)
        trace = trace_name(ctx.snapshot, EXTERNAL_PROBE, pod=pod, zone=zone)
        # Queries sent before the name itself is tried are pure cost when the
        # external name exists (then the walk ends there).
        first = next((i for i, q in enumerate(trace.queries) if q.name == absolute), None)
        wasted = trace.queries[:first] if first is not None else ()
        if not wasted:
            continue
        needed = sum(1 for q in trace.queries if q.name == absolute)
        key = (len(wasted), needed, trace.resolv_conf.ndots, len(trace.resolv_conf.search))
        same.setdefault(key, []).append(pod.namespace)
        evidence.setdefault(key, tuple(f"{q.type} {q.name} -> {q.rcode.value}" for q in wasted))
    for (wasted_n, needed, ndots, n_search), namespaces in sorted(same.items()):
        where = ", ".join(namespaces)
        yield Finding(
            check=EXTERNAL_NAME_COST,
            message=f"pods in {where}: looking up {EXTERNAL_PROBE} costs {wasted_n + needed} "
            f"queries ({wasted_n} to search candidates) where {needed} would do "
            f"(ndots:{ndots}, {n_search} search domains)",
            objects=tuple(f"Namespace {ns}" for ns in namespaces),
            evidence=(
                f"from a ClusterFirst pod in {namespaces[0]}:",
                *evidence[(wasted_n, needed, ndots, n_search)],
            ),
            fix=f"Write external names with a trailing dot ({absolute}) or lower ndots "
            "in dnsConfig for pods that mostly call external names.",
            fix_yaml=_NDOTS_YAML,
        )
