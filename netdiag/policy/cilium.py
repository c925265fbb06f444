"""CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy: judge one side of a connection. Pure.

Reference: Cilium docs "Policy Enforcement Modes", "Layer 3 Examples",
"Layer 4 Examples", "Deny Policies" and ``pkg/policy/api`` (``rule.go``,
``rule_validation.go``, ``entity.go``):

* A spec whose ``endpointSelector`` selects the pod puts that direction in
  default deny when it has rules there (allow or deny), unless
  ``enableDefaultDeny`` says otherwise; then only what some selecting spec
  allows passes. Specs that select it but do not enable default deny allow
  nothing extra and deny what their deny rules name.
* Deny rules win over allow rules, whatever the order or the policy.
* An empty rule ``{}`` matches nothing (but still turns default deny on); a
  rule with ``toPorts`` and no peer matches every peer on those ports.
* Endpoint selectors select pods only; in a CiliumNetworkPolicy they stay in
  its namespace unless they name ``io.kubernetes.pod.namespace``.
* CIDR rules select addresses outside the cluster, never pods or nodes.
* The local host can always reach the pods on its node (``allow-localhost``).
* L7 ``rules`` are not evaluated: the L4 verdict is given with a note.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from netdiag.cluster.cilium import CiliumPolicy, CiliumRule, CiliumSpec, FQDNSelector, L4Protocol
from netdiag.cluster.meta import EMPTY_LABELS, Labels, Protocol
from netdiag.cluster.model import Pod
from netdiag.cluster.selectors import LabelSelector
from netdiag.policy.cilium_peer import (
    PeerKind,
    Peers,
    identity_labels,
    in_namespace,
    names_namespace,
    normalise,
)
from netdiag.policy.compile import NamedPorts, named_ports_of
from netdiag.policy.decision import CniSide, Decision
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.ports import ALL, EMPTY, PROTOCOLS, PortSet
from netdiag.policy.verdict import Direction

#: Addresses a ``toFQDNs`` selector allows (from the DNS model); ``None`` = unknown.
FQDNResolver = Callable[[FQDNSelector], frozenset[str] | None]
#: ``(namespace, name)`` of a Service -> its backend pods and endpoint addresses.
ServiceBackends = Callable[[str, str, LabelSelector | None], tuple[frozenset[str], frozenset[str]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectedSpec:
    """A spec with its subject selector, scoped to the policy's namespace."""

    policy: CiliumPolicy
    spec: CiliumSpec
    subject: LabelSelector


def _no_services(
    _ns: str, _name: str, _sel: LabelSelector | None
) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(), frozenset()


