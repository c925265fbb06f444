"""Cluster-wide facts read from particular objects: cluster DNS and the CNI. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netdiag.cluster import fields as f
from netdiag.cluster.corefile import cluster_domain, parse_corefile
from netdiag.cluster.model import KUBEADM_COREFILE, ClusterDNS, CNIInfo, Pod, Service, Workload
from netdiag.cluster.nodelocal import NodeLocalCache, nodelocal_cache
from netdiag.cluster.parse import (
    COREDNS_CONFIGMAP,
    NODE_RESOLV_CONF_CONFIGMAP,
    NODELOCAL_CONFIGMAP,
    ConfigMap,
)

#: Recognised CNI plugins -> whether they enforce NetworkPolicy. Flannel alone does
#: not (flannel-io/flannel README: "Flannel is focused on networking. For network
#: policy, other projects such as Calico can be used"); canal = flannel + calico.
CNI_ENFORCES: dict[str, bool] = {
    "antrea": True,
    "calico": True,
    "canal": True,
    "cilium": True,
    "kube-ovn": True,
    "ovn-kubernetes": True,
    "kube-router": True,
    "weave": True,
    "azure-npm": True,
    "flannel": False,
}


def cluster_dns(
    config_maps: Sequence[ConfigMap], services: Sequence[Service], workloads: Sequence[Workload]
) -> ClusterDNS:
    """Raises :class:`CorefileError` when the coredns ConfigMap's Corefile is unreadable."""
    maps = {(c.namespace, c.name): c for c in config_maps}
    coredns = maps.get(COREDNS_CONFIGMAP)
    corefile = coredns.data.get("Corefile", "") if coredns is not None else ""
    block = parse_corefile(corefile) if corefile else None
    resolv = maps.get(NODE_RESOLV_CONF_CONFIGMAP)
    kube_dns = next(
        (s for s in services if s.namespace == "kube-system" and s.name == "kube-dns"), None
    )
    kubernetes = block or KUBEADM_COREFILE
    domain = cluster_domain(kubernetes)
    dns_ips = kube_dns.cluster_ips if kube_dns is not None else ()
    nodelocal = _nodelocal(workloads, maps.get(NODELOCAL_CONFIGMAP), services, domain, dns_ips)
    return ClusterDNS(
        cluster_domain=domain,
        dns_ips=dns_ips,
        kubernetes=kubernetes,
        corefile_present=block is not None,
        corefile=corefile,
        nodelocal_ip=nodelocal.local_ip if nodelocal is not None else None,
        nodelocal=nodelocal,
        node_resolv_conf=resolv.data.get("resolv.conf", "") if resolv is not None else "",
    )


def _nodelocal(
    workloads: Sequence[Workload],
    config_map: ConfigMap | None,
    services: Sequence[Service],
    domain: str,
    dns_ips: tuple[str, ...],
) -> NodeLocalCache | None:
    """NodeLocal DNSCache from its DaemonSet (args) and ConfigMap (Corefile)."""
    for wl in workloads:
        if wl.kind == "DaemonSet" and _is_nodelocal(wl):
            return nodelocal_cache(
                _args(wl),
                config_map.data.get("Corefile", "") if config_map is not None else "",
                cluster_domain=domain,
                kube_dns_ips=dns_ips,
                service_ips={
                    s.name: s.cluster_ips for s in services if s.namespace == "kube-system"
                },
            )
    return None


def _args(wl: Workload) -> list[str]:
    """Command and args of the container carrying ``-localip`` (else the first)."""
    found: list[str] = []
    for container in f.seq(f.mapping(wl.template, "spec", ""), "containers", ""):
        args = [str(a) for key in ("command", "args") for a in f.seq(container, key, "")]
        if any(a.lstrip("-").startswith("localip") for a in args):
            return args
        found = found or args
    return found


def _is_nodelocal(wl: Workload) -> bool:
    return wl.name == "node-local-dns" or "k8s-dns-node-cache" in " ".join(_images(wl))


def _images(wl: Workload) -> list[str]:
    spec = f.mapping(wl.template, "spec", "")
    return [str(c.get("image", "")) for c in f.seq(spec, "containers", "") if isinstance(c, dict)]


def cni_info(workloads: Sequence[Workload], pods: Sequence[Pod]) -> CNIInfo:
    """CNI plugins recognised from DaemonSets (any namespace) and kube-system pods."""
    words: list[str] = []
    for wl in workloads:
        if wl.kind == "DaemonSet":
            words.append(wl.name)
            words.extend(_images(wl))
    for pod in pods:
        if pod.namespace == "kube-system" and not pod.synthetic:
            words.append(pod.name)
            words.extend(c.image for c in pod.containers)
    found = set(_recognise(words))
    if "canal" in found:
        found.discard("flannel")
        found.discard("calico")
    if not found:
        return CNIInfo()
    return CNIInfo(
        plugins=tuple(sorted(found)),
        enforces_network_policy=any(CNI_ENFORCES[p] for p in found),
    )


def _recognise(words: Iterable[str]) -> Iterable[str]:
    for word in words:
        low = word.lower()
        for plugin in CNI_ENFORCES:
            if plugin in low:
                yield plugin
        if "weave-net" in low:
            yield "weave"
        if "ovnkube" in low:  # ovnkube-node / ovnkube-master DaemonSets and images
            yield "ovn-kubernetes"


__all__ = ["cluster_dns", "cni_info"]
