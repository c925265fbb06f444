"""NetworkPolicy → internal form: effective directions, rules, peers, ports.

The rules implemented here are those of ``networking.k8s.io/v1`` (API reference,
NetworkPolicySpec / NetworkPolicyPeer / NetworkPolicyPort / IPBlock); the
comments cite the rule next to the code, and docs/architecture.md traps numbers the traps.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NoReturn

from netdiag.cluster.meta import Labels, Protocol
from netdiag.cluster.model import Pod
from netdiag.cluster.networkpolicy import (
    IPBlock,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)
from netdiag.cluster.selectors import LabelSelector
from netdiag.errors import InputError
from netdiag.policy.ports import ALL, EMPTY, MAX_PORT, MIN_PORT, PortSet

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
#: A destination pod's named ports: ``(name, protocol) -> containerPort``.
NamedPorts = Mapping[tuple[str, Protocol], int]


def named_ports_of(pod: Pod) -> dict[tuple[str, Protocol], int]:
    """The pod's container ports that have a name (trap 5: named ports live on the pod)."""
    return {(cp.name, cp.protocol): cp.container_port for cp in pod.container_ports if cp.name}


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledIPBlock:
    cidr: str
    network: Network
    excepts: tuple[Network, ...] = ()

    def contains_address(self, address: Address) -> bool:
        """``cidr`` holds the address and no ``except`` does (IPBlock: except carves this peer)."""
        if address.version != self.network.version or address not in self.network:
            return False
        return not any(address in ex for ex in self.excepts)

    def contains_network(self, net: Network) -> bool:
        """Every address of ``net`` is matched: inside ``cidr``, disjoint from each except."""
        if net.version != self.network.version or not net.subnet_of(self.network):  # type: ignore[arg-type]
            return False
        return not any(net.overlaps(ex) for ex in self.excepts)

    def __str__(self) -> str:
        if self.excepts:
            return f"ipBlock {self.cidr} except {', '.join(str(e) for e in self.excepts)}"
        return f"ipBlock {self.cidr}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledPeer:
    """One ``from``/``to`` entry.

    NetworkPolicyPeer: ``podSelector`` alone selects pods in the policy's own
    namespace; ``namespaceSelector`` alone selects all pods of the matching
    namespaces; both in one peer select pods matching ``podSelector`` *in*
    namespaces matching ``namespaceSelector`` (AND) (trap 3).
    """

    index: int
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    #: The policy's namespace: the only one a podSelector-only peer can match.
    policy_namespace: str = ""
    ip_block: CompiledIPBlock | None = None

    def namespace_matches(self, namespace: str, ns_labels: Mapping[str, str]) -> bool:
        if self.namespace_selector is None:
            return namespace == self.policy_namespace
        return self.namespace_selector.matches(ns_labels)

    def pod_matches(self, labels: Mapping[str, str]) -> bool:
        return self.pod_selector is None or self.pod_selector.matches(labels)

    def matches_pod(self, namespace: str, ns_labels: Mapping[str, str], labels: Labels) -> bool:
        """Selector peers only; ipBlock peers match by address (see :meth:`matches_address`)."""
        if self.ip_block is not None:
            return False
        return self.namespace_matches(namespace, ns_labels) and self.pod_matches(labels)

    def describe(self) -> str:
        if self.ip_block is not None:
            return str(self.ip_block)
        pods = (
            "all pods"
            if self.pod_selector is None or self.pod_selector.is_empty
            else (f"pods with {self.pod_selector}")
        )
        if self.namespace_selector is None:
            return f"{pods} in namespace {self.policy_namespace}"
        if self.namespace_selector.is_empty:
            return f"{pods} in every namespace"
        return f"{pods} in namespaces with {self.namespace_selector}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledPort:
    protocol: Protocol = Protocol.TCP
    port: int | None = None
    end_port: int | None = None
    name: str | None = None

    def resolve(self, named: NamedPorts | None) -> PortSet:
        """The ports this entry allows towards a destination with ``named`` ports.

        A named port resolves on the destination pod by name *and* protocol; a
        destination without it (or not a pod: ``named is None``) matches nothing (trap 5).
        """
        if self.name is not None:
            if named is None:
                return EMPTY
            number = named.get((self.name, self.protocol))
            return EMPTY if number is None else PortSet.of(self.protocol, number)
        return PortSet.of(self.protocol, self.port, self.end_port)

    def describe(self) -> str:
        if self.name is not None:
            return f"{self.protocol.value} port {self.name!r}"
        if self.port is None:
            return f"all {self.protocol.value}"
        if self.end_port is not None and self.end_port != self.port:
            return f"{self.protocol.value} {self.port}-{self.end_port}"
        return f"{self.protocol.value} {self.port}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledRule:
    """Peers OR, ports OR, and a connection must match a peer AND a port (trap 2).

    Empty ``peers`` = every source/destination; empty ``ports`` = every port.
    """

    index: int
    peers: tuple[CompiledPeer, ...] = ()
    ports: tuple[CompiledPort, ...] = ()

    @property
    def all_peers(self) -> bool:
        return not self.peers

    @property
    def has_named_ports(self) -> bool:
        return any(p.name is not None for p in self.ports)

    def port_set(self, named: NamedPorts | None) -> PortSet:
        if not self.ports:
            return ALL
        out = EMPTY
        for p in self.ports:
            out = out | p.resolve(named)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    isolates_ingress: bool
    isolates_egress: bool
    #: Only the directions in effect: rules of a direction not in the effective
    #: policyTypes are ignored (trap 1).
    ingress: tuple[CompiledRule, ...] = ()
    egress: tuple[CompiledRule, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def selects(self, namespace: str, labels: Mapping[str, str]) -> bool:
        """NetworkPolicySpec.podSelector selects pods in the policy's namespace only (trap 1)."""
        return namespace == self.namespace and self.pod_selector.matches(labels)


def compile_policies(policies: Iterable[NetworkPolicy]) -> tuple[CompiledPolicy, ...]:
    return tuple(compile_policy(p) for p in policies)


def compile_policy(policy: NetworkPolicy) -> CompiledPolicy:
    """Compile one policy; raises :class:`InputError` naming the field on invalid input."""
    types = policy.effective_policy_types
    unknown = types - {"Ingress", "Egress"}
    if unknown:
        _fail(policy, "spec.policyTypes", f"unknown policy type {sorted(unknown)[0]!r}")
    ingress = "Ingress" in types
    egress = "Egress" in types
    return CompiledPolicy(
        namespace=policy.namespace,
        name=policy.name,
        pod_selector=policy.pod_selector,
        isolates_ingress=ingress,
        isolates_egress=egress,
        ingress=_rules(policy, policy.ingress, "ingress", "from") if ingress else (),
        egress=_rules(policy, policy.egress, "egress", "to") if egress else (),
    )


def _rules(
    policy: NetworkPolicy, rules: tuple[NetworkPolicyRule, ...], section: str, peers: str
) -> tuple[CompiledRule, ...]:
    out = []
    for i, rule in enumerate(rules):
        where = f"spec.{section}[{i}]"
        out.append(
            CompiledRule(
                index=i,
                peers=tuple(
                    _peer(policy, peer, j, f"{where}.{peers}[{j}]")
                    for j, peer in enumerate(rule.peers)
                ),
                ports=tuple(
                    _port(policy, port, f"{where}.ports[{k}]") for k, port in enumerate(rule.ports)
                ),
            )
        )
    return tuple(out)


def _peer(policy: NetworkPolicy, peer: NetworkPolicyPeer, index: int, where: str) -> CompiledPeer:
    if peer.ip_block is not None:
        if peer.pod_selector is not None or peer.namespace_selector is not None:
            _fail(policy, where, "ipBlock cannot be combined with podSelector/namespaceSelector")
        return CompiledPeer(
            index=index,
            policy_namespace=policy.namespace,
            ip_block=_ip_block(policy, peer.ip_block, f"{where}.ipBlock"),
        )
    if peer.pod_selector is None and peer.namespace_selector is None:
        _fail(policy, where, "a peer needs podSelector, namespaceSelector or ipBlock")
    return CompiledPeer(
        index=index,
        pod_selector=peer.pod_selector,
        namespace_selector=peer.namespace_selector,
        policy_namespace=policy.namespace,
    )


def parse_network(text: str) -> Network:
    """A CIDR or a bare address (a /32 or /128); host bits may be set, as the API allows."""
    return ipaddress.ip_network(text.strip(), strict=False)


def _ip_block(policy: NetworkPolicy, block: IPBlock, where: str) -> CompiledIPBlock:
    try:
        network = parse_network(block.cidr)
    except ValueError:
        _fail(policy, f"{where}.cidr", f"invalid CIDR {block.cidr!r}")
    excepts = []
    for i, ex in enumerate(block.except_):
        try:
            net = parse_network(ex)
        except ValueError:
            _fail(policy, f"{where}.except[{i}]", f"invalid CIDR {ex!r}")
        # IPBlock.except: "Except values will be rejected if they are outside the cidr range".
        if net.version != network.version or not net.subnet_of(network):  # type: ignore[arg-type]
            _fail(policy, f"{where}.except[{i}]", f"{ex} is outside cidr {block.cidr}")
        excepts.append(net)
    return CompiledIPBlock(cidr=block.cidr, network=network, excepts=tuple(excepts))


def _port(policy: NetworkPolicy, port: NetworkPolicyPort, where: str) -> CompiledPort:
    # NetworkPolicyPort: protocol defaults to TCP; endPort is inclusive, needs a
    # numeric port and must be >= port (trap 5).
    if isinstance(port.port, str):
        if port.end_port is not None:
            _fail(policy, f"{where}.endPort", "endPort needs a numeric port")
        return CompiledPort(protocol=port.protocol, name=port.port)
    if port.port is None:
        if port.end_port is not None:
            _fail(policy, f"{where}.endPort", "endPort needs a numeric port")
        return CompiledPort(protocol=port.protocol)
    if not MIN_PORT <= port.port <= MAX_PORT:
        _fail(policy, f"{where}.port", f"port {port.port} is outside 1-65535")
    if port.end_port is not None and not port.port <= port.end_port <= MAX_PORT:
        _fail(policy, f"{where}.endPort", f"endPort {port.end_port} must be >= port {port.port}")
    return CompiledPort(protocol=port.protocol, port=port.port, end_port=port.end_port)


def _fail(policy: NetworkPolicy, field: str, message: str) -> NoReturn:
    origin = f"{policy.origin}: " if policy.origin else ""
    raise InputError(f"{origin}NetworkPolicy {policy.key}: {field}: {message}")
