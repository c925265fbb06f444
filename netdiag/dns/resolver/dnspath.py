"""Where a pod's DNS packets go: the nameserver address, what answers it, and the
hops behind it (NodeLocal DNSCache on the node, CoreDNS, the upstream). Pure.

A pod's resolv.conf names an address; what sits behind it decides which policy
rules can match the packets (kubernetes/kubernetes#70555, projectcalico/calico#3795):

* the kube-dns **ClusterIP** without a node cache: kube-proxy DNATs to a CoreDNS
  pod, and NetworkPolicy judges the CoreDNS pod (selectors match it);
* **NodeLocal DNSCache**: its link-local address (IPVS mode, kubelet
  ``--cluster-dns``), or the kube-dns ClusterIP itself in iptables mode, where
  the cache binds it and ``NOTRACK`` rules skip DNAT. The packet then goes to a
  hostNetwork process on the node: no pod selector matches it, only an
  ipBlock covering the address can (:mod:`netdiag.cluster.nodelocal`);
* any other address: a pod, or an address outside the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from netdiag.cluster.model import ClusterSnapshot, Service
from netdiag.cluster.nodelocal import NodeLocalCache, NodeLocalZone


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsServer:
    """What answers packets a pod sends to one nameserver address."""

    address: str
    #: ``nodelocal`` | ``service`` | ``pod`` | ``external``.
    kind: str
    #: The Service the address is the ClusterIP of (DNAT target), if any.
    service: Service | None = None
    #: The node cache answering it, when ``kind == "nodelocal"``.
    nodelocal: NodeLocalCache | None = None
    #: ``ns/name`` of the pod with that IP, when ``kind == "pod"``.
    pod: str = ""

    @property
    def text(self) -> str:
        if self.nodelocal is not None:
            nl = self.nodelocal
            how = (
                "link-local address"
                if self.address == nl.local_ip
                else "iptables mode: the cache binds the kube-dns ClusterIP, no DNAT"
            )
            return f"NodeLocal DNSCache on the pod's node ({how})"
        if self.service is not None:
            return f"service {self.service.key} (ClusterIP, DNAT to its backends)"
        if self.pod:
            return f"pod {self.pod}"
        return "an address outside the cluster model"


def dns_server(snapshot: ClusterSnapshot, address: str) -> DnsServer:
    """What answers ``address`` for a pod of ``snapshot``."""
    nl = snapshot.dns.nodelocal
    if nl is not None and nl.intercepts(address):
        return DnsServer(address=address, kind="nodelocal", nodelocal=nl)
    for svc in snapshot.services:
        if address in svc.cluster_ips:
            return DnsServer(address=address, kind="service", service=svc)
    for pod in snapshot.pods:
        if address in pod.ips and not pod.host_network:
            return DnsServer(address=address, kind="pod", pod=pod.key)
    return DnsServer(address=address, kind="external")


def _zone_text(z: NodeLocalZone) -> str:
    cache = (
        f"cached up to {z.success_ttl} s, NXDOMAIN/NODATA up to {z.denial_ttl} s"
        if z.success_ttl or z.denial_ttl
        else "not cached"
    )
    # Corefile text is the cluster's (hostile): control characters shown escaped.
    targets = _printable(" ".join(z.forward)) or "(no forward)"
    if targets == "/etc/resolv.conf":
        targets = "the node's resolv.conf (bypassing CoreDNS)"
    how = "over TCP (force_tcp)" if z.force_tcp else "over UDP"
    return f"{_printable(z.zone)}: {cache}; forwarded {how} to {targets}"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def path_lines(snapshot: ClusterSnapshot, nameserver: str, names: tuple[str, ...]) -> list[str]:
    """The hops behind ``nameserver`` for the zones ``names`` fall in (text, for ``resolve``).

    Empty when the nameserver is a plain address (nothing between pod and server).
    """
    nl = snapshot.dns.nodelocal
    if nl is None or not nl.intercepts(nameserver):
        return []
    server = DnsServer(address=nameserver, kind="nodelocal", nodelocal=nl)
    mode = f", {nl.mode} mode" if nameserver == nl.local_ip else ""
    out = [f"{nameserver}: {server.text}{mode}"]
    seen: list[NodeLocalZone] = []
    for name in names:
        z = nl.zone_for(name)
        if z is not None and z not in seen:
            seen.append(z)
    out.extend("  " + _zone_text(z) for z in seen)
    out.extend(f"  note: {n}" for n in nl.notes)
    return out


__all__ = ["DnsServer", "dns_server", "path_lines"]
