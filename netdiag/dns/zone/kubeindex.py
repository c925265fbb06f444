"""What CoreDNS's ``kubernetes`` plugin keeps in its informer caches, precomputed.

Pure. :class:`KubeIndex` turns a :class:`ClusterSnapshot` into the lookups the
cluster zone needs (services by ``(namespace, name)``, endpoints in CoreDNS's
shape, pods by IP, PTR targets by IP) once, so a query is a few dict lookups.

CoreDNS reference: coredns/coredns ``plugin/kubernetes/object/endpoint.go``
(EndpointSlice → Endpoints: only ready endpoints, a port ``-1`` sentinel when
a slice lists no ports) and ``kubernetes.go`` (``endpointHostname``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netdiag.cluster.model import ClusterSnapshot, EndpointSlice, Service

#: CoreDNS adds this port to an endpoint subset that has no ports
#: (object/endpoint.go); it yields address records but never an SRV record.
NO_PORT = -1


@dataclass(frozen=True, slots=True)
class PortKey:
    """A port as CoreDNS matches it: ``name`` and ``protocol`` compared case-insensitively."""

    name: str
    protocol: str
    port: int


@dataclass(frozen=True, slots=True)
class EndpointAddr:
    ip: str
    #: ``endpointHostname``: the endpoint's hostname, the pod name with
    #: ``endpoint_pod_names``, or the IP with ``.``/``:`` replaced by ``-``.
    hostname: str
    ports: tuple[PortKey, ...]
    pod: str


@dataclass(frozen=True, slots=True)
class SvcEntry:
    namespace: str
    name: str
    #: ``"ClusterIP"`` (also NodePort/LoadBalancer), ``"headless"`` or ``"ExternalName"``.
    kind: str
    cluster_ips: tuple[str, ...]
    ports: tuple[PortKey, ...]
    endpoints: tuple[EndpointAddr, ...]
    external_name: str


def canonical_ip(text: str) -> str | None:
    """The canonical text of an IP address (``::1``, ``10.0.0.1``), or None."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def dashed(ip: str) -> str:
    """``endpointHostname`` fallback: ``10.0.0.1`` → ``10-0-0-1``, ``fd::1`` → ``fd--1``."""
    return ip.replace(".", "-").replace(":", "-")


def _kind(svc: Service) -> str:
    if svc.type == "ExternalName":
        return "ExternalName"
    if svc.headless or not svc.cluster_ips:
        return "headless"
    return "ClusterIP"


class KubeIndex:
    """Indexes over one snapshot; built once, read many times."""

    def __init__(self, snapshot: ClusterSnapshot, *, endpoint_pod_names: bool) -> None:
        self.endpoint_pod_names = endpoint_pod_names
        self.namespaces: frozenset[str] = frozenset(ns.name.lower() for ns in snapshot.namespaces)
        #: ``(namespace, ip)`` → pod name, for ``pods verified`` and pod targets.
        self.pods_by_ip: dict[tuple[str, str], str] = {}
        self._subdomains: dict[tuple[str, str], str] = {}
        for pod in snapshot.pods:
            ns = pod.namespace.lower()
            self._subdomains[(ns, pod.name)] = pod.subdomain.lower()
            for ip in pod.ips:
                cip = canonical_ip(ip)
                if cip is not None:
                    self.pods_by_ip.setdefault((ns, cip), pod.name)
        slices: dict[tuple[str, str], list[EndpointSlice]] = {}
        for sl in snapshot.endpoint_slices:
            slices.setdefault((sl.namespace.lower(), sl.service_name.lower()), []).append(sl)
        self.services: dict[tuple[str, str], SvcEntry] = {}
        for svc in snapshot.services:
            key = (svc.namespace.lower(), svc.name.lower())
            self.services[key] = self._entry(svc, slices.get(key, []))
        self.service_ptr: dict[str, tuple[str, str]] = {}
        self.endpoint_ptr: dict[str, list[tuple[str, str, str]]] = {}
        self._index_reverse(snapshot)

    def _entry(self, svc: Service, slices: list[EndpointSlice]) -> SvcEntry:
        ports = tuple(PortKey(p.name.lower(), p.protocol.value.lower(), p.port) for p in svc.ports)
        cluster_ips = tuple(ip for ip in map(canonical_ip, svc.cluster_ips) if ip is not None)
        endpoints: list[EndpointAddr] = []
        for sl in slices:
            endpoints.extend(self._slice_endpoints(svc, sl))
        return SvcEntry(
            namespace=svc.namespace.lower(),
            name=svc.name.lower(),
            kind=_kind(svc),
            cluster_ips=cluster_ips,
            ports=ports,
            endpoints=tuple(endpoints),
            external_name=svc.external_name.lower().rstrip("."),
        )

    def _slice_endpoints(self, svc: Service, sl: EndpointSlice) -> list[EndpointAddr]:
        if sl.address_type not in ("IPv4", "IPv6"):
            return []  # FQDN slices are ignored by CoreDNS (object/endpoint.go)
        ports = tuple(PortKey(p.name.lower(), p.protocol.value.lower(), p.port) for p in sl.ports)
        if not ports:
            ports = (PortKey("", "", NO_PORT),)
        out: list[EndpointAddr] = []
        for ep in sl.endpoints:
            # Only ready endpoints are published; the EndpointSlice controller marks
            # not-ready pods ready when the Service sets publishNotReadyAddresses.
            if not (ep.ready or svc.publish_not_ready_addresses):
                continue
            hostname = self._hostname(svc, sl, ep.hostname, ep.target_pod)
            for addr in ep.addresses:
                ip = canonical_ip(addr)
                if ip is None:
                    continue
                name = hostname
                if not name and self.endpoint_pod_names and ep.target_pod:
                    name = ep.target_pod.lower()
                out.append(EndpointAddr(ip, name or dashed(ip), ports, ep.target_pod))
        return out

    def _hostname(self, svc: Service, sl: EndpointSlice, hostname: str, pod: str) -> str:
        """The endpoint's hostname as the API would publish it.

        The EndpointSlice controller sets ``hostname`` only when the pod's
        ``spec.subdomain`` equals the Service name (kubernetes/dns
        docs/specification.md §2.4.1; endpointslice controller ``podToEndpoint``).
        Slices netdiag derived itself are checked against the pod again.
        """
        if not hostname:
            return ""
        if sl.derived and pod:
            subdomain = self._subdomains.get((svc.namespace.lower(), pod))
            if subdomain is not None and subdomain != svc.name.lower():
                return ""
        return hostname.lower()

    def _index_reverse(self, snapshot: ClusterSnapshot) -> None:
        """PTR data as coredns ``reverse.go`` ``serviceRecordForIP`` finds it."""
        for key, entry in sorted(self.services.items()):
            for ip in entry.cluster_ips:
                self.service_ptr.setdefault(ip, key)
            for ep in entry.endpoints:
                self.endpoint_ptr.setdefault(ep.ip, []).append(
                    (ep.hostname, entry.name, entry.namespace)
                )
