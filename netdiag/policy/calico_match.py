"""Does a Calico rule's ``source``/``destination`` match an endpoint, and on which ports. Pure.

Reference: docs.tigera.io Calico "Rule" and "EntityRule" definitions, and
"Calico automatic labels". Every field of an entity rule that is present must
match (AND). Selectors (``selector``, ``namespaceSelector``,
``serviceAccounts``) match Calico endpoints only — here, pods — while
``notSelector`` and ``notNets`` also match addresses outside the cluster
(an address that is not an endpoint cannot match the selector being negated).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping

from netdiag.cluster.calico import CalicoPolicy, CalicoPort, CalicoRule, EntityRule
from netdiag.cluster.calicoselector import CalicoSelector
from netdiag.cluster.meta import EMPTY_LABELS, Labels, Protocol
from netdiag.cluster.model import Pod
from netdiag.policy.compile import NamedPorts, Network
from netdiag.policy.endpoints import Endpoint
from netdiag.policy.ports import ALL, EMPTY, PROTOCOLS, PortSet

#: Labels Calico adds to every workload endpoint and namespace (calico-labels docs).
NAMESPACE_LABEL = "projectcalico.org/namespace"
NAME_LABEL = "projectcalico.org/name"
SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount"
ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator"


def endpoint_labels(pod: Pod) -> Labels:
    """A pod's labels as Calico selectors see them: its own plus the automatic ones."""
    labels = dict(pod.labels)
    labels[NAMESPACE_LABEL] = pod.namespace
    labels[ORCHESTRATOR_LABEL] = "k8s"
    labels[SERVICE_ACCOUNT_LABEL] = pod.service_account
    return Labels(labels)


def namespace_labels(name: str, labels: Mapping[str, str]) -> Labels:
    """A namespace's labels for ``namespaceSelector``: its own plus ``projectcalico.org/name``."""
    out = dict(labels)
    out[NAME_LABEL] = name
    return Labels(out)


def service_account_labels(pod: Pod) -> Labels:
    """What ``serviceAccountSelector`` sees. The snapshot holds no ServiceAccount
    objects, so only the automatic name label is known."""
    return Labels({NAME_LABEL: pod.service_account})


class Scope:
    """Namespace labels and the policy's namespace scoping of rule selectors."""

    def __init__(self, ns_labels: Mapping[str, Labels]) -> None:
        self.ns_labels = {name: namespace_labels(name, lab) for name, lab in ns_labels.items()}
        self._labels: dict[tuple[str, Labels, str], Labels] = {}

    def labels(self, pod: Pod) -> Labels:
        """:func:`endpoint_labels`, memoised (selectors ask for it per pod and rule)."""
        key = (pod.namespace, pod.labels, pod.service_account)
        hit = self._labels.get(key)
        if hit is None:
            hit = self._labels[key] = endpoint_labels(pod)
        return hit

    def in_namespace_scope(
        self, pod: Pod, pol: CalicoPolicy, namespace_selector: CalicoSelector | None
    ) -> bool:
        """Rule scoping (calico-labels docs): in a namespaced policy, no namespaceSelector
        means the policy's namespace; in a global one, every namespace. ``global()``
        selects only non-namespaced endpoints, never a pod."""
        if namespace_selector is None:
            return pol.global_ or pod.namespace == pol.namespace
        if namespace_selector.is_global:
            return False
        return namespace_selector.matches(self.ns_labels.get(pod.namespace, EMPTY_LABELS))

    def policy_selects(self, pol: CalicoPolicy, pod: Pod) -> bool:
        if not pol.global_ and pod.namespace != pol.namespace:
            return False
        if pol.global_ and not self.in_namespace_scope(pod, pol, pol.namespace_selector):
            return False
        if pol.selector is not None and not pol.selector.matches(self.labels(pod)):
            return False
        sa = pol.service_account_selector
        return sa is None or sa.matches(service_account_labels(pod))


