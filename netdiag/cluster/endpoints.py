"""EndpointSlices derived from pods and Service selectors, as the controller would. Pure.

Follows ``pkg/controller/endpointslice`` (``reconciler.go``, ``utils.go``):
services without a selector and ExternalName services get none; terminal pods
(Succeeded/Failed) and pods without IPs are left out; an endpoint is ready when
the pod is ready or the service sets ``publishNotReadyAddresses``; ``hostname``
is set only when the pod's ``subdomain`` equals the service name; named
``targetPort``\\ s resolve per pod (by name and protocol) and pods whose ports
resolve differently land in different slices.
"""

from __future__ import annotations

from collections.abc import Sequence

from netdiag.cluster.model import Endpoint, EndpointPort, EndpointSlice, Pod, Service


def resolve_target_port(
    service_port_target: int | str, port: int, pod: Pod, protocol: object
) -> int | None:
    """The container port a Service port reaches on ``pod`` (``None`` if unresolvable)."""
    if isinstance(service_port_target, str):
        for cp in pod.container_ports:
            if cp.name == service_port_target and cp.protocol == protocol:
                return cp.container_port
        return None
    return service_port_target or port


def derive_slices(service: Service, pods: Sequence[Pod]) -> tuple[EndpointSlice, ...]:
    if service.selector is None or service.type == "ExternalName":
        return ()
    wanted = service.selector.items()
    groups: dict[tuple[str, tuple[EndpointPort, ...]], list[Endpoint]] = {}
    for pod in pods:
        if pod.namespace != service.namespace or pod.phase in ("Succeeded", "Failed"):
            continue
        if not wanted <= pod.labels.items():  # every selector pair is a pod label
            continue
        ports = tuple(
            EndpointPort(port=target, protocol=sp.protocol, name=sp.name)
            for sp in service.ports
            if (target := resolve_target_port(sp.target_port, sp.port, pod, sp.protocol))
            is not None
        )
        for family, ips in _by_family(pod.ips).items():
            endpoint = Endpoint(
                addresses=ips[:1],
                ready=pod.ready or service.publish_not_ready_addresses,
                serving=pod.ready or service.publish_not_ready_addresses,
                hostname=pod.hostname if pod.subdomain == service.name and pod.hostname else "",
                node_name=pod.node_name,
                target_pod=pod.name,
            )
            groups.setdefault((family, ports), []).append(endpoint)
    return tuple(
        EndpointSlice(
            namespace=service.namespace,
            name=f"{service.name}-{i}" if i else service.name,
            service_name=service.name,
            address_type=family,
            endpoints=tuple(sorted(eps, key=lambda e: (e.target_pod, e.addresses))),
            ports=ports,
            derived=True,
        )
        for i, ((family, ports), eps) in enumerate(sorted(groups.items(), key=_group_key))
    )


def _group_key(
    item: tuple[tuple[str, tuple[EndpointPort, ...]], list[Endpoint]],
) -> tuple[str, tuple[tuple[int, str, str], ...]]:
    (family, ports), _ = item
    return family, tuple((p.port, p.protocol.value, p.name) for p in ports)


def _by_family(ips: Sequence[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for ip in ips:
        family = "IPv6" if ":" in ip else "IPv4"
        out[family] = out.get(family, ()) + (ip,)
    return out
