"""A pod's ``/etc/resolv.conf`` exactly as kubelet writes it.

Pure. Follows kubernetes/kubernetes ``pkg/kubelet/network/dns/dns.go``
(``GetPodDNS``, ``getPodDNSType``, ``generateSearchesForDNSClusterFirst``,
``appendDNSConfig``, ``mergeDNSOptions``, ``formDNSConfigFitsLimits``,
``parseResolvConf``) and the limits of ``pkg/apis/core/validation``
(``MaxDNSNameservers = 3``, ``MaxDNSSearchPaths = 32``,
``MaxDNSSearchListChars = 2048``, entries over
``DNS1123SubdomainMaxLength = 253`` dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.dns.resolver.resolvconf import ResolvConf, build

MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCH_PATHS = 32
MAX_DNS_SEARCH_LIST_CHARS = 2048
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
#: dns.go ``defaultDNSOptions``: the only option ClusterFirst pods get.
DEFAULT_DNS_OPTIONS = ("ndots:5",)


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeResolvConf:
    """What kubelet's ``parseResolvConf`` reads from the node file."""

    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PodResolvConf:
    """The generated file plus how it came about."""

    resolv_conf: ResolvConf
    #: ``cluster`` | ``host`` | ``none`` (dns.go ``podDNSType``).
    dns_type: str
    #: One line saying where the file came from, for the trace header.
    origin: str
    #: Kubernetes Events kubelet would record (``DNSConfigForming: …``).
    warnings: tuple[str, ...] = ()


def parse_node_resolv_conf(text: str) -> NodeResolvConf:
    """dns.go ``parseResolvConf``: not glibc's reader.

    ``nameserver`` lines accumulate (no limit here), the last ``search`` line
    wins with each entry's trailing dot stripped, the last ``options`` line
    wins; ``domain`` is ignored, ``#`` lines are skipped.
    """
    nameservers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    for line in text.split("\n"):
        trimmed = line.strip()
        if trimmed.startswith("#"):
            continue
        fields = trimmed.split()
        if not fields:
            continue
        if fields[0] == "nameserver" and len(fields) >= 2:
            nameservers.append(fields[1])
        if fields[0] == "search":
            searches = [s.removesuffix(".") for s in fields[1:]]
        if fields[0] == "options":
            options = fields[1:]
    return NodeResolvConf(
        nameservers=tuple(nameservers), searches=tuple(searches), options=tuple(options)
    )


def omit_duplicates(items: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """dns.go ``omitDuplicates``: first occurrence wins, order kept."""
    return tuple(dict.fromkeys(items))


def pod_dns_type(pod: Pod) -> str:
    """dns.go ``getPodDNSType``; unknown policies are treated as ClusterFirst."""
    policy = pod.dns_policy or "ClusterFirst"
    if policy == "None":
        return "none"
    if policy == "ClusterFirstWithHostNet":
        return "cluster"
    if policy == "ClusterFirst" and not pod.host_network:
        return "cluster"
    if policy in ("ClusterFirst", "Default"):
        # "Fallback to DNSDefault for pod on hostnetwork."
        return "host"
    return "cluster"


def merge_dns_options(
    existing: tuple[str, ...], pod_options: tuple[tuple[str, str | None], ...]
) -> tuple[str, ...]:
    """dns.go ``mergeDNSOptions``: the pod's value wins per option name.

    kubelet iterates a Go map, so its output order is random; we sort by name
    to stay deterministic (resolvers treat options as a set, last value wins).
    """
    merged: dict[str, str] = {}
    for op in existing:
        key, sep, val = op.partition(":")
        merged[key] = val if sep else ""
    for name, value in pod_options:
        merged[name] = value or ""
    return tuple(f"{n}:{v}" if v else n for n, v in sorted(merged.items()))


def fit_search(search: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """dns.go ``formDNSSearchFitsLimits``: count, per-entry length, total length."""
    exceeded = False
    if len(search) > MAX_DNS_SEARCH_PATHS:
        search, exceeded = search[:MAX_DNS_SEARCH_PATHS], True
    kept = tuple(s for s in search if len(s) <= DNS1123_SUBDOMAIN_MAX_LENGTH)
    if len(kept) != len(search):
        exceeded = True
    line_len = len(" ".join(kept))
    if line_len > MAX_DNS_SEARCH_LIST_CHARS:
        cut_len = cut_num = 0
        for entry in reversed(kept):
            cut_len += len(entry) + 1
            cut_num += 1
            if line_len - cut_len <= MAX_DNS_SEARCH_LIST_CHARS:
                break
        kept, exceeded = kept[: len(kept) - cut_num], True
    return kept, exceeded


def _base(
    snapshot: ClusterSnapshot, pod: Pod, node: NodeResolvConf, warnings: list[str]
) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    dns = snapshot.dns
    kind = pod_dns_type(pod)
    origin = f"kubelet, dnsPolicy {pod.dns_policy}"
    if kind == "none":
        return kind, (), (), (), origin + ": empty base + pod dnsConfig"
    if kind == "cluster":
        if dns.dns_ips:
            domain = dns.cluster_domain
            search = node.searches
            if domain:
                cluster = (f"{pod.namespace}.svc.{domain}", f"svc.{domain}", domain)
                search = omit_duplicates(cluster + node.searches)
            extra = " (hostNetwork)" if pod.host_network else ""
            return kind, dns.dns_ips, search, DEFAULT_DNS_OPTIONS, origin + extra + ": cluster DNS"
        warnings.append(
            "MissingClusterDNS: kubelet does not have ClusterDNS IP configured and cannot "
            f'create Pod using "{pod.dns_policy}" policy. Falling back to "Default" policy.'
        )
    if pod.host_network and pod.dns_policy == "ClusterFirst":
        origin += (
            " + hostNetwork: falls back to the node's resolv.conf (use ClusterFirstWithHostNet)"
        )
    else:
        origin += ": the node's resolv.conf"
    if not dns.node_resolv_conf:
        origin += " (node file unknown: assumed empty)"
    return "host", node.nameservers, node.searches, node.options, origin


def pod_resolv_conf(snapshot: ClusterSnapshot, pod: Pod) -> PodResolvConf:
    """dns.go ``GetPodDNS`` for one pod of the snapshot."""
    node = parse_node_resolv_conf(snapshot.dns.node_resolv_conf)
    warnings: list[str] = []
    kind, servers, search, options, origin = _base(snapshot, pod, node, warnings)
    if pod.dns_config is not None:
        cfg = pod.dns_config
        servers = omit_duplicates(servers + cfg.nameservers)
        search = omit_duplicates(search + cfg.searches)
        options = merge_dns_options(options, cfg.options)
        origin += " + pod dnsConfig"
    if len(servers) > MAX_DNS_NAMESERVERS:
        servers = servers[:MAX_DNS_NAMESERVERS]
        warnings.append(
            "DNSConfigForming: Nameserver limits were exceeded, some nameservers have been "
            f"omitted, the applied nameserver line is: {' '.join(servers)}"
        )
    search, exceeded = fit_search(search)
    if exceeded:
        warnings.append(
            "DNSConfigForming: Search Line limits were exceeded, some search paths have been "
            f"omitted, the applied search line is: {' '.join(search)}"
        )
    conf = build(nameservers=servers, search=search, options=options)
    return PodResolvConf(resolv_conf=conf, dns_type=kind, origin=origin, warnings=tuple(warnings))


def namespace_pod(namespace: str) -> Pod:
    """A ClusterFirst pod in ``namespace``: what ``-n NS`` alone means."""
    return Pod(namespace=namespace, name="", dns_policy="ClusterFirst")
