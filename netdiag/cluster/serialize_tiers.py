"""Tiered policies (:mod:`netdiag.cluster.tiers`) back to manifests of their own kind. Pure."""

from __future__ import annotations

from typing import Any

from netdiag.cluster.selectors import LabelSelector, Operator
from netdiag.cluster.tiers import (
    GROUP,
    Action,
    ClusterNetworkPolicy,
    NamespacedPod,
    TierPeer,
    TierPort,
    TierRule,
    TierSubject,
)

Obj = dict[str, Any]


def selector_manifest(sel: LabelSelector) -> Obj:
    """A ``LabelSelector`` as the API writes it."""
    out: Obj = {}
    if sel.match_labels:
        out["matchLabels"] = dict(sel.match_labels)
    if sel.match_expressions:
        out["matchExpressions"] = [
            {"key": r.key, "operator": r.operator.value, "values": sorted(r.values)}
            if r.operator in (Operator.IN, Operator.NOT_IN)
            else {"key": r.key, "operator": r.operator.value}
            for r in sel.match_expressions
        ]
    return out


def tiered_policy_manifest(policy: ClusterNetworkPolicy) -> Obj:
    """The manifest of ``policy`` as its own kind (v1alpha2 CNP, v1alpha1 ANP/BANP)."""
    v1alpha1 = policy.kind != "ClusterNetworkPolicy"

    def pods(p: NamespacedPod) -> Obj:
        return {
            "namespaceSelector": selector_manifest(p.namespace_selector),
            "podSelector": selector_manifest(p.pod_selector),
        }

    def subject(s: TierSubject) -> Obj:
        if s.namespaces is not None:
            return {"namespaces": selector_manifest(s.namespaces)}
        assert s.pods is not None
        return {"pods": pods(s.pods)}

    def peer(p: TierPeer) -> Obj:
        if p.namespaces is not None:
            return {"namespaces": selector_manifest(p.namespaces)}
        if p.pods is not None:
            return {"pods": pods(p.pods)}
        if p.networks is not None:
            return {"networks": list(p.networks)}
        if p.nodes is not None:
            return {"nodes": selector_manifest(p.nodes)}
        if p.domain_names is not None:
            return {"domainNames": list(p.domain_names)}
        return {}

    def port(p: TierPort) -> Obj:
        if p.named_port is not None:
            return {"namedPort" if v1alpha1 else "destinationNamedPort": p.named_port}
        assert p.protocol is not None and p.port is not None
        if v1alpha1:
            if p.end_port is None:
                return {"portNumber": {"protocol": p.protocol.value, "port": p.port}}
            return {"portRange": {"protocol": p.protocol.value, "start": p.port, "end": p.end_port}}
        number: Obj = (
            {"number": p.port}
            if p.end_port is None
            else {"range": {"start": p.port, "end": p.end_port}}
        )
        return {p.protocol.value.lower(): {"destinationPort": number}}

    def rule(r: TierRule, peers_key: str) -> Obj:
        action = r.action.value
        if v1alpha1 and r.action is Action.ACCEPT:
            action = "Allow"
        out: Obj = {"action": action, peers_key: [peer(p) for p in r.peers]}
        if r.name:
            out = {"name": r.name, **out}
        if r.ports:
            out["ports" if v1alpha1 else "protocols"] = [port(p) for p in r.ports]
        return out

    spec: Obj = {"subject": subject(policy.subject)}
    if policy.kind == "ClusterNetworkPolicy":
        spec = {"tier": policy.tier.value, "priority": policy.priority, **spec}
    elif policy.kind == "AdminNetworkPolicy":
        spec = {"priority": policy.priority, **spec}
    if policy.ingress:
        spec["ingress"] = [rule(r, "from") for r in policy.ingress]
    if policy.egress:
        spec["egress"] = [rule(r, "to") for r in policy.egress]
    meta: Obj = {"name": policy.name}
    if policy.labels:
        meta["labels"] = dict(policy.labels)
    return {
        "apiVersion": f"{GROUP}/{'v1alpha1' if v1alpha1 else 'v1alpha2'}",
        "kind": policy.kind,
        "metadata": meta,
        "spec": spec,
    }
