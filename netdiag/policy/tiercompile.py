"""ClusterNetworkPolicy / ANP / BANP compiled for evaluation: subjects, peers, rules. Pure.

A peer becomes a *matcher*: a namespace (and pod) selector, or address blocks
for ``networks`` (CIDRs), ``nodes`` (the selected Nodes' ``status.addresses``)
and ``domainNames`` (the addresses the cluster DNS model answers,
:mod:`netdiag.policy.domains`). Evaluated by :mod:`netdiag.policy.tiers`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace

from netdiag.cluster.model import ClusterSnapshot
from netdiag.cluster.selectors import LabelSelector
from netdiag.cluster.tiers import (
    Action,
    ClusterNetworkPolicy,
    NamespacedPod,
    TierPeer,
    TierPort,
    TierRule,
)
from netdiag.policy.compile import CompiledIPBlock, NamedPorts, parse_network
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.ports import ALL, EMPTY, PROTOCOLS, PortSet
from netdiag.policy.verdict import Direction

#: A ``domainNames`` entry -> the ``(name, address)`` pairs the cluster DNS answers for it
#: (:func:`netdiag.policy.domains.resolve_domains`).
DomainResolver = Mapping[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledTierPeer:
    index: int
    namespace_selector: LabelSelector | None = None
    #: ``None`` with a namespace selector: every pod of those namespaces.
    pod_selector: LabelSelector | None = None
    #: Address-matched peers (networks, nodes, domainNames): their blocks.
    blocks: tuple[CompiledIPBlock, ...] = ()
    by_address: bool = False
    #: No field set: fails closed.
    unset: bool = False
    text: str = ""
    #: ``domainNames``: which name answered which address.
    names: tuple[tuple[str, str], ...] = ()

    @property
    def matcher(self) -> Hashable:
        """What decides whether an endpoint matches (equal for equal peers of any rule)."""
        return (self.namespace_selector, self.pod_selector, self.blocks, self.by_address)

    def names_for(self, peer: Endpoint) -> str:
        """The names whose answers hold ``peer``'s address (for explanations)."""
        addresses = set(peer.pod.ips) if peer.pod is not None else set()
        if peer.network is not None and peer.network.num_addresses == 1:
            addresses.add(str(peer.network.network_address))
        hits = sorted({n for n, a in self.names if a in addresses})
        return ", ".join(hits)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledTierRule:
    index: int
    name: str
    action: Action
    peers: tuple[CompiledTierPeer, ...]
    ports: tuple[TierPort, ...]

    #: The rule's ports when none is named (independent of the destination).
    fixed: PortSet | None = None

    def port_set(self, named: NamedPorts | None) -> PortSet:
        """The ports this rule matches toward a destination with ``named`` ports."""
        if self.fixed is not None:
            return self.fixed
        if not self.ports:
            return ALL
        out = EMPTY
        for p in self.ports:
            if p.named_port is not None:
                # destinationNamedPort names no protocol: any container port of that name.
                if named is not None:
                    for proto in PROTOCOLS:
                        number = named.get((p.named_port, proto))
                        if number is not None:
                            out = out | PortSet.of(proto, number)
                continue
            assert p.protocol is not None
            out = out | PortSet.of(p.protocol, p.port, p.end_port)
        return out

    def describe_ports(self) -> str:
        if not self.ports:
            return "every port"
        parts = []
        for p in self.ports:
            if p.named_port is not None:
                parts.append(f"port {p.named_port!r}")
            elif p.end_port is not None:
                assert p.protocol is not None
                parts.append(f"{p.protocol.value} {p.port}-{p.end_port}")
            else:
                assert p.protocol is not None
                parts.append(f"{p.protocol.value} {p.port}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledTierPolicy:
    index: int
    policy: ClusterNetworkPolicy
    subject_namespaces: LabelSelector
    subject_pods: LabelSelector | None
    ingress: tuple[CompiledTierRule, ...]
    egress: tuple[CompiledTierRule, ...]

    @property
    def name(self) -> str:
        return self.policy.name

    @property
    def priority(self) -> int:
        return self.policy.priority

    def rules(self, direction: Direction) -> tuple[CompiledTierRule, ...]:
        return self.egress if direction is Direction.EGRESS else self.ingress


def _namespaced(
    pods: NamespacedPod | None, namespaces: LabelSelector | None
) -> tuple[LabelSelector, LabelSelector | None]:
    if pods is not None:
        return pods.namespace_selector, pods.pod_selector
    assert namespaces is not None
    return namespaces, None


def _describe(ns: LabelSelector, pods: LabelSelector | None) -> str:
    who = "all pods" if pods is None or pods.is_empty else f"pods with {pods}"
    where = "every namespace" if ns.is_empty else f"namespaces with {ns}"
    return f"{who} in {where}"


def _host_block(address: str) -> CompiledIPBlock | None:
    try:
        net = parse_network(address)
    except ValueError:
        return None  # a Hostname address: not matchable by IP
    return CompiledIPBlock(cidr=str(net), network=net)


def compile_tier_peer(
    peer: TierPeer, index: int, snapshot: ClusterSnapshot, domains: DomainResolver
) -> CompiledTierPeer:
    if peer.namespaces is not None or peer.pods is not None:
        ns, pods = _namespaced(peer.pods, peer.namespaces)
        return CompiledTierPeer(
            index=index, namespace_selector=ns, pod_selector=pods, text=_describe(ns, pods)
        )
    if peer.networks is not None:
        blocks = tuple(CompiledIPBlock(cidr=c, network=parse_network(c)) for c in peer.networks)
        return CompiledTierPeer(
            index=index,
            blocks=blocks,
            by_address=True,
            text="networks " + ", ".join(peer.networks),
        )
    if peer.nodes is not None:
        selector = peer.nodes
        names = [n.name for n in snapshot.nodes if selector.matches(n.labels)]
        found = [
            b
            for n in snapshot.nodes
            if selector.matches(n.labels)
            for b in map(_host_block, n.addresses)
            if b is not None
        ]
        which = "every node" if selector.is_empty else f"nodes with {selector}"
        shown = ", ".join(names) or "none in the snapshot"
        return CompiledTierPeer(
            index=index, blocks=tuple(found), by_address=True, text=f"{which} ({shown})"
        )
    if peer.domain_names is not None:
        pairs = tuple(sorted({p for name in peer.domain_names for p in domains.get(name, ())}))
        found = [b for b in map(_host_block, sorted({a for _, a in pairs})) if b is not None]
        return CompiledTierPeer(
            index=index,
            blocks=tuple(found),
            by_address=True,
            text="domainNames " + ", ".join(peer.domain_names),
            names=pairs,
        )
    return CompiledTierPeer(index=index, unset=True, text="a peer with no field (fails closed)")


def _with_fixed_ports(rule: CompiledTierRule) -> CompiledTierRule:
    if any(p.named_port is not None for p in rule.ports):
        return rule
    return replace(rule, fixed=rule.port_set(None))


def compile_tier_policies(
    snapshot: ClusterSnapshot, domains: DomainResolver | None = None
) -> tuple[CompiledTierPolicy, ...]:
    domains = domains or {}
    out = []
    for i, pol in enumerate(snapshot.cluster_network_policies):
        ns, pods = _namespaced(pol.subject.pods, pol.subject.namespaces)

        def rules(raw: tuple[TierRule, ...]) -> tuple[CompiledTierRule, ...]:
            return tuple(
                _with_fixed_ports(
                    CompiledTierRule(
                        index=k,
                        name=r.name,
                        action=r.action,
                        peers=tuple(
                            compile_tier_peer(p, j, snapshot, domains)
                            for j, p in enumerate(r.peers)
                        ),
                        ports=r.ports,
                    )
                )
                for k, r in enumerate(raw)
            )

        out.append(
            CompiledTierPolicy(
                index=i,
                policy=pol,
                subject_namespaces=ns,
                subject_pods=pods,
                ingress=rules(pol.ingress),
                egress=rules(pol.egress),
            )
        )
    return tuple(out)


def describe_match(hit: CompiledTierPeer, peer: Endpoint, rule: CompiledTierRule) -> str:
    """``peer 0: domainNames … (DNS answers for api.example.com hold 192.0.2.10); TCP 443``."""
    text = f"peer {hit.index}: {hit.text}"
    names = hit.names_for(peer) if hit.names else ""
    if names:
        text += f" (DNS answers for {names} hold {peer.text})"
    return f"{text}; {rule.describe_ports()}"
