"""Per-kind parsers: values, defaults, and errors that name origin, object and field."""

from __future__ import annotations

from typing import Any

import pytest

from netdiag.cluster.meta import NAMESPACE_NAME_LABEL, Protocol
from netdiag.cluster.parse import ConfigMap, parse_object
from netdiag.errors import ManifestError


def netpol(spec: dict[str, Any], name: str = "np") -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": spec,
    }


def one(obj: dict[str, Any]) -> Any:
    result = parse_object(obj, "f.yaml (document 1)")
    assert len(result.objects) == 1
    return result.objects[0]


def error_of(obj: dict[str, Any]) -> str:
    with pytest.raises(ManifestError) as info:
        parse_object(obj, "f.yaml (document 3)")
    return info.value.message


def test_network_policy_full() -> None:
    np = one(
        netpol(
            {
                "podSelector": {"matchLabels": {"app": "db"}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "podSelector": {"matchLabels": {"app": "api"}},
                                "namespaceSelector": {},
                            },
                            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                        ],
                        "ports": [{"port": "pg"}, {"protocol": "UDP", "port": 53}],
                    }
                ],
                "egress": [{}],
            }
        )
    )
    assert np.policy_types == ("Ingress", "Egress")
    rule = np.ingress[0]
    assert (
        rule.peers[0].namespace_selector is not None and rule.peers[0].namespace_selector.is_empty
    )
    assert rule.peers[1].ip_block.except_ == ("10.1.0.0/16",)
    assert rule.peers[1].pod_selector is None
    assert rule.ports[0].port == "pg" and rule.ports[0].protocol is Protocol.TCP
    assert rule.ports[1].protocol is Protocol.UDP
    # An empty egress rule: every peer, every port.
    assert np.egress[0].peers == () and np.egress[0].ports == ()


def test_effective_policy_types_with_empty_egress_list() -> None:
    np = one(netpol({"podSelector": {}, "egress": []}))
    assert np.effective_policy_types == frozenset({"Ingress"})


def test_end_port_and_sctp() -> None:
    np = one(
        netpol(
            {
                "podSelector": {},
                "egress": [{"ports": [{"protocol": "SCTP", "port": 3000, "endPort": 3010}]}],
            }
        )
    )
    port = np.egress[0].ports[0]
    assert (port.protocol, port.port, port.end_port) == (Protocol.SCTP, 3000, 3010)


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        (
            {"ingress": [{"from": [{}, {"ipBlock": {"cidr": "10.0.0/8"}}]}]},
            "spec.ingress[0].from[0]",
            "must specify",
        ),
        (
            {"ingress": [{"from": [{"podSelector": {}}, {"ipBlock": {"cidr": "10.0.0/8"}}]}]},
            "spec.ingress[0].from[1].ipBlock.cidr",
            "invalid CIDR '10.0.0/8'",
        ),
        (
            {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0"}}]}]},
            "spec.ingress[0].from[0].ipBlock.cidr",
            "invalid CIDR",
        ),
        (
            {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}}]}]},
            "spec.egress[0].to[0].ipBlock.except[0]",
            "not a strict subset",
        ),
        (
            {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]},
            "spec.egress[0].to[0]",
            "may not be combined",
        ),
        (
            {
                "ingress": [
                    {
                        "from": [
                            {
                                "podSelector": {
                                    "matchExpressions": [
                                        {"key": "a", "operator": "Equals", "values": ["b"]}
                                    ]
                                }
                            }
                        ]
                    }
                ]
            },
            "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator",
            "invalid operator",
        ),
        (
            {"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}},
            "spec.podSelector.matchExpressions[0].values",
            "needs values",
        ),
        (
            {"ingress": [{"ports": [{"port": 80, "endPort": 79}]}]},
            "spec.ingress[0].ports[0].endPort",
            "below port",
        ),
        (
            {"ingress": [{"ports": [{"port": "http", "endPort": 90}]}]},
            "spec.ingress[0].ports[0].endPort",
            "numeric port",
        ),
        (
            {"ingress": [{"ports": [{"endPort": 90}]}]},
            "spec.ingress[0].ports[0].endPort",
            "numeric port",
        ),
        ({"ingress": [{"ports": [{"port": 70000}]}]}, "spec.ingress[0].ports[0].port", "range"),
        (
            {"ingress": [{"ports": [{"port": "Not_A_Name"}]}]},
            "spec.ingress[0].ports[0].port",
            "invalid port name",
        ),
        (
            {"ingress": [{"ports": [{"protocol": "ICMP"}]}]},
            "spec.ingress[0].ports[0].protocol",
            "unsupported protocol",
        ),
        ({"policyTypes": ["ingress"]}, "spec.policyTypes[0]", "unsupported policy type"),
        ({"ingress": {"from": []}}, "spec.ingress", "must be a list"),
    ],
)
def test_network_policy_errors(spec: dict[str, Any], field: str, words: str) -> None:
    message = error_of(netpol({"podSelector": {}, **spec}, name="bad"))
    assert message.startswith(f"f.yaml (document 3): NetworkPolicy shop/bad: {field}: ")
    assert words in message


