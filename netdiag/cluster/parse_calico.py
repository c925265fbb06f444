"""Calico NetworkPolicy / GlobalNetworkPolicy / Tier from a dict, validated as Calico would.

Reference: docs.tigera.io Calico "NetworkPolicy", "GlobalNetworkPolicy", "Tier"
and "Rule" resource definitions. Selectors go through the one grammar in
:mod:`netdiag.cluster.calicoselector`; a selector that does not parse is an
error naming the field and the column.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.calico import (
    DEFAULT_TIER,
    Action,
    CalicoPolicy,
    CalicoPort,
    CalicoRule,
    CalicoTier,
    EntityRule,
)
from netdiag.cluster.calicoselector import (
    CalicoSelector,
    CalicoSelectorError,
    parse_calico_selector,
)
from netdiag.cluster.fields import FieldError
from netdiag.cluster.meta import Protocol

#: Protocols Calico accepts besides TCP/UDP/SCTP (numbers 1-255 too); netdiag's
#: port universe holds none of them, so rules limited to them match nothing here.
_OTHER_PROTOCOLS = ("ICMP", "ICMPv6", "UDPLite")
_PROTOCOL_NUMBERS = {6: Protocol.TCP, 17: Protocol.UDP, 132: Protocol.SCTP}
_PORT_PROTOCOLS = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)
_OUT_OF_SCOPE = ("applyOnForward", "preDNAT", "doNotTrack")


def parse_calico_policy(
    obj: Mapping[str, Any], namespace: str, name: str, *, global_: bool
) -> CalicoPolicy:
    """Raises :class:`FieldError` naming the field (and the column for selectors)."""
    meta = f.mapping(obj, "metadata", "")
    spec = f.mapping(obj, "spec", "")
    ingress = tuple(
        _rule(f.item_map(r, f"spec.ingress[{i}]"), f"spec.ingress[{i}]")
        for i, r in enumerate(f.seq(spec, "ingress", "spec"))
    )
    egress = tuple(
        _rule(f.item_map(r, f"spec.egress[{i}]"), f"spec.egress[{i}]")
        for i, r in enumerate(f.seq(spec, "egress", "spec"))
    )
    if not global_ and spec.get("namespaceSelector") is not None:
        raise FieldError(
            "namespaceSelector is only allowed in a GlobalNetworkPolicy", "spec.namespaceSelector"
        )
    return CalicoPolicy(
        namespace="" if global_ else namespace,
        name=name,
        global_=global_,
        tier=f.string(spec, "tier", "spec", DEFAULT_TIER),
        order=_order(spec, "spec"),
        selector=_selector(spec, "selector", "spec"),
        namespace_selector=_selector(spec, "namespaceSelector", "spec"),
        service_account_selector=_selector(spec, "serviceAccountSelector", "spec"),
        types=_types(spec, ingress, egress),
        ingress=ingress,
        egress=egress,
        out_of_scope=tuple(
            k for k in _OUT_OF_SCOPE if global_ and f.boolean(spec, k, "spec", False)
        ),
        labels=f.labels(meta, "labels", "metadata"),
    )


def parse_calico_tier(obj: Mapping[str, Any], name: str) -> CalicoTier:
    spec = f.mapping(obj, "spec", "")
    action_raw = f.string(spec, "defaultAction", "spec", "Deny")
    if action_raw not in ("Deny", "Pass"):
        raise FieldError(
            f"unsupported defaultAction {action_raw!r} (allowed: Deny, Pass)",
            "spec.defaultAction",
        )
    return CalicoTier(name=name, order=_order(spec, "spec"), default_action=Action(action_raw))


def _order(spec: Mapping[str, Any], path: str) -> float | None:
    value = spec.get("order")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(f"must be a number, not {value!r}", f.join(path, "order"))
    return float(value)


def _types(
    spec: Mapping[str, Any], ingress: tuple[CalicoRule, ...], egress: tuple[CalicoRule, ...]
) -> frozenset[str]:
    written = [str(t) for t in f.seq(spec, "types", "spec")]
    for i, t in enumerate(written):
        if t not in ("Ingress", "Egress"):
            raise FieldError(
                f"unsupported type {t!r} (allowed: Ingress, Egress)", f"spec.types[{i}]"
            )
    if written:
        return frozenset(written)
    # Calico NetworkPolicy reference, "types": when omitted, Egress alone if the
    # policy has only egress rules, both if it has both, otherwise Ingress.
    if egress and ingress:
        return frozenset({"Ingress", "Egress"})
    return frozenset({"Egress"}) if egress else frozenset({"Ingress"})


def _selector(raw: Mapping[str, Any], key: str, path: str) -> CalicoSelector | None:
    value = raw.get(key)
    if value is None:
        return None
    where = f.join(path, key)
    if not isinstance(value, str):
        raise FieldError(f"must be a selector string, not {type(value).__name__}", where)
    try:
        return parse_calico_selector(value)
    except CalicoSelectorError as e:
        raise FieldError(f"column {e.column}: {e.message} (in {value!r})", where) from None


def _rule(raw: Mapping[str, Any], path: str) -> CalicoRule:
    action_raw = raw.get("action")
    try:
        action = Action(action_raw)
    except ValueError:
        allowed = ", ".join(a.value for a in Action)
        raise FieldError(
            f"unsupported action {action_raw!r} (allowed: {allowed})", f"{path}.action"
        ) from None
    protocol = _protocol(raw.get("protocol"), f"{path}.protocol")
    source = _entity_rule(f.mapping(raw, "source", path), f"{path}.source")
    destination = _entity_rule(f.mapping(raw, "destination", path), f"{path}.destination")
    for side, where in ((source, "source"), (destination, "destination")):
        if (side.ports or side.not_ports) and protocol not in _PORT_PROTOCOLS:
            # Calico validation: ports need protocol TCP, UDP or SCTP (or UDPLite).
            raise FieldError("ports need protocol TCP, UDP or SCTP", f"{path}.{where}.ports")
    return CalicoRule(
        path=path,
        action=action,
        protocol=protocol,
        not_protocol=_protocol(raw.get("notProtocol"), f"{path}.notProtocol"),
        source=source,
        destination=destination,
        http=bool(raw.get("http")),
    )


def _protocol(value: object, path: str) -> Protocol | str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldError(f"unsupported protocol {value!r}", path)
    if isinstance(value, int):
        if not 1 <= value <= 255:
            raise FieldError(f"protocol number {value} is out of range 1-255", path)
        return _PROTOCOL_NUMBERS.get(value, str(value))
    text = str(value)
    for proto in _PORT_PROTOCOLS:
        if text.upper() == proto.value:
            return proto
    if text in _OTHER_PROTOCOLS:
        return text
    raise FieldError(
        f"unsupported protocol {text!r} (allowed: TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite, 1-255)",
        path,
    )


def _entity_rule(raw: Mapping[str, Any], path: str) -> EntityRule:
    accounts = f.mapping(raw, "serviceAccounts", path)
    services = f.mapping(raw, "services", path)
    service: tuple[str, str] | None = None
    if services:
        name = f.string(services, "name", f"{path}.services")
        if not name:
            raise FieldError("is required", f"{path}.services.name")
        service = (f.string(services, "namespace", f"{path}.services"), name)
    return EntityRule(
        nets=_nets(raw, "nets", path),
        not_nets=_nets(raw, "notNets", path),
        selector=_selector(raw, "selector", path),
        not_selector=_selector(raw, "notSelector", path),
        namespace_selector=_selector(raw, "namespaceSelector", path),
        ports=_ports(raw, "ports", path),
        not_ports=_ports(raw, "notPorts", path),
        service_account_names=tuple(
            str(n) for n in f.seq(accounts, "names", f"{path}.serviceAccounts")
        ),
        service_account_selector=_selector(accounts, "selector", f"{path}.serviceAccounts"),
        service=service,
    )


def _nets(raw: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    out: list[str] = []
    for i, value in enumerate(f.seq(raw, key, path)):
        where = f"{path}.{key}[{i}]"
        text = str(value)
        try:
            # Calico accepts a bare address as a /32 (or /128).
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise FieldError(f"invalid CIDR {text!r}", where) from None
        out.append(text)
    return tuple(out)


def _ports(raw: Mapping[str, Any], key: str, path: str) -> tuple[CalicoPort, ...]:
    return tuple(
        _port(value, f"{path}.{key}[{i}]") for i, value in enumerate(f.seq(raw, key, path))
    )


def _port(value: object, path: str) -> CalicoPort:
    if isinstance(value, bool):
        raise FieldError(f"invalid port {value!r}", path)
    if isinstance(value, int):
        if not 0 <= value <= 65535:
            raise FieldError(f"{value} is out of range 0-65535", path)
        return CalicoPort(port=value)
    text = str(value)
    if ":" in text:
        lo_text, _, hi_text = text.partition(":")
        if not (lo_text.isdigit() and hi_text.isdigit()):
            raise FieldError(f"invalid port range {text!r} (want start:end)", path)
        lo, hi = int(lo_text), int(hi_text)
        if not 0 <= lo <= hi <= 65535:
            raise FieldError(f"invalid port range {text!r}", path)
        return CalicoPort(port=lo, end_port=hi)
    if text.isdigit():
        return _port(int(text), path)
    if not text or len(text) > 128:
        raise FieldError(f"invalid port name {text!r}", path)
    return CalicoPort(port=text)
