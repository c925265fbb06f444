"""Endpoints of a connection question: a pod, an external address/CIDR, or a Service.

A Service is not a policy subject: traffic to it is judged after DNAT, per
backend pod and the resolved ``targetPort`` (trap 7; named targetPorts resolve
on each backend's container ports).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from netdiag.cluster.meta import NAMESPACE_NAME_LABEL, Labels, Protocol
from netdiag.cluster.model import ClusterSnapshot, EndpointSlice, Pod, Service, ServicePort
from netdiag.errors import InputError
from netdiag.policy.compile import Network, parse_network
from netdiag.policy.memo import SnapshotMemo


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """A pod (``pod`` set) or an address range outside the pod model (``network`` set)."""

    text: str
    pod: Pod | None = None
    network: Network | None = None
    #: Set when the address is a Service ClusterIP (trap 8: implementation-defined).
    cluster_ip_of: str = ""

    @property
    def is_pod(self) -> bool:
        return self.pod is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Backend:
    """One DNAT target of a Service port: the backend pod and the resolved port."""

    pod: Pod
    service_port: ServicePort
    #: ``None`` when a named targetPort does not exist on this backend.
    target_port: int | None


def pod_endpoint(pod: Pod) -> Endpoint:
    return Endpoint(text=pod.key, pod=pod)


def namespace_labels(snapshot: ClusterSnapshot) -> dict[str, Labels]:
    """Labels per namespace; an undeclared namespace has its automatic name label."""
    out = {ns.name: ns.labels for ns in snapshot.namespaces}
    for pod in snapshot.pods:
        if pod.namespace not in out:
            out[pod.namespace] = Labels({NAMESPACE_NAME_LABEL: pod.namespace})
    return out


def cluster_ips(snapshot: ClusterSnapshot) -> dict[str, str]:
    """ClusterIP address → ``ns/service``."""
    return {ip: svc.key for svc in snapshot.services for ip in svc.cluster_ips if ip != "None"}


def resolve_endpoint(snapshot: ClusterSnapshot, text: str) -> Endpoint | Service:
    """``ns/pod``, ``ns/service``, an IP or a CIDR; raises :class:`InputError` naming it."""
    if "/" in text:
        ns, _, name = text.partition("/")
        if ns and name and not _looks_numeric(ns) and ":" not in ns:
            pod = snapshot.pod(ns, name)
            if pod is not None:
                return pod_endpoint(pod)
            svc = snapshot.service(ns, name)
            if svc is not None:
                return svc
            raise InputError(
                f"no pod or service {text!r} in the snapshot", hint=_suggest(snapshot, text)
            )
    try:
        net = parse_network(text)
    except ValueError:
        raise InputError(
            f"bad endpoint {text!r}: expected ns/pod, ns/service, an IP or a CIDR",
            hint=_suggest(snapshot, text),
        ) from None
    if net.num_addresses == 1 and "/" not in text:
        return _address_endpoint(snapshot, text, net)
    return Endpoint(text=text, network=net, cluster_ip_of=_overlapping_cluster_ip(snapshot, net))


def _looks_numeric(text: str) -> bool:
    """An IPv4 prefix; IPv6 is recognised by its colons (namespace names have none)."""
    return all(c.isdigit() or c == "." for c in text)


def _address_endpoint(snapshot: ClusterSnapshot, text: str, net: Network) -> Endpoint | Service:
    address = str(net.network_address)
    for pod in snapshot.pods:
        if not pod.synthetic_ip and address in pod.ips and not pod.host_network:
            return pod_endpoint(pod)
    for svc in snapshot.services:
        if address in svc.cluster_ips:
            return svc
    return Endpoint(text=text, network=net)


def _overlapping_cluster_ip(snapshot: ClusterSnapshot, net: Network) -> str:
    return cluster_ip_of(cluster_ips(snapshot), net)


def cluster_ip_of(ips: dict[str, str], net: Network) -> str:
    """The Service whose ClusterIP *is* this single address (trap 8), else ``""``.

    A wider CIDR that merely contains ClusterIPs is judged as the external
    addresses it also holds; only an address naming a ClusterIP is ambiguous.
    """
    if net.num_addresses != 1:
        return ""
    return ips.get(str(net.network_address), "")


def _suggest(snapshot: ClusterSnapshot, text: str) -> str | None:
    names = [p.key for p in snapshot.pods] + [s.key for s in snapshot.services]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    if close:
        return "did you mean " + ", ".join(close) + "?"
    if "/" in text:
        ns = text.partition("/")[0]
        known = sorted({p.namespace for p in snapshot.pods} | {n.name for n in snapshot.namespaces})
        if ns not in known:
            close = difflib.get_close_matches(ns, known, n=3, cutoff=0.5)
            return f"no namespace {ns!r}" + (f"; did you mean {', '.join(close)}?" if close else "")
    return None


def service_backends(
    snapshot: ClusterSnapshot, service: Service, protocol_port: tuple[Protocol, int] | None
) -> tuple[Backend, ...]:
    """Backends per Service port after DNAT; ``protocol_port`` limits to one service port."""
    ports = [
        sp
        for sp in service.ports
        if protocol_port is None or (sp.protocol, sp.port) == protocol_port
    ]
    out = []
    for pod in backend_pods(snapshot, service):
        for sp in ports:
            out.append(Backend(pod=pod, service_port=sp, target_port=target_port(pod, sp)))
    return tuple(out)


def target_port(pod: Pod, sp: ServicePort) -> int | None:
    """ServicePort.targetPort: a number, a name looked up on *this* pod, or the port itself."""
    if isinstance(sp.target_port, str) and sp.target_port and not sp.target_port.isdigit():
        for cp in pod.container_ports:
            if cp.name == sp.target_port and cp.protocol is sp.protocol:
                return cp.container_port
        return None
    number = int(sp.target_port or 0)
    return number or sp.port


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendIndex:
    """What finding a Service's backends looks up, indexed once per snapshot.

    Lookups answer exactly as the linear scans they replace: the first pod of a
    ``ns/name`` (:meth:`ClusterSnapshot.pod`), the last pod listing an IP in a
    namespace, slices and pods in snapshot order.
    """

    #: Pods per namespace, in snapshot order.
    pods: Mapping[str, tuple[Pod, ...]]
    #: ``(namespace, name)`` -> pod.
    by_name: Mapping[tuple[str, str], Pod]
    #: namespace -> IP -> pod.
    by_ip: Mapping[str, Mapping[str, Pod]]
    #: ``(namespace, service name)`` -> its EndpointSlices, in snapshot order.
    slices: Mapping[tuple[str, str], tuple[EndpointSlice, ...]]


def build_backend_index(snapshot: ClusterSnapshot) -> BackendIndex:
    pods: dict[str, list[Pod]] = {}
    by_name: dict[tuple[str, str], Pod] = {}
    by_ip: dict[str, dict[str, Pod]] = {}
    for pod in snapshot.pods:
        pods.setdefault(pod.namespace, []).append(pod)
        by_name.setdefault((pod.namespace, pod.name), pod)
        ips = by_ip.setdefault(pod.namespace, {})
        for ip in pod.ips:
            ips[ip] = pod
    slices: dict[tuple[str, str], list[EndpointSlice]] = {}
    for sl in snapshot.endpoint_slices:
        slices.setdefault((sl.namespace, sl.service_name), []).append(sl)
    return BackendIndex(
        pods={ns: tuple(group) for ns, group in pods.items()},
        by_name=by_name,
        by_ip=by_ip,
        slices={key: tuple(group) for key, group in slices.items()},
    )


#: The audit asks for the backends of every sensitive Service, and each answer
#: needs the namespace's pods by IP: index them once per snapshot, not per call.
backend_index = SnapshotMemo(build_backend_index)


def backend_pods(snapshot: ClusterSnapshot, service: Service) -> tuple[Pod, ...]:
    """Ready backends from the EndpointSlices, else from the selector."""
    index = backend_index(snapshot)
    slices = index.slices.get((service.namespace, service.name), ())
    if slices:
        by_ip = index.by_ip.get(service.namespace, {})
        found: dict[str, Pod] = {}
        for sl in slices:
            for ep in sl.endpoints:
                if not (ep.ready or service.publish_not_ready_addresses):
                    continue
                pod = (
                    index.by_name.get((service.namespace, ep.target_pod)) if ep.target_pod else None
                )
                pod = pod or next((by_ip[a] for a in ep.addresses if a in by_ip), None)
                if pod is not None:
                    found[pod.key] = pod
        return tuple(found[k] for k in sorted(found))
    if service.selector is None or not service.selector:
        return ()
    selector = service.selector
    return tuple(
        sorted(
            (
                p
                for p in index.pods.get(service.namespace, ())
                if all(p.labels.get(k) == v for k, v in selector.items())
                and (p.ready or service.publish_not_ready_addresses)
            ),
            key=lambda p: p.key,
        )
    )
