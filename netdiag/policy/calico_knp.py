"""Kubernetes NetworkPolicies as Calico evaluates them: policies of the ``default`` tier.

Calico converts each ``networking.k8s.io/v1`` NetworkPolicy into a Calico
policy named ``knp.default.<name>`` in the ``default`` tier at order 1000
(libcalico-go ``lib/backend/k8s/conversion``): the pod selector becomes the
policy selector, each peer an Allow rule (``podSelector`` → ``selector``,
``namespaceSelector`` → ``namespaceSelector``, ``ipBlock`` → ``nets`` with
``except`` as ``notNets``), each port a ``protocol`` with destination
``ports``. Label selectors translate exactly (``NotIn``/``DoesNotExist`` are
true when the label is absent in both languages). Pure.
"""

from __future__ import annotations

from netdiag.cluster.calico import (
    DEFAULT_TIER,
    KNP_ORDER,
    KNP_PREFIX,
    Action,
    CalicoPolicy,
    CalicoPort,
    CalicoRule,
    EntityRule,
)
from netdiag.cluster.calicoselector import (
    All,
    And,
    CalicoSelector,
    Compare,
    Comparison,
    Has,
    InSet,
    Node,
    Not,
)
from netdiag.cluster.meta import Protocol
from netdiag.cluster.networkpolicy import NetworkPolicy, NetworkPolicyPeer, NetworkPolicyRule
from netdiag.cluster.selectors import LabelSelector, Operator


def calico_selector(sel: LabelSelector) -> CalicoSelector:
    """The Calico expression equivalent to a ``metav1.LabelSelector``."""
    parts: list[Node] = [Comparison(k, Compare.EQ, v) for k, v in sel.match_labels]
    for req in sel.match_expressions:
        if req.operator is Operator.IN:
            parts.append(InSet(req.key, req.values))
        elif req.operator is Operator.NOT_IN:
            parts.append(InSet(req.key, req.values, negated=True))
        elif req.operator is Operator.EXISTS:
            parts.append(Has(req.key))
        else:
            parts.append(Not(Has(req.key)))
    root: Node = All() if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))
    return CalicoSelector(text=str(root), root=root)


def knp_as_calico(np: NetworkPolicy) -> CalicoPolicy:
    return CalicoPolicy(
        namespace=np.namespace,
        name=f"{KNP_PREFIX}{np.name}",
        knp=True,
        tier=DEFAULT_TIER,
        order=KNP_ORDER,
        selector=calico_selector(np.pod_selector),
        types=np.effective_policy_types,
        ingress=_rules(np.ingress, "ingress", ingress=True),
        egress=_rules(np.egress, "egress", ingress=False),
        labels=np.labels,
    )


def _rules(
    rules: tuple[NetworkPolicyRule, ...], section: str, *, ingress: bool
) -> tuple[CalicoRule, ...]:
    out: list[CalicoRule] = []
    for i, rule in enumerate(rules):
        peers: list[EntityRule] = [_peer(p) for p in rule.peers] or [EntityRule()]
        for j, peer in enumerate(peers):
            path = f"spec.{section}[{i}]" + (
                f".{'from' if ingress else 'to'}[{j}]" if rule.peers else ""
            )
            if not rule.ports:
                out.append(_rule(path, peer, None, (), ingress))
                continue
            for port in rule.ports:
                ports = (
                    ()
                    if port.port is None
                    else (CalicoPort(port=port.port, end_port=port.end_port),)
                )
                out.append(_rule(path, peer, port.protocol, ports, ingress))
    return tuple(out)


def _rule(
    path: str,
    peer: EntityRule,
    protocol: Protocol | None,
    ports: tuple[CalicoPort, ...],
    ingress: bool,
) -> CalicoRule:
    if ingress:
        return CalicoRule(
            path=path,
            action=Action.ALLOW,
            protocol=protocol,
            source=peer,
            destination=EntityRule(ports=ports),
        )
    dest = EntityRule(
        nets=peer.nets,
        not_nets=peer.not_nets,
        selector=peer.selector,
        namespace_selector=peer.namespace_selector,
        ports=ports,
    )
    return CalicoRule(path=path, action=Action.ALLOW, protocol=protocol, destination=dest)


def _peer(peer: NetworkPolicyPeer) -> EntityRule:
    if peer.ip_block is not None:
        return EntityRule(nets=(peer.ip_block.cidr,), not_nets=peer.ip_block.except_)
    return EntityRule(
        selector=calico_selector(peer.pod_selector) if peer.pod_selector is not None else None,
        namespace_selector=(
            calico_selector(peer.namespace_selector)
            if peer.namespace_selector is not None
            else None
        ),
    )
