"""Policies in words and as YAML."""

from __future__ import annotations

import yaml

from netdiag.cluster.meta import Labels, Protocol
from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.cluster.networkpolicy import (
    IPBlock,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)
from netdiag.cluster.selectors import LabelSelector
from netdiag_tui.describe import describe_policy, policy_yaml

POLICY = NetworkPolicy(
    namespace="shop",
    name="api",
    pod_selector=LabelSelector(match_labels=(("app", "api"),)),
    policy_types=("Ingress", "Egress"),
    ingress=(
        NetworkPolicyRule(
            peers=(NetworkPolicyPeer(namespace_selector=LabelSelector()),),
            ports=(NetworkPolicyPort(port="http"),),
        ),
    ),
    egress=(
        NetworkPolicyRule(
            peers=(
                NetworkPolicyPeer(ip_block=IPBlock(cidr="10.0.0.0/8", except_=("10.1.0.0/16",))),
            ),
            ports=(NetworkPolicyPort(protocol=Protocol.UDP, port=53, end_port=54),),
        ),
        NetworkPolicyRule(),
    ),
)


def test_rules_in_words_and_selected_pods_of_its_own_namespace() -> None:
    snap = ClusterSnapshot(
        pods=(
            Pod(namespace="shop", name="api-0", labels=Labels({"app": "api"})),
            Pod(namespace="other", name="api-0", labels=Labels({"app": "api"})),
            Pod(namespace="shop", name="db-0", labels=Labels({"app": "db"})),
        ),
        network_policies=(POLICY,),
    )
    view = describe_policy(snap, POLICY)
    assert view.selected == ("shop/api-0",)  # never pods of another namespace
    assert view.ingress == ("from every namespace / all pods on http/TCP",)
    assert view.egress == (
        "to ipBlock 10.0.0.0/8 except 10.1.0.0/16 on 53-54/UDP",
        "to anywhere on all ports",
    )


def test_yaml_round_trips_the_spec() -> None:
    doc = yaml.safe_load(policy_yaml(POLICY))
    assert doc["metadata"] == {"name": "api", "namespace": "shop"}
    spec = doc["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app": "api"}}
    assert spec["ingress"][0]["from"] == [{"namespaceSelector": {}}]
    assert spec["egress"][0]["to"][0]["ipBlock"] == {
        "cidr": "10.0.0.0/8",
        "except": ["10.1.0.0/16"],
    }
    assert spec["egress"][0]["ports"] == [{"protocol": "UDP", "port": 53, "endPort": 54}]
