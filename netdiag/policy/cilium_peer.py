"""Who a peer is to Cilium: a pod identity, the local host, a remote node, or the world. Pure.

Reference: Cilium docs "Layer 3 examples" (Entities based, Endpoints based)
and ``pkg/policy/api/entity.go``. Pods carry identity labels besides their
own: ``io.kubernetes.pod.namespace``, ``io.cilium.k8s.policy.serviceaccount``,
``io.cilium.k8s.policy.cluster`` and ``io.cilium.k8s.namespace.labels.<key>``
for each label of their namespace. Host-network pods have their node's
identity. Selector keys may carry a label source (``k8s:``, ``any:``); pods'
labels come from the ``k8s`` source.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import replace

from netdiag.cluster.cilium import Entity
from netdiag.cluster.meta import Labels
from netdiag.cluster.model import Node, Pod
from netdiag.cluster.selectors import LabelSelector, Operator, Requirement
from netdiag.policy.endpoints import Endpoint

POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
SERVICE_ACCOUNT_LABEL = "io.cilium.k8s.policy.serviceaccount"
CLUSTER_LABEL = "io.cilium.k8s.policy.cluster"
NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels."
#: Cilium's ``cluster-name`` default.
DEFAULT_CLUSTER_NAME = "default"
_SOURCES = ("k8s:", "any:")


class PeerKind(enum.Enum):
    POD = "pod"
    HOST = "host"
    REMOTE_NODE = "remote-node"
    WORLD = "world"


def identity_labels(
    pod: Pod, ns_labels: Mapping[str, str], cluster: str = DEFAULT_CLUSTER_NAME
) -> Labels:
    labels = dict(pod.labels)
    labels[POD_NAMESPACE_LABEL] = pod.namespace
    labels[SERVICE_ACCOUNT_LABEL] = pod.service_account
    labels[CLUSTER_LABEL] = cluster
    for key, value in ns_labels.items():
        labels[NAMESPACE_LABELS_PREFIX + key] = value
    return Labels(labels)


def _strip(key: str) -> str:
    for prefix in _SOURCES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def normalise(sel: LabelSelector) -> LabelSelector:
    """The selector with ``k8s:``/``any:`` source prefixes removed from its keys."""
    return replace(
        sel,
        match_labels=tuple(sorted((_strip(k), v) for k, v in sel.match_labels)),
        match_expressions=tuple(replace(r, key=_strip(r.key)) for r in sel.match_expressions),
    )


def names_namespace(sel: LabelSelector) -> bool:
    return any(k == POD_NAMESPACE_LABEL for k, _ in sel.match_labels) or any(
        r.key == POD_NAMESPACE_LABEL for r in sel.match_expressions
    )


def in_namespace(sel: LabelSelector, namespace: str) -> LabelSelector:
    """Cilium scopes a namespaced policy's endpoint selectors to its namespace unless
    they name ``io.kubernetes.pod.namespace`` themselves (CiliumNetworkPolicy docs)."""
    req = Requirement(key=POD_NAMESPACE_LABEL, operator=Operator.IN, values=frozenset({namespace}))
    return replace(sel, match_expressions=(*sel.match_expressions, req))


class Peers:
    """Node addresses and the API server's addresses, to classify non-pod peers."""

    def __init__(
        self,
        node_ips: Mapping[str, str],
        apiserver_ips: frozenset[str],
        *,
        host_network_pods: bool = True,
    ) -> None:
        #: address -> node name
        self.node_ips = dict(node_ips)
        self.apiserver_ips = apiserver_ips
        #: True when some peer can be a node (Node addresses, host-network pods).
        self.nodes_present = bool(node_ips) or host_network_pods

    def kind(self, peer: Endpoint, subject: Pod) -> PeerKind:
        return self.kind_for_node(peer, subject.node_name)

    def kind_for_node(self, peer: Endpoint, subject_node: str) -> PeerKind:
        """``peer`` as seen from a pod on ``subject_node``."""
        pod = peer.pod
        if pod is not None and not pod.host_network:
            return PeerKind.POD
        node = pod.node_name if pod is not None else self._node_of(peer)
        if node is None:
            return PeerKind.WORLD
        # The local host is the subject's own node; every other node is remote.
        return PeerKind.HOST if node and node == subject_node else PeerKind.REMOTE_NODE

    def _node_of(self, peer: Endpoint) -> str | None:
        net = peer.network
        if net is None or net.num_addresses != 1:
            return None
        return self.node_ips.get(str(net.network_address))

    def is_apiserver(self, peer: Endpoint) -> bool:
        net = peer.network
        if net is None or net.num_addresses != 1:
            return False
        return str(net.network_address) in self.apiserver_ips

    def entity_matches(self, entity: Entity, kind: PeerKind, peer: Endpoint) -> bool:
        if entity is Entity.ALL:
            return True
        if entity is Entity.CLUSTER:
            return kind in (PeerKind.POD, PeerKind.HOST, PeerKind.REMOTE_NODE)
        if entity is Entity.HOST:
            return kind is PeerKind.HOST
        if entity is Entity.REMOTE_NODE:
            return kind is PeerKind.REMOTE_NODE
        if entity is Entity.KUBE_APISERVER:
            return self.is_apiserver(peer)
        if entity in (Entity.WORLD, Entity.WORLD_IPV4, Entity.WORLD_IPV6):
            if kind is not PeerKind.WORLD:
                return False
            if entity is Entity.WORLD:
                return True
            version = peer.network.version if peer.network is not None else 0
            return version == (4 if entity is Entity.WORLD_IPV4 else 6)
        # init, ingress, health, unmanaged, none: identities netdiag does not model.
        return False


def node_addresses(nodes: Iterable[Node]) -> dict[str, str]:
    """``Node.addresses`` -> node name, skipping anything that is not an IP."""
    out: dict[str, str] = {}
    for node in nodes:
        for addr in node.addresses:
            try:
                ipaddress.ip_address(addr)
            except ValueError:
                continue
            out[addr] = node.name
    return out
