"""Per-kind parsers: one Kubernetes object dict -> model values. Pure.

:func:`parse_object` dispatches on ``kind`` and raises :class:`ManifestError`
whose message names the origin, the object (``Kind ns/name``) and the field path
(``spec.ingress[0].from[1].ipBlock.cidr``). Names the API server would refuse
(underscores, capitals) load with a warning instead.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.fields import FieldError
from netdiag.cluster.meta import NAMESPACE_NAME_LABEL, Labels, ObjectRef
from netdiag.cluster.model import (
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Namespace,
    Node,
    Pod,
    Service,
    ServicePort,
    Taint,
    Workload,
)
from netdiag.cluster.networkpolicy import NetworkPolicy
from netdiag.cluster.parse_pod import (
    WORKLOAD_KINDS,
    controller_owner,
    parse_pod_spec,
    parse_workload,
)
from netdiag.cluster.parse_policy import parse_network_policy
from netdiag.errors import ManifestError

CLUSTER_SCOPED = frozenset({"Namespace", "Node"})
#: ConfigMaps netdiag reads; every other ConfigMap is ignored.
COREDNS_CONFIGMAP = ("kube-system", "coredns")
NODE_RESOLV_CONF_CONFIGMAP = ("kube-system", "netdiag-node-resolv-conf")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigMap:
    namespace: str
    name: str
    data: Labels
    origin: str = field(default="", compare=False)


Parsed = Namespace | Pod | Service | EndpointSlice | NetworkPolicy | Node | ConfigMap | Workload


@dataclass(frozen=True, slots=True, kw_only=True)
class ParseResult:
    objects: tuple[Parsed, ...] = ()
    warnings: tuple[str, ...] = ()


def object_ref(obj: Mapping[str, Any], kind: str | None = None) -> ObjectRef:
    """``Kind ns/name`` of a raw object, as far as it can be read, for messages."""
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    assert isinstance(meta, Mapping)
    kind = kind or str(obj.get("kind") or "?")
    name = str(meta.get("name") or "?")
    namespace = "" if kind in CLUSTER_SCOPED else str(meta.get("namespace") or "default")
    return ObjectRef(kind=kind, namespace=namespace, name=name)


def manifest_error(origin: str, ref: ObjectRef, field_path: str, message: str) -> ManifestError:
    where = f"{field_path}: " if field_path else ""
    return ManifestError(f"{origin}: {ref}: {where}{message}")


def parse_object(obj: Mapping[str, Any], origin: str, kind: str | None = None) -> ParseResult:
    """Parse one object of a supported ``kind`` (see :data:`PARSERS`).

    Raises:
        ManifestError: naming origin, object and field.
    """
    kind = kind or str(obj.get("kind") or "")
    ref = object_ref(obj, kind)
    parser = PARSERS[kind]
    warnings: list[str] = []
    try:
        meta = f.mapping(obj, "metadata", "")
        name = f.string(meta, "name", "metadata")
        if not name:
            raise FieldError("is required", "metadata.name")
        if not f.valid_object_name(name):
            warnings.append(
                f"{origin}: {ref}: metadata.name: {name!r} is not a valid DNS-1123 name "
                "(the API server would refuse it); loaded anyway"
            )
        namespace = "" if kind in CLUSTER_SCOPED else f.string(meta, "namespace", "metadata")
        namespace = namespace or ("" if kind in CLUSTER_SCOPED else "default")
        objects = parser(obj, namespace, name, kind)
    except FieldError as e:
        raise manifest_error(origin, ref, e.field, e.message) from None
    return ParseResult(objects=objects, warnings=tuple(warnings))


def _namespace(obj: Mapping[str, Any], _ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    meta = f.mapping(obj, "metadata", "")
    labels = dict(f.labels(meta, "labels", "metadata"))
    # The API server sets this label on every Namespace (Kubernetes >= 1.21).
    labels[NAMESPACE_NAME_LABEL] = name
    declared = f.labels(meta, "annotations", "metadata").get(f.DECLARED_ANNOTATION) != "false"
    return (Namespace(name=name, labels=Labels(labels), declared=declared),)


def _node(obj: Mapping[str, Any], _ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    meta = f.mapping(obj, "metadata", "")
    spec = f.mapping(obj, "spec", "")
    status = f.mapping(obj, "status", "")
    taints = tuple(
        _taint(f.item_map(t, f"spec.taints[{i}]"), f"spec.taints[{i}]")
        for i, t in enumerate(f.seq(spec, "taints", "spec"))
    )
    addresses = tuple(
        f.string(f.item_map(a, f"status.addresses[{i}]"), "address", f"status.addresses[{i}]")
        for i, a in enumerate(f.seq(status, "addresses", "status"))
    )
    cidrs = tuple(str(c) for c in f.seq(spec, "podCIDRs", "spec"))
    if not cidrs and spec.get("podCIDR"):
        cidrs = (f.string(spec, "podCIDR", "spec"),)
    return (
        Node(
            name=name,
            labels=f.labels(meta, "labels", "metadata"),
            taints=taints,
            addresses=addresses,
            pod_cidrs=cidrs,
        ),
    )


def _taint(raw: Mapping[str, Any], path: str) -> Taint:
    return Taint(
        key=f.string(raw, "key", path),
        value=f.string(raw, "value", path),
        effect=f.string(raw, "effect", path, "NoSchedule"),
    )


def _config_map(obj: Mapping[str, Any], ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    if (ns, name) not in (COREDNS_CONFIGMAP, NODE_RESOLV_CONF_CONFIGMAP):
        return ()
    return (ConfigMap(namespace=ns, name=name, data=f.labels(obj, "data", "")),)


def _pod(obj: Mapping[str, Any], ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    meta = f.mapping(obj, "metadata", "")
    status = f.mapping(obj, "status", "")
    ips = tuple(
        f.string(f.item_map(p, f"status.podIPs[{i}]"), "ip", f"status.podIPs[{i}]")
        for i, p in enumerate(f.seq(status, "podIPs", "status"))
    )
    if not ips and status.get("podIP"):
        ips = (f.string(status, "podIP", "status"),)
    for i, ip in enumerate(ips):
        _check_ip(ip, f"status.podIPs[{i}]")
    phase = f.string(status, "phase", "status", "Running")
    ready = phase == "Running"
    for cond in f.seq(status, "conditions", "status"):
        if isinstance(cond, Mapping) and cond.get("type") == "Ready":
            ready = str(cond.get("status")) == "True"
    annotations = f.labels(meta, "annotations", "metadata")
    pod = parse_pod_spec(
        f.mapping(obj, "spec", ""),
        meta,
        namespace=ns,
        name=name,
        path="",
        ips=ips,
        phase=phase,
        ready=ready,
        owner=controller_owner(meta),
        # netdiag.io/* annotations are netdiag's round-trip marks, not the user's.
        annotations=Labels(
            {k: v for k, v in annotations.items() if not k.startswith("netdiag.io/")}
        ),
        synthetic=annotations.get(f.SYNTHETIC_ANNOTATION) == "true",
        synthetic_ip=annotations.get(f.SYNTHETIC_IP_ANNOTATION) == "true",
    )
    return (pod,)


def _check_ip(text: str, path: str) -> None:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise FieldError(f"invalid IP address {text!r}", path) from None


def _service(obj: Mapping[str, Any], ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    meta = f.mapping(obj, "metadata", "")
    spec = f.mapping(obj, "spec", "")
    svc_type = f.string(spec, "type", "spec", "ClusterIP")
    ips = tuple(str(ip) for ip in f.seq(spec, "clusterIPs", "spec"))
    if not ips and spec.get("clusterIP"):
        ips = (f.string(spec, "clusterIP", "spec"),)
    headless = ips[:1] == ("None",)
    ips = () if headless or svc_type == "ExternalName" else ips
    for i, ip in enumerate(ips):
        _check_ip(ip, f"spec.clusterIPs[{i}]")
    selector = f.labels(spec, "selector", "spec")
    external = f.string(spec, "externalName", "spec")
    if svc_type == "ExternalName" and not external:
        raise FieldError("is required for type ExternalName", "spec.externalName")
    return (
        Service(
            namespace=ns,
            name=name,
            type=svc_type,
            cluster_ips=ips,
            headless=headless,
            ports=tuple(
                _service_port(f.item_map(p, f"spec.ports[{i}]"), f"spec.ports[{i}]")
                for i, p in enumerate(f.seq(spec, "ports", "spec"))
            ),
            selector=selector or None,
            external_name=external,
            publish_not_ready_addresses=f.boolean(spec, "publishNotReadyAddresses", "spec"),
            ip_families=tuple(str(x) for x in f.seq(spec, "ipFamilies", "spec")),
            labels=f.labels(meta, "labels", "metadata"),
        ),
    )


def _service_port(raw: Mapping[str, Any], path: str) -> ServicePort:
    target: int | str = 0
    if raw.get("targetPort") is not None:
        target = f.int_or_port_name(raw["targetPort"], f"{path}.targetPort")
    return ServicePort(
        port=f.port_number(raw, "port", path),
        protocol=f.protocol(raw, "protocol", path),
        name=f.string(raw, "name", path),
        target_port=target,
        node_port=f.integer(raw, "nodePort", path, low=1, high=65535),
        app_protocol=f.string(raw, "appProtocol", path) or None,
    )


def _endpoint_slice(obj: Mapping[str, Any], ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    meta = f.mapping(obj, "metadata", "")
    service = f.labels(meta, "labels", "metadata").get("kubernetes.io/service-name", "")
    endpoints = []
    for i, raw in enumerate(f.seq(obj, "endpoints", "")):
        path = f"endpoints[{i}]"
        ep = f.item_map(raw, path)
        cond = f.mapping(ep, "conditions", path)
        ready = f.boolean(cond, "ready", f"{path}.conditions", True)
        target = f.mapping(ep, "targetRef", path)
        endpoints.append(
            Endpoint(
                addresses=tuple(str(a) for a in f.seq(ep, "addresses", path)),
                ready=ready,
                serving=f.boolean(cond, "serving", f"{path}.conditions", ready),
                terminating=f.boolean(cond, "terminating", f"{path}.conditions", False),
                hostname=f.string(ep, "hostname", path),
                node_name=f.string(ep, "nodeName", path),
                target_pod=f.string(target, "name", path) if target.get("kind") == "Pod" else "",
            )
        )
    ports = tuple(
        _endpoint_port(f.item_map(p, f"ports[{i}]"), f"ports[{i}]")
        for i, p in enumerate(f.seq(obj, "ports", ""))
        if isinstance(p, Mapping) and p.get("port") is not None
    )
    derived = f.labels(meta, "annotations", "metadata").get(f.DERIVED_ANNOTATION) == "true"
    return (
        EndpointSlice(
            namespace=ns,
            name=name,
            service_name=service,
            address_type=f.string(obj, "addressType", "", "IPv4"),
            endpoints=tuple(endpoints),
            ports=ports,
            derived=derived,
        ),
    )


def _endpoint_port(raw: Mapping[str, Any], path: str) -> EndpointPort:
    return EndpointPort(
        port=f.port_number(raw, "port", path),
        protocol=f.protocol(raw, "protocol", path),
        name=f.string(raw, "name", path),
    )


def _endpoints(obj: Mapping[str, Any], ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    """Legacy ``v1 Endpoints``: one EndpointSlice per subset (same service name)."""
    subsets = f.seq(obj, "subsets", "")
    out: list[Parsed] = []
    for i, raw in enumerate(subsets):
        path = f"subsets[{i}]"
        subset = f.item_map(raw, path)
        endpoints = [
            _legacy_address(f.item_map(a, f"{path}.{key}[{j}]"), f"{path}.{key}[{j}]", ready)
            for key, ready in (("addresses", True), ("notReadyAddresses", False))
            for j, a in enumerate(f.seq(subset, key, path))
        ]
        ports = tuple(
            _endpoint_port(f.item_map(p, f"{path}.ports[{j}]"), f"{path}.ports[{j}]")
            for j, p in enumerate(f.seq(subset, "ports", path))
        )
        family = "IPv6" if endpoints and ":" in endpoints[0].addresses[0] else "IPv4"
        out.append(
            EndpointSlice(
                namespace=ns,
                name=name if len(subsets) == 1 else f"{name}-{i}",
                service_name=name,
                address_type=family,
                endpoints=tuple(endpoints),
                ports=ports,
            )
        )
    return tuple(out)


def _legacy_address(raw: Mapping[str, Any], path: str, ready: bool) -> Endpoint:
    ip = f.string(raw, "ip", path)
    _check_ip(ip, f"{path}.ip")
    target = f.mapping(raw, "targetRef", path)
    return Endpoint(
        addresses=(ip,),
        ready=ready,
        serving=ready,
        hostname=f.string(raw, "hostname", path),
        node_name=f.string(raw, "nodeName", path),
        target_pod=f.string(target, "name", path) if target.get("kind") == "Pod" else "",
    )


def _network_policy(obj: Mapping[str, Any], ns: str, name: str, _k: str) -> tuple[Parsed, ...]:
    return (parse_network_policy(obj, ns, name),)


def _workload(obj: Mapping[str, Any], ns: str, name: str, kind: str) -> tuple[Parsed, ...]:
    return (parse_workload(obj, kind, ns, name),)


_Parser = Callable[[Mapping[str, Any], str, str, str], tuple[Parsed, ...]]

#: Supported kinds and their parsers; every other kind is counted and skipped.
PARSERS: dict[str, _Parser] = {
    "Namespace": _namespace,
    "Pod": _pod,
    "Service": _service,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoint_slice,
    "NetworkPolicy": _network_policy,
    "Node": _node,
    "ConfigMap": _config_map,
    **{kind: _workload for kind in WORKLOAD_KINDS},
}
