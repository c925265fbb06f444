"""Calico and Cilium objects: what parses to what, and bad input named by field (and column)."""

from __future__ import annotations

from typing import Any

import pytest

from netdiag.cluster.calico import Action
from netdiag.cluster.cilium import Entity, L4Protocol
from netdiag.cluster.fields import FieldError
from netdiag.cluster.meta import Protocol
from netdiag.cluster.parse_calico import parse_calico_policy, parse_calico_tier
from netdiag.cluster.parse_cilium import parse_cilium_policy


def calico(spec: dict[str, Any], *, global_: bool = False) -> Any:
    kind = "GlobalNetworkPolicy" if global_ else "NetworkPolicy"
    obj = {
        "apiVersion": "projectcalico.org/v3",
        "kind": kind,
        "metadata": {"name": "p"},
        "spec": spec,
    }
    return parse_calico_policy(obj, "prod", "p", global_=global_)


def cilium(spec: dict[str, Any], *, clusterwide: bool = False) -> Any:
    obj = {"apiVersion": "cilium.io/v2", "metadata": {"name": "p"}, "spec": spec}
    return parse_cilium_policy(obj, "prod", "p", clusterwide=clusterwide)


def test_calico_policy_as_the_docs_write_it() -> None:
    pol = calico(
        {
            "tier": "security",
            "order": 100,
            "selector": "role == 'database'",
            "ingress": [
                {
                    "action": "Allow",
                    "protocol": "TCP",
                    "source": {"selector": "role == 'frontend'", "notNets": ["10.0.0.0/8"]},
                    "destination": {"ports": [6379, "7000:7010", "metrics"]},
                }
            ],
            "egress": [{"action": "Pass"}],
            "doNotTrack": True,
        },
        global_=True,
    )
    assert (pol.tier, pol.order, pol.global_) == ("security", 100.0, True)
    assert pol.types == frozenset({"Ingress", "Egress"})
    rule = pol.ingress[0]
    assert (rule.action, rule.protocol) == (Action.ALLOW, Protocol.TCP)
    assert [str(p) for p in rule.destination.ports] == ["6379", "7000:7010", "metrics"]
    assert pol.egress[0].action is Action.PASS
    assert pol.out_of_scope == ("doNotTrack",)
    assert pol.selector is not None and pol.selector.matches({"role": "database"})


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ({}, {"Ingress"}),
        ({"ingress": [{"action": "Allow"}]}, {"Ingress"}),
        ({"egress": [{"action": "Allow"}]}, {"Egress"}),
        ({"egress": [{"action": "Allow"}], "types": ["Ingress"]}, {"Ingress"}),
    ],
)
def test_calico_types_default_from_the_rules(spec: dict[str, Any], types: set[str]) -> None:
    assert calico(spec).types == frozenset(types)


def test_calico_tier() -> None:
    tier = parse_calico_tier({"spec": {"order": 50, "defaultAction": "Pass"}}, "platform")
    assert (tier.order, tier.default_action) == (50.0, Action.PASS)
    assert parse_calico_tier({}, "t").default_action is Action.DENY


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ({"selector": "app = 'x'"}, "spec.selector", "column 5: expected '=='"),
        (
            {"ingress": [{"action": "Allow", "source": {"selector": "has(app"}}]},
            "spec.ingress[0].source.selector",
            "column 8",
        ),
        ({"ingress": [{"action": "Accept"}]}, "spec.ingress[0].action", "unsupported action"),
        (
            {"ingress": [{"action": "Allow", "destination": {"ports": [80]}}]},
            "spec.ingress[0].destination.ports",
            "need protocol",
        ),
        (
            {"egress": [{"action": "Deny", "destination": {"nets": ["10.0.0.0/33"]}}]},
            "spec.egress[0].destination.nets[0]",
            "invalid CIDR",
        ),
        (
            {
                "ingress": [
                    {"action": "Allow", "protocol": "TCP", "destination": {"ports": ["9:1"]}}
                ]
            },
            "spec.ingress[0].destination.ports[0]",
            "invalid port range",
        ),
        ({"types": ["ingress"]}, "spec.types[0]", "unsupported type"),
        ({"namespaceSelector": "all()"}, "spec.namespaceSelector", "only allowed in a Global"),
        ({"order": "first"}, "spec.order", "must be a number"),
    ],
)
def test_calico_bad_input_names_the_field(spec: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(FieldError) as err:
        calico(spec)
    assert err.value.field == field
    assert words in err.value.message


def test_calico_bad_tier_action() -> None:
    with pytest.raises(FieldError, match="defaultAction"):
        parse_calico_tier({"spec": {"defaultAction": "Allow"}}, "t")


def test_cilium_policy_as_the_docs_write_it() -> None:
    pol = cilium(
        {
            "endpointSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {
                    "fromEndpoints": [{"matchLabels": {"app": "api"}}],
                    "toPorts": [
                        {
                            "ports": [{"port": "5432", "protocol": "tcp"}, {"port": "HTTP"}],
                            "rules": {"http": [{"method": "GET"}]},
                        }
                    ],
                }
            ],
            "egressDeny": [{"toEntities": ["world"]}],
        }
    )
    spec = pol.specs[0]
    assert (spec.default_deny_ingress, spec.default_deny_egress) == (True, True)
    ports = spec.ingress[0].to_ports[0].ports
    assert (ports[0].port, ports[0].protocol) == (5432, L4Protocol.TCP)
    assert (ports[1].port, ports[1].protocol) == ("http", L4Protocol.ANY)
    assert spec.ingress[0].l7 == ("http",)
    assert spec.egress_deny[0].deny and spec.egress_deny[0].entities == (Entity.WORLD,)


