"""Builders for small clusters in the upstream e2e model (namespaces x,y,z; pods a,b,c)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netdiag.cluster.meta import NAMESPACE_NAME_LABEL, Labels, Protocol
from netdiag.cluster.model import ClusterSnapshot, Container, ContainerPort, Namespace, Pod
from netdiag.cluster.networkpolicy import (
    IPBlock,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)
from netdiag.cluster.selectors import LabelSelector

NAMESPACES = ("x", "y", "z")
PODS = ("a", "b", "c")


def sel(**labels: str) -> LabelSelector:
    return LabelSelector.from_labels(labels)


def e2e_ports() -> tuple[Container, ...]:
    """The upstream model: ports 80 and 81 over TCP, UDP and SCTP, named serve-<port>-<proto>."""
    ports = tuple(
        ContainerPort(container_port=p, protocol=proto, name=f"serve-{p}-{proto.value.lower()}")
        for p in (80, 81)
        for proto in Protocol
    )
    return (Container(name="c", ports=ports),)


def e2e_pod(ns: str, name: str, index: int, **kw: object) -> Pod:
    ip = f"10.244.{NAMESPACES.index(ns) if ns in NAMESPACES else 9}.{index + 10}"
    args: dict[str, object] = {
        "namespace": ns,
        "name": name,
        "labels": Labels({"pod": name}),
        "ips": (ip,),
        "containers": e2e_ports(),
    }
    args.update(kw)
    return Pod(**args)  # type: ignore[arg-type]


def e2e_cluster(
    policies: Iterable[NetworkPolicy] = (),
    pods: Sequence[Pod] | None = None,
    **kw: object,
) -> ClusterSnapshot:
    namespaces = tuple(
        Namespace(name=ns, labels=Labels({"ns": ns, NAMESPACE_NAME_LABEL: ns})) for ns in NAMESPACES
    )
    if pods is None:
        pods = [e2e_pod(ns, p, i) for ns in NAMESPACES for i, p in enumerate(PODS)]
    return ClusterSnapshot(
        namespaces=namespaces,
        pods=tuple(pods),
        network_policies=tuple(policies),
        **kw,  # type: ignore[arg-type]
    )


def policy(
    ns: str = "x",
    name: str = "p",
    selector: LabelSelector | None = None,
    ingress: Sequence[NetworkPolicyRule] = (),
    egress: Sequence[NetworkPolicyRule] = (),
    types: Sequence[str] = (),
) -> NetworkPolicy:
    return NetworkPolicy(
        namespace=ns,
        name=name,
        pod_selector=selector if selector is not None else LabelSelector(),
        ingress=tuple(ingress),
        egress=tuple(egress),
        policy_types=tuple(types),
    )


def rule(*peers: NetworkPolicyPeer, ports: Sequence[NetworkPolicyPort] = ()) -> NetworkPolicyRule:
    return NetworkPolicyRule(peers=tuple(peers), ports=tuple(ports))


def peer(
    pods: LabelSelector | None = None,
    namespaces: LabelSelector | None = None,
    cidr: str | None = None,
    except_: Sequence[str] = (),
) -> NetworkPolicyPeer:
    block = IPBlock(cidr=cidr, except_=tuple(except_)) if cidr else None
    return NetworkPolicyPeer(pod_selector=pods, namespace_selector=namespaces, ip_block=block)


def port(
    p: int | str | None = None, protocol: Protocol = Protocol.TCP, end: int | None = None
) -> NetworkPolicyPort:
    return NetworkPolicyPort(port=p, protocol=protocol, end_port=end)
