"""ClusterNetworkPolicy (v1alpha2), AdminNetworkPolicy and BaselineAdminNetworkPolicy
(v1alpha1) from Kubernetes dicts, validated as their CRDs would. Pure.

Validation follows the CRD schemas of kubernetes-sigs/network-policy-api
(``config/crd/{standard,experimental}/policy.networking.k8s.io_*.yaml``): priority
0-1000, at most 25 rules per direction (100 for v1alpha1), 25 peers and 25
protocols per rule, exactly one field per subject, peer, protocol and port,
``range.start < range.end``, ``tcp: {}`` refused (``minProperties: 1``),
``domainNames`` only on Accept rules, no ``destinationNamedPort`` with
``networks``/``nodes``/``domainNames`` peers (CEL rule), the BANP named ``default``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.fields import FieldError
from netdiag.cluster.meta import Protocol
from netdiag.cluster.selectors import LabelSelector, SelectorError, parse_selector
from netdiag.cluster.tiers import (
    BANP_PRIORITY,
    Action,
    ClusterNetworkPolicy,
    NamespacedPod,
    Tier,
    TierPeer,
    TierPort,
    TierRule,
    TierSubject,
)

#: Tiered kinds netdiag reads, all cluster-scoped.
TIER_KINDS = ("ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy")
MAX_PRIORITY = 1000
MAX_RULES = 25
#: v1alpha1 AdminNetworkPolicy/BaselineAdminNetworkPolicy allow 100 rules per direction.
MAX_RULES_V1ALPHA1 = 100
MAX_PEERS = 25
MAX_PROTOCOLS = 25
MAX_NETWORKS = 25
MAX_DOMAIN_NAMES = 25
MAX_RULE_NAME = 100

_INGRESS_PEERS = ("namespaces", "pods")
_EGRESS_PEERS = ("namespaces", "pods", "networks", "nodes", "domainNames")
#: v0.1.1 peer fields removed by v0.1.5: refused rather than read as "no field".
_REMOVED = ("sameLabels", "notSameLabels")


def parse_tiered_policy(obj: Mapping[str, Any], name: str, kind: str) -> ClusterNetworkPolicy:
    """One tiered policy of ``kind`` (see :data:`TIER_KINDS`).

    Raises:
        FieldError: naming the field path the CRD would reject.
    """
    meta = f.mapping(obj, "metadata", "")
    spec = f.mapping(obj, "spec", "")
    v1alpha1 = kind != "ClusterNetworkPolicy"
    if kind == "BaselineAdminNetworkPolicy":
        if name != "default":
            # "BaselineAdminNetworkPolicy is a singleton: only one named default".
            raise FieldError(
                f"must be 'default' (the only BANP allowed), not {name!r}", "metadata.name"
            )
        tier, priority = Tier.BASELINE, BANP_PRIORITY
    elif kind == "AdminNetworkPolicy":
        tier, priority = Tier.ADMIN, _priority(spec)
    else:
        tier, priority = _tier(spec), _priority(spec)
    return ClusterNetworkPolicy(
        name=name,
        tier=tier,
        priority=priority,
        subject=_subject(spec),
        ingress=_rules(spec, "ingress", v1alpha1, kind),
        egress=_rules(spec, "egress", v1alpha1, kind),
        kind=kind,
        labels=f.labels(meta, "labels", "metadata"),
    )


def _tier(spec: Mapping[str, Any]) -> Tier:
    value = spec.get("tier")
    if value is None:
        raise FieldError("is required (Admin or Baseline)", "spec.tier")
    try:
        return Tier(value)
    except ValueError:
        raise FieldError(
            f"unsupported tier {value!r} (allowed: Admin, Baseline)", "spec.tier"
        ) from None


def _priority(spec: Mapping[str, Any]) -> int:
    value = spec.get("priority")
    if value is None:
        raise FieldError("is required (0-1000)", "spec.priority")
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"must be an integer, not {value!r}", "spec.priority")
    if not 0 <= value <= MAX_PRIORITY:
        raise FieldError(f"{value} is out of range 0-{MAX_PRIORITY}", "spec.priority")
    return value


def _selector(raw: object, path: str) -> LabelSelector:
    try:
        return parse_selector(raw, path)
    except SelectorError as e:
        raise FieldError(str(e), e.field) from None


def _one_field(raw: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> str | None:
    """The one field set among ``allowed``; ``None`` when none is (and nothing else is)."""
    for removed in _REMOVED:
        if removed in raw:
            raise FieldError(
                f"{removed} was removed from the API in v0.1.5; use namespaces or pods",
                f"{path}.{removed}",
            )
    present = [k for k in raw if raw[k] is not None]
    if len(present) > 1:
        raise FieldError(f"exactly one field may be set, found {', '.join(sorted(present))}", path)
    if not present:
        return None
    if present[0] not in allowed:
        return "?" + present[0]
    return present[0]


def _namespaced_pod(raw: object, path: str) -> NamespacedPod:
    pods = f.item_map(raw, path)
    if "namespaceSelector" not in pods:
        raise FieldError("is required", f"{path}.namespaceSelector")
    if "podSelector" not in pods:
        raise FieldError("is required", f"{path}.podSelector")
    return NamespacedPod(
        namespace_selector=_selector(pods["namespaceSelector"], f"{path}.namespaceSelector"),
        pod_selector=_selector(pods["podSelector"], f"{path}.podSelector"),
    )


def _subject(spec: Mapping[str, Any]) -> TierSubject:
    raw = spec.get("subject")
    if raw is None:
        raise FieldError("is required", "spec.subject")
    subject = f.item_map(raw, "spec.subject")
    which = _one_field(subject, ("namespaces", "pods"), "spec.subject")
    if which is None or which.startswith("?"):
        raise FieldError("must set exactly one of namespaces, pods", "spec.subject")
    if which == "namespaces":
        return TierSubject(namespaces=_selector(subject["namespaces"], "spec.subject.namespaces"))
    return TierSubject(pods=_namespaced_pod(subject["pods"], "spec.subject.pods"))


def _rules(
    spec: Mapping[str, Any], section: str, v1alpha1: bool, kind: str
) -> tuple[TierRule, ...]:
    raw_rules = f.seq(spec, section, "spec")
    limit = MAX_RULES_V1ALPHA1 if v1alpha1 else MAX_RULES
    if len(raw_rules) > limit:
        raise FieldError(f"{len(raw_rules)} rules: at most {limit} are allowed", f"spec.{section}")
    return tuple(
        _rule(
            f.item_map(r, f"spec.{section}[{i}]"), f"spec.{section}[{i}]", section, v1alpha1, kind
        )
        for i, r in enumerate(raw_rules)
    )


def _action(rule: Mapping[str, Any], path: str, v1alpha1: bool, kind: str) -> Action:
    value = rule.get("action")
    if kind == "BaselineAdminNetworkPolicy":
        allowed = {"Allow": Action.ACCEPT, "Deny": Action.DENY}
    elif v1alpha1:
        allowed = {"Allow": Action.ACCEPT, "Deny": Action.DENY, "Pass": Action.PASS}
    else:
        allowed = {a.value: a for a in Action}
    if value is None:
        raise FieldError(f"is required ({', '.join(allowed)})", f"{path}.action")
    if value not in allowed:
        raise FieldError(
            f"unsupported action {value!r} (allowed: {', '.join(allowed)})", f"{path}.action"
        )
    return allowed[value]


def _rule(rule: Mapping[str, Any], path: str, section: str, v1alpha1: bool, kind: str) -> TierRule:
    name = f.string(rule, "name", path)
    if len(name) > MAX_RULE_NAME:
        raise FieldError(
            f"is {len(name)} characters long (at most {MAX_RULE_NAME})", f"{path}.name"
        )
    action = _action(rule, path, v1alpha1, kind)
    peers_key = "from" if section == "ingress" else "to"
    raw_peers = f.seq(rule, peers_key, path)
    if not raw_peers:
        raise FieldError("must list at least one peer", f"{path}.{peers_key}")
    if len(raw_peers) > MAX_PEERS:
        raise FieldError(f"{len(raw_peers)} peers: at most {MAX_PEERS}", f"{path}.{peers_key}")
    allowed = _INGRESS_PEERS if section == "ingress" else _EGRESS_PEERS
    peers = tuple(
        _peer(f.item_map(p, f"{path}.{peers_key}[{j}]"), f"{path}.{peers_key}[{j}]", allowed)
        for j, p in enumerate(raw_peers)
    )
    for j, peer in enumerate(peers):
        if peer.domain_names is not None and action is not Action.ACCEPT:
            raise FieldError(
                "domainNames peers are only allowed in Accept rules",
                f"{path}.{peers_key}[{j}].domainNames",
            )
    ports = _ports_v1alpha1(rule, path) if v1alpha1 else _protocols(rule, path)
    if any(p.named_port is not None for p in ports) and any(
        p.networks is not None or p.nodes is not None or p.domain_names is not None for p in peers
    ):
        # CEL rule on ClusterNetworkPolicyEgressRule: networks/nodes/domainNames
        # have no named ports.
        raise FieldError(
            "a named port cannot be used with networks, nodes or domainNames peers",
            f"{path}.{'ports' if v1alpha1 else 'protocols'}",
        )
    return TierRule(name=name, action=action, peers=peers, ports=ports)


def _peer(raw: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> TierPeer:
    which = _one_field(raw, allowed, path)
    if which is None:
        return TierPeer()  # fails closed (see TierPeer)
    if which.startswith("?"):
        field = which[1:]
        if field in _EGRESS_PEERS:
            raise FieldError(f"{field} peers are only allowed in egress rules", f"{path}.{field}")
        return TierPeer()  # a field of a newer API version: fails closed
    value = raw[which]
    where = f"{path}.{which}"
    if isinstance(value, Mapping):
        # v0.1.1 nested them here (namespaces: {sameLabels: [...]}); v0.1.5 removed them.
        inner = value.get("namespaces") if which == "pods" else value
        for removed in _REMOVED:
            if isinstance(inner, Mapping) and removed in inner:
                raise FieldError(
                    f"{removed} was removed from the API in v0.1.5; use a namespace selector",
                    f"{where}{'.namespaces' if which == 'pods' else ''}.{removed}",
                )
    if which == "namespaces":
        return TierPeer(namespaces=_selector(value, where))
    if which == "pods":
        return TierPeer(pods=_namespaced_pod(value, where))
    if which == "nodes":
        return TierPeer(nodes=_selector(value, where))
    if which == "networks":
        return TierPeer(networks=_networks(value, where))
    return TierPeer(domain_names=_domain_names(value, where))


def _networks(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise FieldError("must be a non-empty list of CIDRs", path)
    if len(value) > MAX_NETWORKS:
        raise FieldError(f"{len(value)} CIDRs: at most {MAX_NETWORKS}", path)
    out = []
    for i, cidr in enumerate(value):
        if not isinstance(cidr, str) or "/" not in cidr:
            raise FieldError(
                f"invalid CIDR {cidr!r} (CIDR notation with a /prefix)", f"{path}[{i}]"
            )
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise FieldError(f"invalid CIDR {cidr!r}", f"{path}[{i}]") from None
        out.append(cidr)
    return tuple(out)


def _domain_names(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise FieldError("must be a non-empty list of domain names", path)
    if len(value) > MAX_DOMAIN_NAMES:
        raise FieldError(f"{len(value)} names: at most {MAX_DOMAIN_NAMES}", path)
    out = []
    for i, name in enumerate(value):
        if not isinstance(name, str) or not _valid_domain(name):
            raise FieldError(
                f"invalid domain name {name!r} (a DNS name, '*.' allowed only as a prefix)",
                f"{path}[{i}]",
            )
        out.append(name)
    return tuple(out)


def _valid_domain(name: str) -> bool:
    body = name[:-1] if name.endswith(".") else name
    if body.startswith("*."):
        body = body[2:]
    labels = body.split(".")
    return (
        0 < len(body) <= 253
        and len(labels) >= 1
        and all(
            0 < len(label) <= 63
            and label[0].isalnum()
            and label[-1].isalnum()
            and all(c.isalnum() or c == "-" for c in label)
            for label in labels
        )
    )


def _port_range(raw: Mapping[str, Any], path: str) -> tuple[int, int]:
    start = f.integer(raw, "start", path, low=1, high=65535)
    end = f.integer(raw, "end", path, low=1, high=65535)
    if start is None:
        raise FieldError("is required", f"{path}.start")
    if end is None:
        raise FieldError("is required", f"{path}.end")
    if start >= end:
        # CRD: "Start port must be less than End port" (self.start < self.end).
        raise FieldError(f"start {start} must be less than end {end}", path)
    return start, end


def _protocols(rule: Mapping[str, Any], path: str) -> tuple[TierPort, ...]:
    """v1alpha2 ``protocols``: ``{tcp|udp|sctp: {destinationPort: {number | range}}}``
    or ``{destinationNamedPort: name}``."""
    raw = f.seq(rule, "protocols", path)
    if len(raw) > MAX_PROTOCOLS:
        raise FieldError(f"{len(raw)} entries: at most {MAX_PROTOCOLS}", f"{path}.protocols")
    out = []
    for i, item in enumerate(raw):
        where = f"{path}.protocols[{i}]"
        entry = f.item_map(item, where)
        which = _one_field(entry, ("tcp", "udp", "sctp", "destinationNamedPort"), where)
        if which is None or which.startswith("?"):
            raise FieldError("must set exactly one of tcp, udp, sctp, destinationNamedPort", where)
        if which == "destinationNamedPort":
            name = entry[which]
            if not isinstance(name, str) or not f.valid_port_name(name):
                raise FieldError(f"invalid port name {name!r}", f"{where}.{which}")
            out.append(TierPort(named_port=name))
            continue
        proto = Protocol(which.upper())
        body = f.item_map(entry[which], f"{where}.{which}")
        if not body:
            # The CRD sets minProperties: 1 here, although the field docs say an
            # omitted destinationPort matches every port: the API server refuses it.
            raise FieldError(
                "must set destinationPort (the CRD refuses an empty protocol entry)",
                f"{where}.{which}",
            )
        port = f.item_map(body.get("destinationPort"), f"{where}.{which}.destinationPort")
        ppath = f"{where}.{which}.destinationPort"
        kind = _one_field(port, ("number", "range"), ppath)
        if kind is None or kind.startswith("?"):
            raise FieldError("must set exactly one of number, range", ppath)
        if kind == "number":
            number = f.port_number(port, "number", ppath)
            out.append(TierPort(protocol=proto, port=number))
        else:
            start, end = _port_range(f.item_map(port["range"], f"{ppath}.range"), f"{ppath}.range")
            out.append(TierPort(protocol=proto, port=start, end_port=end))
    return tuple(out)


def _ports_v1alpha1(rule: Mapping[str, Any], path: str) -> tuple[TierPort, ...]:
    """v1alpha1 ``ports``: ``portNumber{protocol, port}``, ``namedPort`` or
    ``portRange{protocol, start, end}``."""
    raw = f.seq(rule, "ports", path)
    if len(raw) > MAX_PROTOCOLS:
        raise FieldError(f"{len(raw)} entries: at most {MAX_PROTOCOLS}", f"{path}.ports")
    out = []
    for i, item in enumerate(raw):
        where = f"{path}.ports[{i}]"
        entry = f.item_map(item, where)
        which = _one_field(entry, ("portNumber", "namedPort", "portRange"), where)
        if which is None or which.startswith("?"):
            raise FieldError("must set exactly one of portNumber, namedPort, portRange", where)
        if which == "namedPort":
            name = entry[which]
            if not isinstance(name, str) or not f.valid_port_name(name):
                raise FieldError(f"invalid port name {name!r}", f"{where}.namedPort")
            out.append(TierPort(named_port=name))
            continue
        body = f.item_map(entry[which], f"{where}.{which}")
        proto = f.protocol(body, "protocol", f"{where}.{which}")
        if which == "portNumber":
            out.append(
                TierPort(protocol=proto, port=f.port_number(body, "port", f"{where}.{which}"))
            )
        else:
            start, end = _port_range(body, f"{where}.portRange")
            out.append(TierPort(protocol=proto, port=start, end_port=end))
    return tuple(out)