def entity_miss(scope: Scope, er: EntityRule, ep: Endpoint, pol: CalicoPolicy) -> str:
    """``""`` when ``ep`` matches the entity rule ``er`` of ``pol``; else why not."""
    if er.nets and not _in_any(ep, er.nets):
        return f"{ep.text} is not in nets {', '.join(er.nets)}"
    if er.not_nets and _touches_any(ep, er.not_nets):
        return f"{ep.text} is in notNets {', '.join(er.not_nets)}"
    pod = ep.pod if ep.pod is not None and not ep.pod.host_network else None
    selecting = (
        er.selector is not None
        or er.namespace_selector is not None
        or er.service_account_names
        or er.service_account_selector is not None
    )
    if selecting:
        if pod is None:
            return f"{ep.text} is not a Calico endpoint: selectors match only pods"
        if not scope.in_namespace_scope(pod, pol, er.namespace_selector):
            return f"{pod.key} is outside the namespaces the rule selects"
        if er.selector is not None and not er.selector.matches(scope.labels(pod)):
            return f"{pod.key} does not match selector {er.selector}"
        if er.service_account_names and pod.service_account not in er.service_account_names:
            return f"{pod.key} runs as service account {pod.service_account}"
        sa = er.service_account_selector
        if sa is not None and not sa.matches(service_account_labels(pod)):
            return f"{pod.key}'s service account does not match {sa}"
    if er.not_selector is not None and pod is not None:
        if scope.in_namespace_scope(pod, pol, er.namespace_selector) and er.not_selector.matches(
            scope.labels(pod)
        ):
            return f"{pod.key} matches notSelector {er.not_selector}"
    return ""


@functools.lru_cache(maxsize=65536)
def _net(text: str) -> Network:
    return ipaddress.ip_network(text, strict=False)


def _networks(ep: Endpoint) -> list[Network]:
    if ep.pod is not None:
        if ep.pod.synthetic_ip:
            return []  # an invented address is matched by no CIDR
        return [_net(ip) for ip in ep.pod.ips]
    return [ep.network] if ep.network is not None else []


def _in_any(ep: Endpoint, nets: tuple[str, ...]) -> bool:
    mine = _networks(ep)
    parsed = [_net(n) for n in nets]
    return any(
        m.version == n.version and m.subnet_of(n)  # type: ignore[arg-type]
        for m in mine
        for n in parsed
    )


def _touches_any(ep: Endpoint, nets: tuple[str, ...]) -> bool:
    mine = _networks(ep)
    parsed = [_net(n) for n in nets]
    return any(m.version == n.version and m.overlaps(n) for m in mine for n in parsed)


def rule_ports(rule: CalicoRule, named: NamedPorts | None) -> PortSet:
    """The destination ports ``rule`` covers towards a destination with ``named`` ports."""
    if rule.protocol is None:
        protocols: tuple[Protocol, ...] = PROTOCOLS
    elif isinstance(rule.protocol, Protocol):
        protocols = (rule.protocol,)
    else:
        return EMPTY  # ICMP, UDPLite, …: outside the TCP/UDP/SCTP ports netdiag models
    base = ALL if rule.protocol is None else PortSet.of(protocols[0])
    if isinstance(rule.not_protocol, Protocol):
        base = base - PortSet.of(rule.not_protocol)
    dst = rule.destination
    if dst.ports:
        base = base & _port_list(dst.ports, protocols, named)
    if dst.not_ports:
        base = base - _port_list(dst.not_ports, protocols, named)
    return base


def _port_list(
    ports: tuple[CalicoPort, ...], protocols: tuple[Protocol, ...], named: NamedPorts | None
) -> PortSet:
    out = EMPTY
    for p in ports:
        for proto in protocols:
            if isinstance(p.port, str):
                # Named ports resolve on the destination pod, by name and protocol.
                number = named.get((p.port, proto)) if named is not None else None
                if number is not None:
                    out = out | PortSet.of(proto, number)
            else:
                out = out | PortSet.of(proto, p.port, p.end_port)
    return out