def test_cilium_specs_list_and_default_deny_override() -> None:
    obj = {
        "metadata": {"name": "p"},
        "specs": [
            {"endpointSelector": {}, "ingress": [{}], "enableDefaultDeny": {"ingress": False}},
            {"nodeSelector": {}, "egress": [{"toEntities": ["cluster"]}]},
        ],
    }
    pol = parse_cilium_policy(obj, "", "p", clusterwide=True)
    assert [s.path for s in pol.specs] == ["specs[0]", "specs[1]"]
    assert pol.specs[0].default_deny_ingress is False
    assert pol.specs[0].default_deny_egress is False
    assert pol.specs[1].node_selector is not None


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ({}, "spec", "endpointSelector or nodeSelector"),
        ({"endpointSelector": {}, "nodeSelector": {}}, "spec", "cannot have both"),
        ({"nodeSelector": {}}, "spec.nodeSelector", "only allowed in a CiliumClusterwide"),
        (
            {"endpointSelector": {}, "egress": [{"toEntities": ["internet"]}]},
            "spec.egress[0].toEntities[0]",
            "unknown entity 'internet'",
        ),
        (
            {"endpointSelector": {}, "egress": [{"toCIDR": ["10.0.0.300/8"]}]},
            "spec.egress[0].toCIDR[0]",
            "invalid CIDR",
        ),
        (
            {
                "endpointSelector": {},
                "egress": [{"toCIDRSet": [{"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}]}],
            },
            "spec.egress[0].toCIDRSet[0].except[0]",
            "does not contain",
        ),
        (
            {"endpointSelector": {}, "egress": [{"toCIDR": ["1.2.3.4"], "toEntities": ["world"]}]},
            "spec.egress[0]",
            "combining",
        ),
        (
            {
                "endpointSelector": {},
                "egress": [
                    {
                        "toServices": [{"k8sService": {"serviceName": "s"}}],
                        "toPorts": [{"ports": [{"port": "80"}]}],
                    }
                ],
            },
            "spec.egress[0]",
            "toServices and toPorts",
        ),
        (
            {
                "endpointSelector": {},
                "ingress": [{"toPorts": [{"ports": [{"port": "80", "protocol": "ICMP"}]}]}],
            },
            "spec.ingress[0].toPorts[0].ports[0].protocol",
            "unsupported protocol",
        ),
        (
            {"endpointSelector": {"matchExpressions": [{"key": "a", "operator": "Equals"}]}},
            "spec.endpointSelector.matchExpressions[0].operator",
            "invalid operator",
        ),
        (
            {"endpointSelector": {}, "egress": [{"toFQDNs": [{}]}]},
            "spec.egress[0].toFQDNs[0]",
            "matchName or matchPattern",
        ),
    ],
)
def test_cilium_bad_input_names_the_field(spec: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(FieldError) as err:
        cilium(spec)
    assert err.value.field == field
    assert words in err.value.message
