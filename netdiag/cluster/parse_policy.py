"""NetworkPolicy (``networking.k8s.io/v1``) from a Kubernetes dict, validated as the API would.

Validation follows ``pkg/apis/networking/validation/validation.go``
(``ValidateNetworkPolicySpec``, ``ValidateNetworkPolicyPort``, ``ValidateIPBlock``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.fields import FieldError
from netdiag.cluster.networkpolicy import (
    IPBlock,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)
from netdiag.cluster.selectors import LabelSelector, SelectorError, parse_selector


def parse_network_policy(obj: Mapping[str, Any], namespace: str, name: str) -> NetworkPolicy:
    meta = f.mapping(obj, "metadata", "")
    spec = f.mapping(obj, "spec", "")
    policy_types = tuple(str(t) for t in f.seq(spec, "policyTypes", "spec"))
    for i, t in enumerate(policy_types):
        if t not in ("Ingress", "Egress"):
            raise FieldError(
                f"unsupported policy type {t!r} (allowed: Ingress, Egress)",
                f"spec.policyTypes[{i}]",
            )
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=_selector(spec.get("podSelector"), "spec.podSelector") or LabelSelector(),
        policy_types=policy_types,
        ingress=_rules(spec, "ingress", "from"),
        egress=_rules(spec, "egress", "to"),
        labels=f.labels(meta, "labels", "metadata"),
    )


def _rules(spec: Mapping[str, Any], section: str, peers_key: str) -> tuple[NetworkPolicyRule, ...]:
    out: list[NetworkPolicyRule] = []
    for i, raw in enumerate(f.seq(spec, section, "spec")):
        path = f"spec.{section}[{i}]"
        rule = f.item_map(raw, path)
        ports = tuple(
            _port(f.item_map(p, f"{path}.ports[{j}]"), f"{path}.ports[{j}]")
            for j, p in enumerate(f.seq(rule, "ports", path))
        )
        peers = tuple(
            _peer(f.item_map(p, f"{path}.{peers_key}[{j}]"), f"{path}.{peers_key}[{j}]")
            for j, p in enumerate(f.seq(rule, peers_key, path))
        )
        out.append(NetworkPolicyRule(ports=ports, peers=peers))
    return tuple(out)


def _port(raw: Mapping[str, Any], path: str) -> NetworkPolicyPort:
    proto = f.protocol(raw, "protocol", path)
    port: int | str | None = None
    if raw.get("port") is not None:
        port = f.int_or_port_name(raw["port"], f"{path}.port")
    end_port = f.integer(raw, "endPort", path, low=1, high=65535)
    if end_port is not None:
        # endPort needs a numeric port and must not be below it (validation.go).
        if not isinstance(port, int):
            raise FieldError("endPort requires a numeric port", f"{path}.endPort")
        if end_port < port:
            raise FieldError(f"endPort {end_port} is below port {port}", f"{path}.endPort")
    return NetworkPolicyPort(protocol=proto, port=port, end_port=end_port)


def _peer(raw: Mapping[str, Any], path: str) -> NetworkPolicyPeer:
    pod_sel = _selector(raw.get("podSelector"), f"{path}.podSelector")
    ns_sel = _selector(raw.get("namespaceSelector"), f"{path}.namespaceSelector")
    block = _ip_block(raw.get("ipBlock"), f"{path}.ipBlock")
    if block is None and pod_sel is None and ns_sel is None:
        raise FieldError("must specify a podSelector, namespaceSelector or ipBlock", path)
    if block is not None and (pod_sel is not None or ns_sel is not None):
        raise FieldError("ipBlock may not be combined with a selector", path)
    return NetworkPolicyPeer(pod_selector=pod_sel, namespace_selector=ns_sel, ip_block=block)


def _selector(raw: object, path: str) -> LabelSelector | None:
    """``None`` when absent (a peer without that dimension); ``{}`` selects everything."""
    if raw is None:
        return None
    try:
        return parse_selector(raw, path)
    except SelectorError as e:
        raise FieldError(str(e), e.field) from None


def _ip_block(raw: object, path: str) -> IPBlock | None:
    if raw is None:
        return None
    block = f.item_map(raw, path)
    cidr_raw = block.get("cidr")
    if not isinstance(cidr_raw, str) or not cidr_raw:
        raise FieldError("is required", f"{path}.cidr")
    cidr = _network(cidr_raw, f"{path}.cidr")
    excepts: list[str] = []
    for i, e in enumerate(f.seq(block, "except", path)):
        sub = _network(str(e), f"{path}.except[{i}]")
        # "except ... must be a strict subset of cidr" (ValidateIPBlock).
        if sub.version != cidr.version or not sub.subnet_of(cidr) or sub == cidr:  # type: ignore[arg-type]
            raise FieldError(f"{e} is not a strict subset of {cidr_raw}", f"{path}.except[{i}]")
        excepts.append(str(e))
    return IPBlock(cidr=cidr_raw, except_=tuple(excepts))


def _network(text: str, path: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    # The API parses CIDRs "sloppily": host bits may be set (10.0.0.1/24 is valid).
    if "/" not in text:
        raise FieldError(f"invalid CIDR {text!r} (missing /prefix)", path)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise FieldError(f"invalid CIDR {text!r}", path) from None
