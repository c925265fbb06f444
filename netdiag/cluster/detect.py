"""Cluster-wide facts read from particular objects: cluster DNS and the CNI. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netdiag.cluster import fields as f
from netdiag.cluster.corefile import cluster_domain, parse_corefile
from netdiag.cluster.model import KUBEADM_COREFILE, ClusterDNS, CNIInfo, Pod, Service, Workload
from netdiag.cluster.parse import COREDNS_CONFIGMAP, NODE_RESOLV_CONF_CONFIGMAP, ConfigMap

#: NodeLocal DNSCache's default link-local listen address (nodelocaldns.yaml).
NODELOCAL_DEFAULT_IP = "169.254.20.10"

#: Recognised CNI plugins -> whether they enforce NetworkPolicy. Flannel alone does
#: not (flannel-io/flannel README: "Flannel is focused on networking. For network
#: policy, other projects such as Calico can be used"); canal = flannel + calico.
CNI_ENFORCES: dict[str, bool] = {
    "antrea": True,
    "calico": True,
    "canal": True,
    "cilium": True,
    "kube-ovn": True,
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
    return ClusterDNS(
        cluster_domain=cluster_domain(kubernetes),
        dns_ips=kube_dns.cluster_ips if kube_dns is not None else (),
        kubernetes=kubernetes,
        corefile_present=block is not None,
        corefile=corefile,
        nodelocal_ip=_nodelocal_ip(workloads),
        node_resolv_conf=resolv.data.get("resolv.conf", "") if resolv is not None else "",
    )


def _nodelocal_ip(workloads: Sequence[Workload]) -> str | None:
    for wl in workloads:
        if wl.kind == "DaemonSet" and _is_nodelocal(wl):
            return _localip_arg(wl) or NODELOCAL_DEFAULT_IP
    return None


def _localip_arg(wl: Workload) -> str:
    """The first address of ``-localip`` (``-localip 169.254.20.10,10.96.0.10`` or ``=``)."""
    for container in f.seq(f.mapping(wl.template, "spec", ""), "containers", ""):
        args = [str(a) for key in ("command", "args") for a in f.seq(container, key, "")]
        for i, arg in enumerate(args):
            if arg.lstrip("-").startswith("localip"):
                value = arg.split("=", 1)[1] if "=" in arg else "".join(args[i + 1 : i + 2])
                if value:
                    return value.split(",")[0].strip()
    return ""


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


__all__ = ["cluster_dns", "cni_info"]
