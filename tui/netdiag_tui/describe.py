"""Readable text for NetworkPolicies: selected pods, rules, YAML (presentation only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot, Pod
    from netdiag.cluster.networkpolicy import (
        NetworkPolicy,
        NetworkPolicyPeer,
        NetworkPolicyPort,
        NetworkPolicyRule,
    )
    from netdiag.cluster.selectors import LabelSelector


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyView:
    key: str
    namespace: str
    name: str
    policy_types: tuple[str, ...]
    selected: tuple[str, ...]
    ingress: tuple[str, ...]
    egress: tuple[str, ...]
    #: The policy itself, for its YAML (rendered on demand: ``policy_yaml``).
    policy: Any = None


def describe_policy(
    snapshot: ClusterSnapshot, pol: NetworkPolicy, pods_by_ns: dict[str, list[Pod]] | None = None
) -> PolicyView:
    # A policy selects pods of its own namespace only (networking.k8s.io/v1
    # NetworkPolicySpec.podSelector).
    pods = (
        (pods_by_ns or {}).get(pol.namespace)
        if pods_by_ns is not None
        else [p for p in snapshot.pods if p.namespace == pol.namespace]
    )
    selected = tuple(p.key for p in pods or () if pol.pod_selector.matches(p.labels))
    return PolicyView(
        key=pol.key,
        namespace=pol.namespace,
        name=pol.name,
        policy_types=tuple(sorted(pol.effective_policy_types)),
        selected=tuple(sorted(selected)),
        ingress=tuple(_rule(r, "from") for r in pol.ingress),
        egress=tuple(_rule(r, "to") for r in pol.egress),
        policy=pol,
    )


def selector_text(sel: LabelSelector) -> str:
    if sel.is_empty:
        return "all pods"
    parts = [f"{k}={v}" for k, v in sel.match_labels]
    parts += [str(r) for r in sel.match_expressions]
    return ",".join(parts)


def _peer(peer: NetworkPolicyPeer) -> str:
    if peer.ip_block is not None:
        text = f"ipBlock {peer.ip_block.cidr}"
        if peer.ip_block.except_:
            text += " except " + ",".join(peer.ip_block.except_)
        return text
    parts = []
    if peer.namespace_selector is not None:
        ns = peer.namespace_selector
        parts.append("every namespace" if ns.is_empty else f"namespaces {selector_text(ns)}")
    if peer.pod_selector is not None:
        parts.append(selector_text(peer.pod_selector))
    elif peer.namespace_selector is not None:
        parts.append("all pods")
    text = " / ".join(parts)
    return text if peer.namespace_selector is not None else f"{text} (same namespace)"


def _port(port: NetworkPolicyPort) -> str:
    if port.port is None:
        return f"any/{port.protocol.value}"
    if port.end_port is not None:
        return f"{port.port}-{port.end_port}/{port.protocol.value}"
    return f"{port.port}/{port.protocol.value}"


def _rule(rule: NetworkPolicyRule, word: str) -> str:
    peers = ", ".join(_peer(p) for p in rule.peers) if rule.peers else "anywhere"
    ports = ", ".join(_port(p) for p in rule.ports) if rule.ports else "all ports"
    return f"{word} {peers} on {ports}"


def policy_yaml(pol: NetworkPolicy) -> str:
    """The policy as a manifest, exactly as ``netdiag snapshot -o yaml`` writes it."""
    import yaml

    from netdiag.cluster.serialize import network_policy_manifest

    return str(yaml.safe_dump(network_policy_manifest(pol), sort_keys=False))
