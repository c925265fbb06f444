"""CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy from a dict, validated as Cilium would.

Validation follows ``pkg/policy/api/rule_validation.go`` (``Rule.Sanitize``,
``IngressRule.sanitize``, ``EgressRule.sanitize``, ``PortProtocol.sanitize``,
``CIDRRule.sanitize``): one of ``endpointSelector``/``nodeSelector``; one kind
of L3 peer per rule; ``toServices`` without ``toPorts``; known entities only;
CIDRs that parse, with ``except`` inside their ``cidr``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.cilium import (
    CIDRRule,
    CiliumPolicy,
    CiliumRule,
    CiliumSpec,
    Entity,
    FQDNSelector,
    L4Protocol,
    PortProtocol,
    PortRule,
    ServiceRef,
)
from netdiag.cluster.fields import FieldError
from netdiag.cluster.selectors import LabelSelector, SelectorError, parse_selector

#: Rule fields Cilium has that netdiag does not evaluate (listed, never silent).
_NOT_EVALUATED = ("Requires", "Groups", "Nodes")
_L7_KINDS = ("http", "kafka", "dns", "l7")
#: ``maxPorts`` in rule_validation.go.
_MAX_PORTS = 40


def parse_cilium_policy(
    obj: Mapping[str, Any], namespace: str, name: str, *, clusterwide: bool
) -> CiliumPolicy:
    """Raises :class:`FieldError` naming the field (``specs[1].egress[0].toEntities[2]``)."""
    meta = f.mapping(obj, "metadata", "")
    skipped: list[str] = []
    raw_specs: list[tuple[Mapping[str, Any], str]] = []
    if obj.get("spec") is not None:
        raw_specs.append((f.mapping(obj, "spec", ""), "spec"))
    for i, raw in enumerate(f.seq(obj, "specs", "")):
        raw_specs.append((f.item_map(raw, f"specs[{i}]"), f"specs[{i}]"))
    if not raw_specs:
        raise FieldError("a policy needs spec or specs", "spec")
    specs = tuple(_spec(raw, path, clusterwide, skipped) for raw, path in raw_specs)
    return CiliumPolicy(
        namespace="" if clusterwide else namespace,
        name=name,
        clusterwide=clusterwide,
        specs=specs,
        labels=f.labels(meta, "labels", "metadata"),
        not_evaluated=tuple(skipped),
    )


def _spec(raw: Mapping[str, Any], path: str, clusterwide: bool, skipped: list[str]) -> CiliumSpec:
    endpoint = _selector(raw.get("endpointSelector"), f"{path}.endpointSelector")
    node = _selector(raw.get("nodeSelector"), f"{path}.nodeSelector")
    if endpoint is None and node is None:
        raise FieldError("must have one of endpointSelector or nodeSelector", path)
    if endpoint is not None and node is not None:
        raise FieldError("cannot have both endpointSelector and nodeSelector", path)
    if node is not None and not clusterwide:
        raise FieldError(
            "nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy",
            f"{path}.nodeSelector",
        )
    rules = {
        section: tuple(
            _rule(f.item_map(r, f"{path}.{section}[{i}]"), f"{path}.{section}[{i}]", skipped)
            for i, r in enumerate(f.seq(raw, section, path))
        )
        for section in ("ingress", "ingressDeny", "egress", "egressDeny")
    }
    default_deny = f.mapping(raw, "enableDefaultDeny", path)
    dd_path = f"{path}.enableDefaultDeny"
    return CiliumSpec(
        path=path,
        endpoint_selector=endpoint,
        node_selector=node,
        ingress=rules["ingress"],
        ingress_deny=rules["ingressDeny"],
        egress=rules["egress"],
        egress_deny=rules["egressDeny"],
        # Rule.Sanitize: unset means "true when the direction has rules".
        default_deny_ingress=f.boolean(
            default_deny, "ingress", dd_path, bool(rules["ingress"] or rules["ingressDeny"])
        ),
        default_deny_egress=f.boolean(
            default_deny, "egress", dd_path, bool(rules["egress"] or rules["egressDeny"])
        ),
        description=f.string(raw, "description", path),
    )


def _rule(raw: Mapping[str, Any], path: str, skipped: list[str]) -> CiliumRule:
    section = path.rsplit(".", 1)[-1].partition("[")[0]
    ingress = section.startswith("ingress")
    way = "from" if ingress else "to"
    endpoints = tuple(
        _selector(e, f"{path}.{way}Endpoints[{i}]") or LabelSelector()
        for i, e in enumerate(f.seq(raw, f"{way}Endpoints", path))
    )
    cidrs = tuple(
        CIDRRule(cidr=_cidr(c, f"{path}.{way}CIDR[{i}]", bare_ip=True))
        for i, c in enumerate(f.seq(raw, f"{way}CIDR", path))
    )
    cidr_set = tuple(
        _cidr_rule(f.item_map(c, f"{path}.{way}CIDRSet[{i}]"), f"{path}.{way}CIDRSet[{i}]")
        for i, c in enumerate(f.seq(raw, f"{way}CIDRSet", path))
    )
    entities = tuple(
        _entity(e, f"{path}.{way}Entities[{i}]")
        for i, e in enumerate(f.seq(raw, f"{way}Entities", path))
    )
    services = (
        ()
        if ingress
        else tuple(
            _service(f.item_map(s, f"{path}.toServices[{i}]"), f"{path}.toServices[{i}]")
            for i, s in enumerate(f.seq(raw, "toServices", path))
        )
    )
    fqdns = (
        ()
        if ingress
        else tuple(
            _fqdn(f.item_map(q, f"{path}.toFQDNs[{i}]"), f"{path}.toFQDNs[{i}]")
            for i, q in enumerate(f.seq(raw, "toFQDNs", path))
        )
    )
    present = [
        name
        for name, got in (
            (f"{way}Endpoints", endpoints),
            (f"{way}CIDR", cidrs),
            (f"{way}CIDRSet", cidr_set),
            (f"{way}Entities", entities),
            ("toServices", services),
            ("toFQDNs", fqdns),
        )
        if got
    ]
    for extra in _NOT_EVALUATED:
        if raw.get(f"{way}{extra}"):
            present.append(f"{way}{extra}")
            skipped.append(f"{path}.{way}{extra}")
    if len(present) > 1:
        # rule_validation.go: "Combining %s and %s is not supported yet".
        raise FieldError(f"combining {present[0]} and {present[1]} is not supported", path)
    to_ports = tuple(
        _port_rule(f.item_map(p, f"{path}.toPorts[{i}]"), f"{path}.toPorts[{i}]", ingress)
        for i, p in enumerate(f.seq(raw, "toPorts", path))
    )
    if services and to_ports:
        raise FieldError("combining toServices and toPorts is not supported", path)
    for extra in ("icmps", "authentication"):
        if raw.get(extra):
            skipped.append(f"{path}.{extra}")
    return CiliumRule(
        path=path,
        deny=section.endswith("Deny"),
        endpoints=endpoints,
        cidrs=cidrs + cidr_set,
        entities=entities,
        services=services,
        fqdns=fqdns,
        to_ports=to_ports,
    )


def _selector(raw: object, path: str) -> LabelSelector | None:
    if raw is None:
        return None
    try:
        return parse_selector(raw, path)
    except SelectorError as e:
        raise FieldError(str(e), e.field) from None


def _cidr(raw: object, path: str, *, bare_ip: bool = False) -> str:
    if not isinstance(raw, str) or not raw:
        raise FieldError("must be a CIDR string", path)
    if "/" not in raw:
        # api.CIDR.sanitize accepts a bare address; CIDRRule.sanitize does not.
        if bare_ip:
            try:
                ipaddress.ip_address(raw)
                return raw
            except ValueError:
                pass
        raise FieldError(f"invalid CIDR {raw!r}", path)
    try:
        ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise FieldError(f"invalid CIDR {raw!r}", path) from None
    return raw


def _cidr_rule(raw: Mapping[str, Any], path: str) -> CIDRRule:
    if raw.get("cidrGroupRef") or raw.get("cidrGroupSelector"):
        raise FieldError("CIDR groups are not supported by netdiag", path)
    cidr = _cidr(raw.get("cidr"), f"{path}.cidr")
    net = ipaddress.ip_network(cidr, strict=False)
    excepts: list[str] = []
    for i, e in enumerate(f.seq(raw, "except", path)):
        sub = _cidr(e, f"{path}.except[{i}]")
        sub_net = ipaddress.ip_network(sub, strict=False)
        # CIDRRule.sanitize: each except prefix must lie inside cidr (same family).
        if sub_net.version != net.version or sub_net.network_address not in net:
            raise FieldError(f"{cidr} does not contain {sub}", f"{path}.except[{i}]")
        excepts.append(sub)
    return CIDRRule(cidr=cidr, except_=tuple(excepts))


def _entity(raw: object, path: str) -> Entity:
    try:
        return Entity(raw)
    except ValueError:
        allowed = ", ".join(e.value for e in Entity)
        raise FieldError(f"unknown entity {raw!r} (allowed: {allowed})", path) from None


def _service(raw: Mapping[str, Any], path: str) -> ServiceRef:
    by_name = f.mapping(raw, "k8sService", path)
    by_selector = f.mapping(raw, "k8sServiceSelector", path)
    if by_name:
        name = f.string(by_name, "serviceName", f"{path}.k8sService")
        if not name:
            raise FieldError("is required", f"{path}.k8sService.serviceName")
        return ServiceRef(name=name, namespace=f.string(by_name, "namespace", path))
    if by_selector:
        sel = _selector(by_selector.get("selector"), f"{path}.k8sServiceSelector.selector")
        ns = f.string(by_selector, "namespace", f"{path}.k8sServiceSelector")
        return ServiceRef(selector=sel or LabelSelector(), namespace=ns)
    raise FieldError("needs k8sService or k8sServiceSelector", path)


def _fqdn(raw: Mapping[str, Any], path: str) -> FQDNSelector:
    name = f.string(raw, "matchName", path).lower()
    pattern = f.string(raw, "matchPattern", path).lower()
    if bool(name) == bool(pattern):
        raise FieldError("needs exactly one of matchName or matchPattern", path)
    return FQDNSelector(match_name=name, match_pattern=pattern)


def _port_rule(raw: Mapping[str, Any], path: str, ingress: bool) -> PortRule:
    ports_raw = f.seq(raw, "ports", path)
    if len(ports_raw) > _MAX_PORTS:
        raise FieldError(f"too many ports, the max is {_MAX_PORTS}", f"{path}.ports")
    ports = tuple(
        _port(f.item_map(p, f"{path}.ports[{i}]"), f"{path}.ports[{i}]")
        for i, p in enumerate(ports_raw)
    )
    rules = f.mapping(raw, "rules", path)
    l7 = tuple(k for k in _L7_KINDS if rules.get(k) or (k == "l7" and rules.get("l7proto")))
    if ingress and "dns" in l7:
        raise FieldError("DNS rules are not allowed on ingress", f"{path}.rules.dns")
    return PortRule(ports=ports, l7=l7)


def _port(raw: Mapping[str, Any], path: str) -> PortProtocol:
    value = raw.get("port")
    if value is None or value == "":
        raise FieldError("port must be specified", f"{path}.port")
    port: int | str
    if isinstance(value, bool):
        raise FieldError(f"invalid port {value!r}", f"{path}.port")
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        port = int(value)
        if not 0 <= port <= 65535:
            raise FieldError(f"{port} is out of range 0-65535", f"{path}.port")
    elif isinstance(value, str) and f.valid_port_name(value.lower()):
        port = value.lower()  # PortProtocol.sanitize lower-cases names.
    else:
        raise FieldError(f"invalid port {value!r}", f"{path}.port")
    end_port = f.integer(raw, "endPort", path, low=0, high=65535) or None
    if end_port is not None and isinstance(port, int) and end_port < port:
        raise FieldError(f"endPort {end_port} is below port {port}", f"{path}.endPort")
    proto_raw = raw.get("protocol") or "ANY"
    try:
        protocol = L4Protocol(str(proto_raw).upper())
    except ValueError:
        raise FieldError(
            f"unsupported protocol {proto_raw!r} (allowed: ANY, TCP, UDP, SCTP)",
            f"{path}.protocol",
        ) from None
    return PortProtocol(port=port, end_port=end_port, protocol=protocol)