class CiliumEngine:
    def __init__(
        self,
        policies: Iterable[CiliumPolicy],
        ns_labels: Mapping[str, Labels],
        peers: Peers,
        *,
        fqdn: FQDNResolver | None = None,
        services: ServiceBackends = _no_services,
    ) -> None:
        self.ns_labels = ns_labels
        self.peers = peers
        self.fqdn = fqdn
        self.services = services
        self.specs: list[SelectedSpec] = []
        for pol in policies:
            for spec in pol.specs:
                if spec.endpoint_selector is None:
                    continue  # nodeSelector: host policies, not pods
                sel = normalise(spec.endpoint_selector)
                if not pol.clusterwide:
                    sel = in_namespace(sel, pol.namespace)
                self.specs.append(SelectedSpec(policy=pol, spec=spec, subject=sel))
        self._labels: dict[str, Labels] = {}
        self._selecting: dict[tuple[object, ...], list[SelectedSpec]] = {}
        self._scoped: dict[int, tuple[LabelSelector, ...]] = {}

    def labels(self, pod: Pod) -> Labels:
        got = self._labels.get(pod.key)
        if got is None:
            got = identity_labels(pod, self.ns_labels.get(pod.namespace, EMPTY_LABELS))
            self._labels[pod.key] = got
        return got

    def selecting(self, pod: Pod, direction: Direction) -> list[SelectedSpec]:
        key = (pod.namespace, pod.labels, pod.service_account, direction)
        hit = self._selecting.get(key)
        if hit is None:
            hit = self._selecting[key] = self._select(pod, direction)
        return hit

    def _select(self, pod: Pod, direction: Direction) -> list[SelectedSpec]:
        egress = direction is Direction.EGRESS
        out = []
        for s in self.specs:
            rules = (
                (s.spec.egress + s.spec.egress_deny)
                if egress
                else (s.spec.ingress + s.spec.ingress_deny)
            )
            dd = s.spec.default_deny_egress if egress else s.spec.default_deny_ingress
            if (rules or dd) and s.subject.matches(self.labels(pod)):
                out.append(s)
        return out

    def side(
        self, subject: Endpoint, peer: Endpoint, direction: Direction, query: PortSet
    ) -> CniSide:
        pod = subject.pod
        assert pod is not None, "the subject of a side is a pod"
        if pod.host_network:
            note = (
                f"{pod.key} uses hostNetwork: Cilium host policies (nodeSelector) are not evaluated"
            )
            return _open(subject, direction, query, note, unknown=True)
        kind = self.peers.kind(peer, pod)
        if direction is Direction.INGRESS and kind is PeerKind.HOST:
            note = "the local host can always reach the pods on its node (allow-localhost)"
            return _open(subject, direction, query, note)
        specs = self.selecting(pod, direction)
        if not specs:
            note = f"no Cilium policy selects {pod.key} for {direction.value}"
            return _open(subject, direction, query, note)
        dst = peer if direction is Direction.EGRESS else subject
        named = named_ports_of(dst.pod) if dst.pod is not None else None
        egress = direction is Direction.EGRESS
        decisions: list[Decision] = []
        notes: list[str] = []
        denied = EMPTY
        for s in specs:
            for rule in s.spec.egress_deny if egress else s.spec.ingress_deny:
                hit = self._rule(s, rule, peer, kind, named, notes) & query
                if hit:
                    denied = denied | hit
                    decisions.append(self._decision(s, rule, hit, "Deny"))
        allowed = EMPTY
        for s in specs:
            for rule in s.spec.egress if egress else s.spec.ingress:
                hit = self._rule(s, rule, peer, kind, named, notes) & query
                if hit:
                    granted = hit - denied
                    allowed = allowed | granted
                    note = ""
                    if rule.l7 and granted:
                        note = f"{'/'.join(rule.l7)} rules further restrict it at L7"
                    decisions.append(self._decision(s, rule, hit, "Allow", note))
        default_deny = any(
            s.spec.default_deny_egress if egress else s.spec.default_deny_ingress for s in specs
        )
        granted = allowed
        rest = query - denied - allowed
        if rest:
            decisions.append(
                Decision(
                    ports=rest,
                    kind="Cilium",
                    policy="",
                    rule="",
                    action="default deny" if default_deny else "default allow",
                    note=(
                        "selected by a policy that enables default deny"
                        if default_deny
                        else "no selecting policy enables default deny"
                    ),
                )
            )
            if not default_deny:
                allowed = allowed | rest
        return CniSide(
            direction=direction,
            subject=subject.text,
            selected=default_deny or bool(denied),
            isolated=default_deny,
            rule_allowed=granted,
            allowed=allowed,
            decisions=tuple(decisions),
            policies=tuple(dict.fromkeys(f"{s.policy.kind} {s.policy.key}" for s in specs)),
            notes=tuple(dict.fromkeys(notes)),
        )

    @staticmethod
    def _decision(
        s: SelectedSpec, rule: CiliumRule, ports: PortSet, action: str, note: str = ""
    ) -> Decision:
        return Decision(
            ports=ports,
            kind=s.policy.kind,
            policy=s.policy.key,
            rule=rule.path,
            action=action,
            note=note,
        )

    def _rule(
        self,
        s: SelectedSpec,
        rule: CiliumRule,
        peer: Endpoint,
        kind: PeerKind,
        named: NamedPorts | None,
        notes: list[str],
    ) -> PortSet:
        if not rule.has_peer:
            # An empty rule {} matches nothing; toPorts alone matches every peer.
            return _ports(rule, named) if rule.to_ports else EMPTY
        if not self.peer_matches(s, rule, peer, kind, notes):
            return EMPTY
        return _ports(rule, named)

    def _peer_selectors(self, s: SelectedSpec, rule: CiliumRule) -> tuple[LabelSelector, ...]:
        """``rule``'s endpoint selectors, normalised and scoped to the policy's namespace."""
        hit = self._scoped.get(id(rule))
        if hit is None:
            out = []
            for sel in rule.endpoints:
                sel = normalise(sel)
                if not s.policy.clusterwide and not names_namespace(sel):
                    sel = in_namespace(sel, s.policy.namespace)
                out.append(sel)
            hit = self._scoped[id(rule)] = tuple(out)
        return hit

    def peer_matches(
        self, s: SelectedSpec, rule: CiliumRule, peer: Endpoint, kind: PeerKind, notes: list[str]
    ) -> bool:
        pod = peer.pod if kind is PeerKind.POD else None
        if rule.endpoints:
            if pod is None:
                return False  # endpoint selectors select pods only
            labels = self.labels(pod)
            return any(sel.matches(labels) for sel in self._peer_selectors(s, rule))
        if rule.entities:
            return any(self.peers.entity_matches(e, kind, peer) for e in rule.entities)
        if rule.cidrs:
            if kind is not PeerKind.WORLD or peer.network is None:
                return False  # CIDR rules never select pods or nodes
            return any(_cidr_holds(c.cidr, c.except_, peer) for c in rule.cidrs)
        if rule.services:
            addresses = _addresses(peer)
            for ref in rule.services:
                ns = ref.namespace or s.policy.namespace
                pods, ips = self.services(ns, ref.name, ref.selector)
                if (pod is not None and pod.key in pods) or addresses & ips:
                    return True
            return False
        if rule.fqdns:
            if kind is not PeerKind.WORLD:
                return False  # like CIDR rules, DNS-derived addresses never select pods
            addresses = _addresses(peer)
            for q in rule.fqdns:
                got = self.fqdn(q) if self.fqdn is not None else None
                if got is None:
                    notes.append(
                        f"{rule.path} toFQDNs {q}: no DNS answer known, it matches nothing"
                    )
                    continue
                if addresses & got:
                    return True
            return False
        return False


