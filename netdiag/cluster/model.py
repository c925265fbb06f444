"""The frozen, typed model every engine consumes: :class:`ClusterSnapshot`.

Kubernetes JSON is parsed once, in :mod:`netdiag.cluster.parse`, into these
values; engines never see raw dicts or ``kubernetes`` client objects. Field
names follow the API verbatim (``pod_selector``, ``policy_types``, ``end_port``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from netdiag.cluster.meta import EMPTY_LABELS, Labels, ObjectRef, Protocol
from netdiag.cluster.networkpolicy import (
    NetworkPolicy,
)
from netdiag.cluster.selectors import LabelSelector

__all__ = [
    "KUBEADM_COREFILE",
    "ClusterDNS",
    "ClusterSnapshot",
    "CNIInfo",
    "Container",
    "ContainerPort",
    "CorefileKubernetes",
    "Endpoint",
    "EndpointPort",
    "EndpointSlice",
    "Namespace",
    "Node",
    "OwnerRef",
    "Pod",
    "PodDNSConfig",
    "Service",
    "ServicePort",
    "Taint",
    "Toleration",
    "Workload",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Namespace:
    name: str
    labels: Labels = EMPTY_LABELS
    #: False when the namespace is only referenced by other objects.
    declared: bool = True
    origin: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerPort:
    container_port: int
    protocol: Protocol = Protocol.TCP
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Container:
    name: str
    image: str = ""
    ports: tuple[ContainerPort, ...] = ()
    has_readiness_probe: bool = False
    has_liveness_probe: bool = False
    #: Seconds of a ``preStop`` ``sleep`` (exec ``sleep N`` or the sleep action), if any.
    pre_stop_sleep_seconds: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PodDNSConfig:
    """``spec.dnsConfig``: options are ``(name, value-or-None)`` in the given order."""

    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnerRef:
    """The top-level controller of a pod (Deployment rather than its ReplicaSet)."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pod:
    namespace: str
    name: str
    labels: Labels = EMPTY_LABELS
    annotations: Labels = EMPTY_LABELS
    #: ``status.podIPs`` (first is ``status.podIP``); empty when not scheduled.
    ips: tuple[str, ...] = ()
    #: True when ``ips`` were invented by netdiag (pod expanded from a template,
    #: or a manifest without status). Synthetic IPs are never matched by ipBlocks.
    synthetic_ip: bool = False
    #: True when the pod itself was expanded from a workload template.
    synthetic: bool = False
    host_network: bool = False
    node_name: str = ""
    containers: tuple[Container, ...] = ()
    dns_policy: str = "ClusterFirst"
    dns_config: PodDNSConfig | None = None
    hostname: str = ""
    subdomain: str = ""
    ready: bool = True
    phase: str = "Running"
    owner: OwnerRef | None = None
    service_account: str = "default"
    node_selector: Labels = EMPTY_LABELS
    tolerations: tuple[Toleration, ...] = ()
    has_pod_anti_affinity: bool = False
    termination_grace_period_seconds: int = 30
    origin: str = field(default="", compare=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(kind="Pod", namespace=self.namespace, name=self.name)

    @property
    def key(self) -> str:
        """``ns/name``, the id used in every output."""
        return f"{self.namespace}/{self.name}"

    @property
    def container_ports(self) -> Iterator[ContainerPort]:
        for container in self.containers:
            yield from container.ports


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicePort:
    port: int
    protocol: Protocol = Protocol.TCP
    name: str = ""
    #: ``targetPort``: a number, a container-port name, or (absent) the port itself.
    target_port: int | str = 0
    node_port: int | None = None
    app_protocol: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    namespace: str
    name: str
    type: str = "ClusterIP"
    #: ``spec.clusterIPs`` (``spec.clusterIP`` when only that is set); empty for
    #: headless (``None``) and ExternalName services.
    cluster_ips: tuple[str, ...] = ()
    headless: bool = False
    ports: tuple[ServicePort, ...] = ()
    #: ``None`` when the service has no selector (endpoints are managed by hand).
    selector: Labels | None = None
    external_name: str = ""
    publish_not_ready_addresses: bool = False
    ip_families: tuple[str, ...] = ()
    labels: Labels = EMPTY_LABELS
    origin: str = field(default="", compare=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(kind="Service", namespace=self.namespace, name=self.name)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    addresses: tuple[str, ...]
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    hostname: str = ""
    node_name: str = ""
    #: Name of the backing pod in the slice's namespace, when known.
    target_pod: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointPort:
    port: int
    protocol: Protocol = Protocol.TCP
    name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointSlice:
    namespace: str
    name: str
    service_name: str
    address_type: str = "IPv4"
    endpoints: tuple[Endpoint, ...] = ()
    ports: tuple[EndpointPort, ...] = ()
    #: True when netdiag derived it from pods and the service selector.
    derived: bool = False
    origin: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Taint:
    key: str
    value: str = ""
    effect: str = "NoSchedule"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    name: str
    labels: Labels = EMPTY_LABELS
    taints: tuple[Taint, ...] = ()
    addresses: tuple[str, ...] = ()
    pod_cidrs: tuple[str, ...] = ()
    origin: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    """A controller (Deployment, StatefulSet, …) as declared, for grouping and audit."""

    kind: str
    namespace: str
    name: str
    replicas: int = 1
    labels: Labels = EMPTY_LABELS
    selector: LabelSelector | None = None
    #: The pod template, kept raw for the serializer (re-emitted verbatim).
    template: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    service_name: str = ""
    #: The controller owning this workload (a ReplicaSet's Deployment, a Job's CronJob).
    owner: OwnerRef | None = None
    origin: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CorefileKubernetes:
    """The ``kubernetes`` plugin block of the Corefile (CoreDNS plugin/kubernetes)."""

    zones: tuple[str, ...] = ("cluster.local",)
    #: ``pods insecure|verified|disabled``; the plugin default is ``disabled``.
    pods: str = "disabled"
    ttl: int = 5
    endpoint_pod_names: bool = False
    ignore_empty_service: bool = False
    #: Namespaces exposed; empty = all.
    namespaces: tuple[str, ...] = ()
    #: ``fallthrough`` zones; ``None`` = no fallthrough, ``()`` = all zones.
    fallthrough: tuple[str, ...] | None = None
    #: ``autopath @kubernetes`` in the same server block (plugin/autopath): the
    #: server completes a pod's search path; it needs ``pods verified``.
    autopath: bool = False


#: What kubeadm writes into the ``coredns`` ConfigMap, assumed when none is given.
KUBEADM_COREFILE = CorefileKubernetes(
    zones=("cluster.local", "in-addr.arpa", "ip6.arpa"),
    pods="insecure",
    ttl=30,
    fallthrough=("in-addr.arpa", "ip6.arpa"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterDNS:
    cluster_domain: str = "cluster.local"
    #: ClusterIPs of the ``kube-dns`` Service in kube-system (kubelet's ``clusterDNS``).
    dns_ips: tuple[str, ...] = ()
    kubernetes: CorefileKubernetes = KUBEADM_COREFILE
    #: True when read from the ``coredns`` ConfigMap, False when assumed.
    corefile_present: bool = False
    corefile: str = ""
    #: NodeLocal DNSCache listen address when its DaemonSet is present.
    nodelocal_ip: str | None = None
    #: The nodes' own ``/etc/resolv.conf`` text (kubelet's ``--resolv-conf``): the
    #: source of node search domains for ClusterFirst and of everything for
    #: dnsPolicy Default / hostNetwork pods. Read from the ConfigMap
    #: ``kube-system/netdiag-node-resolv-conf`` (key ``resolv.conf``) when present,
    #: since the API does not expose it; empty when unknown.
    node_resolv_conf: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CNIInfo:
    #: CNI plugins recognised from kube-system DaemonSets (``calico``, ``flannel``, …).
    plugins: tuple[str, ...] = ()
    #: True/False when known; ``None`` when no CNI was recognised.
    enforces_network_policy: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterSnapshot:
    """One consistent view of the cluster's network-relevant objects."""

    namespaces: tuple[Namespace, ...] = ()
    pods: tuple[Pod, ...] = ()
    services: tuple[Service, ...] = ()
    endpoint_slices: tuple[EndpointSlice, ...] = ()
    network_policies: tuple[NetworkPolicy, ...] = ()
    nodes: tuple[Node, ...] = ()
    workloads: tuple[Workload, ...] = ()
    dns: ClusterDNS = ClusterDNS()
    cni: CNIInfo = CNIInfo()
    #: Human-readable description of where the snapshot came from.
    source: str = field(default="", compare=False)
    #: Warnings from loading (``file: object: message``).
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: Kinds that were seen but not modelled, with counts.
    skipped_kinds: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    #: Resources that could not be read (e.g. RBAC 403), as ``verb resource ns``.
    incomplete: tuple[str, ...] = field(default=(), compare=False)

    def namespace(self, name: str) -> Namespace | None:
        for ns in self.namespaces:
            if ns.name == name:
                return ns
        return None

    def pod(self, namespace: str, name: str) -> Pod | None:
        for pod in self.pods:
            if pod.namespace == namespace and pod.name == name:
                return pod
        return None

    def service(self, namespace: str, name: str) -> Service | None:
        for svc in self.services:
            if svc.namespace == namespace and svc.name == name:
                return svc
        return None

    def slices_for(self, service: Service) -> tuple[EndpointSlice, ...]:
        return tuple(
            s
            for s in self.endpoint_slices
            if s.namespace == service.namespace and s.service_name == service.name
        )