def test_pod_with_status_and_defaults() -> None:
    pod = one(
        {
            "kind": "Pod",
            "metadata": {
                "name": "web-1",
                "labels": {"app": "web"},
                "annotations": {"netdiag.io/synthetic-ip": "true", "team": "a"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": True}],
            },
            "spec": {
                "containers": [
                    {
                        "name": "c",
                        "ports": [{"containerPort": 80, "name": "http"}],
                        "readinessProbe": {"httpGet": {"port": 80}},
                        "lifecycle": {
                            "preStop": {"exec": {"command": ["/bin/sh", "-c", "sleep 5"]}}
                        },
                    }
                ],
                "dnsConfig": {"options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]},
            },
            "status": {
                "phase": "Running",
                "podIPs": [{"ip": "10.0.0.5"}, {"ip": "fd00::5"}],
                "conditions": [{"type": "Ready", "status": "False"}],
            },
        }
    )
    assert pod.namespace == "default"
    assert pod.ips == ("10.0.0.5", "fd00::5")
    assert pod.ready is False
    assert pod.synthetic_ip is True and pod.synthetic is False
    assert dict(pod.annotations) == {"team": "a"}  # netdiag.io/* are ours, not the user's
    assert pod.owner.kind == "ReplicaSet"
    assert pod.dns_policy == "ClusterFirst"
    assert pod.dns_config.options == (("ndots", "2"), ("edns0", None))
    container = pod.containers[0]
    assert container.ports[0].name == "http" and container.has_readiness_probe
    assert container.pre_stop_sleep_seconds == 5.0


def test_service_kinds() -> None:
    headless = one(
        {
            "kind": "Service",
            "metadata": {"name": "db", "namespace": "x"},
            "spec": {
                "clusterIP": "None",
                "selector": {"app": "db"},
                "ports": [{"port": 5432, "targetPort": "pg"}],
            },
        }
    )
    assert headless.headless and headless.cluster_ips == ()
    assert headless.ports[0].target_port == "pg"
    ext = one(
        {
            "kind": "Service",
            "metadata": {"name": "e"},
            "spec": {"type": "ExternalName", "externalName": "example.com"},
        }
    )
    assert ext.external_name == "example.com" and ext.selector is None
    plain = one(
        {
            "kind": "Service",
            "metadata": {"name": "p"},
            "spec": {"clusterIP": "10.96.0.5", "ports": [{"port": 80, "protocol": "UDP"}]},
        }
    )
    assert plain.cluster_ips == ("10.96.0.5",) and plain.ports[0].target_port == 0
    assert plain.selector is None


def test_service_non_numeric_port() -> None:
    message = error_of(
        {
            "kind": "Service",
            "metadata": {"name": "s", "namespace": "a"},
            "spec": {"ports": [{"port": 80}, {"port": "http"}]},
        }
    )
    assert message == (
        "f.yaml (document 3): Service a/s: spec.ports[1].port: must be an integer, not 'http'"
    )


def test_legacy_endpoints_become_slices() -> None:
    result = parse_object(
        {
            "kind": "Endpoints",
            "metadata": {"name": "svc", "namespace": "n"},
            "subsets": [
                {
                    "addresses": [{"ip": "10.1.1.1", "targetRef": {"kind": "Pod", "name": "p"}}],
                    "notReadyAddresses": [{"ip": "10.1.1.2"}],
                    "ports": [{"port": 8080, "name": "http"}],
                }
            ],
        },
        "o",
    )
    (s,) = result.objects
    assert s.service_name == "svc" and s.name == "svc"
    assert [(e.addresses, e.ready, e.target_pod) for e in s.endpoints] == [
        (("10.1.1.1",), True, "p"),
        (("10.1.1.2",), False, ""),
    ]


def test_endpoint_slice() -> None:
    s = one(
        {
            "kind": "EndpointSlice",
            "metadata": {
                "name": "x-1",
                "namespace": "n",
                "labels": {"kubernetes.io/service-name": "x"},
            },
            "addressType": "IPv6",
            "endpoints": [
                {"addresses": ["fd00::1"], "conditions": {"ready": False}, "hostname": "h"}
            ],
            "ports": [{"port": 53, "protocol": "UDP", "name": "dns"}],
        }
    )
    assert s.service_name == "x" and s.address_type == "IPv6"
    assert s.endpoints[0].ready is False and s.endpoints[0].serving is False
    assert s.ports[0].protocol is Protocol.UDP


def test_namespace_gets_automatic_label() -> None:
    ns = one({"kind": "Namespace", "metadata": {"name": "shop", "labels": {"team": "a"}}})
    assert ns.labels == {"team": "a", NAMESPACE_NAME_LABEL: "shop"}
    assert ns.declared


def test_node_taints_and_addresses() -> None:
    node = one(
        {
            "kind": "Node",
            "metadata": {"name": "n1", "namespace": "ignored"},
            "spec": {
                "podCIDR": "10.244.0.0/24",
                "taints": [{"key": "gpu", "effect": "NoSchedule"}],
            },
            "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]},
        }
    )
    assert node.taints[0].key == "gpu" and node.pod_cidrs == ("10.244.0.0/24",)
    assert node.addresses == ("10.0.0.1",)


def test_only_dns_config_maps_are_kept() -> None:
    assert parse_object({"kind": "ConfigMap", "metadata": {"name": "x"}}, "o").objects == ()
    cm = one(
        {
            "kind": "ConfigMap",
            "metadata": {"name": "coredns", "namespace": "kube-system"},
            "data": {"Corefile": ".:53 {}"},
        }
    )
    assert isinstance(cm, ConfigMap) and cm.data["Corefile"] == ".:53 {}"


def test_workload_template_errors_name_the_template_field() -> None:
    message = error_of(
        {
            "kind": "CronJob",
            "metadata": {"name": "c", "namespace": "b"},
            "spec": {
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "containers": [
                                    {"name": "x", "ports": [{"containerPort": "eighty"}]}
                                ]
                            }
                        }
                    }
                }
            },
        }
    )
    assert "CronJob b/c: spec.jobTemplate.spec.template.spec.containers[0].ports[0]" in message


def test_workload_replicas_and_owner() -> None:
    rs = one(
        {
            "kind": "ReplicaSet",
            "metadata": {
                "name": "w-1",
                "ownerReferences": [{"kind": "Deployment", "name": "w", "controller": True}],
            },
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"a": "b"}},
                "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}},
            },
        }
    )
    assert rs.replicas == 0 and rs.owner.name == "w"
    assert rs.selector.matches({"a": "b"})


def test_invalid_name_is_a_warning_not_an_error() -> None:
    result = parse_object(
        {"kind": "Service", "metadata": {"name": "my_svc"}}, "f.yaml (document 2)"
    )
    assert result.objects[0].name == "my_svc"
    (warning,) = result.warnings
    assert warning.startswith("f.yaml (document 2): Service default/my_svc: metadata.name:")


def test_missing_name_is_an_error() -> None:
    assert "Pod default/?: metadata.name: is required" in error_of({"kind": "Pod", "metadata": {}})


def test_bad_pod_ip() -> None:
    assert "status.podIPs[0]: invalid IP address" in error_of(
        {"kind": "Pod", "metadata": {"name": "p"}, "spec": {}, "status": {"podIP": "10.0.0"}}
    )