def _open(
    subject: Endpoint, direction: Direction, query: PortSet, note: str, *, unknown: bool = False
) -> CniSide:
    return CniSide(
        direction=direction,
        subject=subject.text,
        selected=False,
        allowed=query,
        notes=(note,),
        unknown=note if unknown else "",
    )


def _addresses(peer: Endpoint) -> frozenset[str]:
    if peer.pod is not None:
        return frozenset() if peer.pod.synthetic_ip else frozenset(peer.pod.ips)
    net = peer.network
    if net is not None and net.num_addresses == 1:
        return frozenset({str(net.network_address)})
    return frozenset()


def _cidr_holds(cidr: str, excepts: tuple[str, ...], peer: Endpoint) -> bool:
    net = peer.network
    assert net is not None
    block = ipaddress.ip_network(cidr, strict=False)
    if block.version != net.version or not net.subnet_of(block):  # type: ignore[arg-type]
        return False
    return not any(
        net.overlaps(ipaddress.ip_network(e, strict=False))
        for e in excepts
        if ipaddress.ip_network(e, strict=False).version == net.version
    )


def _ports(rule: CiliumRule, named: NamedPorts | None) -> PortSet:
    if not rule.to_ports:
        return ALL
    out = EMPTY
    for pr in rule.to_ports:
        if not pr.ports:
            return ALL
        for p in pr.ports:
            protos = PROTOCOLS if p.protocol is L4Protocol.ANY else (Protocol(p.protocol.value),)
            for proto in protos:
                if isinstance(p.port, str):
                    number = named.get((p.port, proto)) if named is not None else None
                    if number is not None:
                        out = out | PortSet.of(proto, number)
                elif p.port == 0:
                    out = out | PortSet.of(proto)  # port 0: every port of the protocol
                else:
                    out = out | PortSet.of(proto, p.port, p.end_port)
    return out
