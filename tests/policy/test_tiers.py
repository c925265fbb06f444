"""Tier layers beyond the scenario tables: nodes and networks peers, domainNames through
the DNS model, hairpin, explanations, and the two imprecisions fixed with them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from netdiag.cluster.model import Labels, Node, OwnerRef, Service, ServicePort
from netdiag.cluster.selectors import LabelSelector
from netdiag.cluster.tiers import (
    Action,
    ClusterNetworkPolicy,
    Tier,
    TierPeer,
    TierRule,
    TierSubject,
)
from netdiag.policy.evaluate import evaluate
from netdiag.policy.matrix import Matrix, reachability_document
from netdiag.policy.ports import PortSet, parse_port_spec
from netdiag.policy.verdict import Verdict, verdict_document
from tests.helpers import run_cli
from tests.policy.conftest import e2e_cluster, e2e_pod, peer, policy, rule, sel

TCP80 = parse_port_spec("80/TCP")
ALL_NS = LabelSelector()


def cnp(
    name: str,
    ingress: tuple[TierRule, ...] = (),
    egress: tuple[TierRule, ...] = (),
    subject: TierSubject | None = None,
    tier: Tier = Tier.ADMIN,
    priority: int = 1,
) -> ClusterNetworkPolicy:
    return ClusterNetworkPolicy(
        name=name,
        tier=tier,
        priority=priority,
        subject=subject or TierSubject(namespaces=sel(ns="x")),
        ingress=ingress,
        egress=egress,
    )


def deny_rest() -> TierRule:
    return TierRule(action=Action.DENY, peers=(TierPeer(networks=("0.0.0.0/0", "::/0")),))


def test_nodes_peer_matches_host_network_pods_on_those_nodes() -> None:
    """conformance: nodes peers and host-network pods (their IP is the node's address)."""
    host = e2e_pod("z", "h", 5, host_network=True, ips=("192.168.0.7",), node_name="n1")
    other = e2e_pod("z", "o", 6, host_network=True, ips=("192.168.0.8",), node_name="n2")
    nodes = (
        Node(name="n1", labels=Labels({"role": "infra"}), addresses=("192.168.0.7", "n1.local")),
        Node(name="n2", labels=Labels({"role": "app"}), addresses=("192.168.0.8",)),
    )
    to_infra = TierRule(action=Action.ACCEPT, peers=(TierPeer(nodes=sel(role="infra")),))
    snap = replace(
        e2e_cluster(pods=[e2e_pod("x", "a", 0), host, other]),
        nodes=nodes,
        cluster_network_policies=(cnp("to-infra", egress=(to_infra, deny_rest())),),
    )
    assert evaluate(snap, "x/a", "z/h", TCP80).verdict is Verdict.ALLOWED
    assert evaluate(snap, "x/a", "z/o", TCP80).verdict is not Verdict.ALLOWED
    assert evaluate(snap, "x/a", "192.168.0.7", TCP80).verdict is Verdict.ALLOWED


def test_networks_peers_match_pod_ips_in_ipv4_and_ipv6() -> None:
    pods = [
        e2e_pod("x", "a", 0, ips=("10.244.0.10", "fd00::a")),
        e2e_pod("y", "v4", 1, ips=("10.244.1.11",)),
        e2e_pod("y", "v6", 2, ips=("fd00:1::b",)),
    ]
    to_v6 = TierRule(action=Action.ACCEPT, peers=(TierPeer(networks=("fd00:1::/64",)),))
    snap = replace(
        e2e_cluster(pods=pods), cluster_network_policies=(cnp("v6", egress=(to_v6, deny_rest())),)
    )
    assert evaluate(snap, "x/a", "y/v6", TCP80).verdict is Verdict.ALLOWED
    assert evaluate(snap, "x/a", "y/v4", TCP80).verdict is Verdict.DENIED
    m = Matrix(snap, ports=TCP80, policy_cidrs=False)
    ids = [r.id for r in m.rows]
    assert m.cell(ids.index("x/a"), ids.index("y/v6")).verdict is Verdict.ALLOWED
    assert m.cell(ids.index("x/a"), ids.index("y/v4")).verdict is Verdict.DENIED


def test_a_pod_reaching_its_own_ip_is_not_subject_to_tiers() -> None:
    deny_all = TierRule(action=Action.DENY, peers=(TierPeer(namespaces=ALL_NS),))
    snap = replace(e2e_cluster(), cluster_network_policies=(cnp("deny", ingress=(deny_all,)),))
    assert evaluate(snap, "x/a", "x/a").verdict is Verdict.ALLOWED
    assert evaluate(snap, "x/b", "x/a").verdict is Verdict.DENIED


def test_implementation_defined_cells_all_appear_in_json() -> None:
    accept = TierRule(action=Action.ACCEPT, peers=(TierPeer(namespaces=ALL_NS),))
    deny = TierRule(action=Action.DENY, peers=(TierPeer(namespaces=ALL_NS),))
    snap = replace(
        e2e_cluster(),
        cluster_network_policies=(cnp("a", ingress=(accept,)), cnp("d", ingress=(deny,))),
    )
    m = Matrix(snap)
    unknown = {
        (r.id, c.id)
        for i, r in enumerate(m.rows)
        for j, c in enumerate(m.cols)
        if i != j and m.cell(i, j).verdict is Verdict.UNKNOWN
    }
    assert len(unknown) == 8 * 3  # every other pod into each pod of x
    doc = reachability_document(m)
    flagged = {(e["from"], e["to"]) for e in doc["edges"] if e.get("implementation_defined")}  # type: ignore[index, union-attr]
    assert flagged == unknown


def test_unknown_cell_without_ports_is_still_an_edge() -> None:
    """hostNetwork destination isolated by v1: '?' with no port known allowed."""
    pods = [e2e_pod("x", "a", 0, host_network=True), e2e_pod("y", "b", 1)]
    snap = e2e_cluster([policy("x", "deny", ingress=[])], pods=pods)
    doc = reachability_document(Matrix(snap))
    (edge,) = [e for e in doc["edges"] if e["to"] == "x/a"]  # type: ignore[index]
    assert edge == {"from": "y/b", "to": "x/a", "ports": [], "implementation_defined": True}


def test_cluster_ip_in_an_ip_block_is_defined_when_both_orderings_agree() -> None:
    """0.0.0.0/4 except x/b's /32 holds the ClusterIP and the backend: both allow."""
    svc = Service(
        namespace="y",
        name="web",
        cluster_ips=("10.96.0.30",),
        ports=(ServicePort(port=80),),
        selector=Labels({"pod": "a"}),
    )
    r = rule(peer(cidr="0.0.0.0/4", except_=("10.244.0.11/32",)))
    snap = e2e_cluster(
        [policy("x", "p", selector=sel(pod="a"), types=("Egress",), egress=[r])],
        services=(svc,),
    )
    v = evaluate(snap, "x/a", "y/web", TCP80)
    assert v.verdict is Verdict.ALLOWED
    assert not v.paths[0].egress.unknown
    # Post-DNAT denied (backend outside the block), pre-DNAT allowed: still '?'.
    narrow = rule(peer(cidr="10.96.0.0/16"))
    snap2 = e2e_cluster(
        [policy("x", "p", selector=sel(pod="a"), types=("Egress",), egress=[narrow])],
        services=(svc,),
    )
    assert evaluate(snap2, "x/a", "y/web", TCP80).verdict is Verdict.UNKNOWN


def test_static_pods_are_each_their_own_workload() -> None:
    node_owner = OwnerRef(kind="Node", name="n1")
    pods = [
        e2e_pod("x", "etcd-n1", 0, owner=node_owner),
        e2e_pod("x", "apiserver-n1", 1, owner=node_owner),
        e2e_pod("x", "web-1", 2, owner=OwnerRef(kind="Deployment", name="web")),
        e2e_pod("x", "web-2", 3, owner=OwnerRef(kind="Deployment", name="web")),
    ]
    m = Matrix(e2e_cluster(pods=pods), granularity="workload")
    assert sorted(r.id for r in m.rows) == ["x/apiserver-n1", "x/etcd-n1", "x/web"]


def test_reach_json_names_layer_policy_priority_rule_action(tmp_path: Path) -> None:
    passes = TierRule(name="to-np", action=Action.PASS, peers=(TierPeer(namespaces=ALL_NS),))
    snap = replace(
        e2e_cluster([policy("x", "allow-y", ingress=[rule(peer(namespaces=sel(ns="y")))])]),
        cluster_network_policies=(cnp("pass", ingress=(passes,), priority=4),),
    )
    v = evaluate(snap, "y/a", "x/a", TCP80)
    doc = verdict_document(v)
    ingress = doc["paths"][0]["ingress"]  # type: ignore[index]
    assert [
        (d["layer"], d["policy"], d["priority"], d["rule"], d["action"])
        for d in ingress["decided_by"]
    ] == [
        ("admin", "pass", 4, "to-np", "Pass"),
        ("networkpolicy", "x/allow-y", None, "ingress[0]", "Allow"),
    ]
    egress = doc["paths"][0]["egress"]  # type: ignore[index]
    assert [d["layer"] for d in egress["decided_by"]] == ["default"]
    # Existing fields are unchanged.
    assert ingress["isolated"] is True and ingress["allowed_by"][0]["policy"] == "x/allow-y"


ZONE = """\
$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 admin 1 3600 600 86400 300
api IN A 192.0.2.10
www IN A 192.0.2.20
a.b IN A 192.0.2.30
"""

DOMAINS = """\
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: a}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: a}
spec: {clusterIP: 10.96.0.9, ports: [{port: 80}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: allow-names}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  egress:
  - name: names
    action: Accept
    to: [{domainNames: [api.example.com, "*.b.example.com", web.a.svc.cluster.local]}]
  - name: deny-rest
    action: Deny
    to: [{networks: [0.0.0.0/0]}]
"""


def test_domain_names_follow_the_dns_model_and_reach_names_the_name(tmp_path: Path) -> None:
    (tmp_path / "ext.zone").write_text(ZONE)
    (tmp_path / "c.yaml").write_text(DOMAINS)
    base = ["--cluster", str(tmp_path / "c.yaml"), "--upstream-zone", str(tmp_path / "ext.zone")]
    exact = run_cli(["reach", "a/p1", "192.0.2.10", *base])
    assert (
        exact.exit_code == 0 and "DNS answers for api.example.com hold 192.0.2.10" in exact.stdout
    )
    wildcard = run_cli(["reach", "a/p1", "192.0.2.30", "-o", "json", *base])
    assert wildcard.exit_code == 0
    (decision,) = json.loads(wildcard.stdout)["paths"][0]["egress"]["decided_by"]
    assert decision["rule"] == "names" and "a.b.example.com" in decision["detail"]
    assert run_cli(["reach", "a/p1", "192.0.2.20", *base]).exit_code == 1  # not listed
    # NPEP-133: a ClusterIP Service name never matches.
    assert run_cli(["reach", "a/p1", "10.96.0.9", *base]).exit_code == 1
    # Without the upstream zone the names answer NXDOMAIN: nothing is accepted.
    alone = run_cli(["reach", "a/p1", "192.0.2.10", "--cluster", str(tmp_path / "c.yaml")])
    assert alone.exit_code == 1


def test_matrix_and_reach_agree_on_tier_ports() -> None:
    http = TierRule(action=Action.ACCEPT, peers=(TierPeer(namespaces=ALL_NS),))
    deny = TierRule(action=Action.DENY, peers=(TierPeer(namespaces=ALL_NS),))
    snap = replace(
        e2e_cluster(),
        cluster_network_policies=(
            cnp(
                "y-http",
                ingress=(replace(http, ports=()),),
                subject=TierSubject(namespaces=sel(ns="y")),
            ),
            cnp("deny-x", ingress=(deny,), priority=2),
        ),
    )
    m = Matrix(snap)
    ids = [r.id for r in m.rows]
    cell = m.cell(ids.index("y/a"), ids.index("x/b"))
    assert cell.verdict is Verdict.DENIED
    assert evaluate(snap, "y/a", "x/b").ports == PortSet()


def test_matrix_export_and_reach_give_the_same_tier_verdicts(tmp_path: Path) -> None:
    (tmp_path / "ext.zone").write_text(ZONE)
    (tmp_path / "c.yaml").write_text(DOMAINS)
    base = ["--cluster", str(tmp_path / "c.yaml"), "--upstream-zone", str(tmp_path / "ext.zone")]
    ext = ["--external", "192.0.2.10", "--external", "192.0.2.20"]
    matrix = run_cli(["matrix", "-o", "json", *ext, *base])
    export = run_cli(["export", "-f", "json", "--granularity", "pod", *ext, *base])
    assert matrix.exit_code == 0 and export.exit_code == 0, export.stderr
    doc = json.loads(matrix.stdout)
    assert doc == json.loads(export.stdout)
    edges = {(e["from"], e["to"]) for e in doc["edges"]}
    assert ("a/p1", "192.0.2.10") in edges and ("a/p1", "192.0.2.20") not in edges
    for dst, code in (("192.0.2.10", 0), ("192.0.2.20", 1)):
        assert run_cli(["reach", "a/p1", dst, *base]).exit_code == code


def test_control_characters_in_rule_names_are_shown_escaped() -> None:
    from netdiag.policy.render import Style, verdict_lines

    deny = TierRule(name="x\x1b[31mred", action=Action.DENY, peers=(TierPeer(namespaces=ALL_NS),))
    snap = replace(e2e_cluster(), cluster_network_policies=(cnp("p\x07", ingress=(deny,)),))
    text = "\n".join(verdict_lines(evaluate(snap, "y/a", "x/a"), Style()))
    assert "\x1b" not in text and "\x07" not in text
    assert "x\\x1b[31mred" in text


def test_cluster_ip_in_a_networks_peer_is_unknown_only_when_orderings_disagree() -> None:
    svc = Service(
        namespace="y",
        name="web",
        cluster_ips=("10.96.0.30",),
        ports=(ServicePort(port=80),),
        selector=Labels({"pod": "a"}),
    )
    subject = TierSubject(namespaces=sel(ns="x"))

    def with_networks(*cidrs: str) -> object:
        accept = TierRule(action=Action.ACCEPT, peers=(TierPeer(networks=cidrs),))
        pol = cnp("nets", egress=(accept, deny_rest()), subject=subject)
        return replace(e2e_cluster(services=(svc,)), cluster_network_policies=(pol,))

    # The ClusterIP range only: pre-DNAT accepted, post-DNAT denied -> '?'.
    v = evaluate(with_networks("10.96.0.0/16"), "x/a", "y/web", TCP80)  # type: ignore[arg-type]
    assert v.verdict is Verdict.UNKNOWN and "nets rule" in v.paths[0].egress.unknown
    # Both the ClusterIP and the backend: both orderings accept.
    both = evaluate(with_networks("10.96.0.0/16", "10.244.1.0/24"), "x/a", "y/web", TCP80)  # type: ignore[arg-type]
    assert both.verdict is Verdict.ALLOWED


def test_hairpin_through_a_service_is_subject_to_tiers_but_the_own_ip_is_not() -> None:
    svc = Service(
        namespace="x",
        name="self",
        cluster_ips=("10.96.0.40",),
        ports=(ServicePort(port=80),),
        selector=Labels({"pod": "a"}),
    )
    deny_all = TierRule(action=Action.DENY, peers=(TierPeer(namespaces=ALL_NS),))
    snap = replace(
        e2e_cluster([policy("x", "iso", selector=sel(pod="a"), ingress=[])], services=(svc,)),
        cluster_network_policies=(cnp("deny", ingress=(deny_all,)),),
    )
    assert evaluate(snap, "x/a", "x/a", TCP80).verdict is Verdict.ALLOWED  # own IP
    via = evaluate(snap, "x/a", "x/self", TCP80)
    assert via.verdict is Verdict.DENIED
    assert via.paths[0].ingress.decisions[0].policy == "deny"
    # Without tiers the NetworkPolicy alone never blocks a pod from itself.
    plain = replace(snap, cluster_network_policies=())
    assert evaluate(plain, "x/a", "x/self", TCP80).verdict is Verdict.ALLOWED
    # A Pass reaches NetworkPolicy, which lets the pod reach itself.
    passes = TierRule(action=Action.PASS, peers=(TierPeer(namespaces=ALL_NS),))
    passed = replace(snap, cluster_network_policies=(cnp("pass", ingress=(passes,)),))
    assert evaluate(passed, "x/a", "x/self", TCP80).verdict is Verdict.ALLOWED
