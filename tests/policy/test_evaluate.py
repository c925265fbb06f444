"""One focused case per NetworkPolicy trap (docs/architecture.md, 1–9), from the spec."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netdiag.cluster.meta import Labels, Protocol
from netdiag.cluster.model import CNIInfo, Container, ContainerPort, Service, ServicePort
from netdiag.cluster.selectors import LabelSelector, Operator, Requirement
from netdiag.errors import InputError
from netdiag.policy.evaluate import evaluate
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Verdict
from tests.policy.conftest import e2e_cluster, e2e_pod, peer, policy, port, rule, sel

TCP80 = PortSet.of(Protocol.TCP, 80)
TCP81 = PortSet.of(Protocol.TCP, 81)
DENY_ALL_X = policy("x", "deny", ingress=(), types=("Ingress", "Egress"))


def verdict(snap, src, dst, ports=None):  # type: ignore[no-untyped-def]
    return evaluate(snap, src, dst, ports).verdict


# -- trap 1: effective policyTypes ------------------------------------------------


def test_trap1_empty_egress_list_does_not_isolate_egress() -> None:
    # policyTypes unset + `egress: []`: effective types are only Ingress.
    snap = e2e_cluster([policy("x", "p", egress=())])
    v = evaluate(snap, "x/a", "y/a")
    assert v.verdict is Verdict.ALLOWED
    assert not v.paths[0].egress.isolated
    assert verdict(snap, "y/a", "x/a") is Verdict.DENIED  # ingress is isolated


def test_trap1_section_not_named_in_policy_types_is_ignored() -> None:
    # Explicit policyTypes [Ingress]: its egress rules never isolate nor allow.
    pol = policy("x", "p", types=("Ingress",), egress=[rule(peer(pods=sel(pod="b")))])
    snap = e2e_cluster([pol])
    assert verdict(snap, "x/a", "y/c") is Verdict.ALLOWED
    # Explicit [Egress] with ingress rules: ingress stays open.
    pol2 = policy("x", "q", types=("Egress",), ingress=[rule(peer(pods=sel(pod="b")))])
    assert verdict(e2e_cluster([pol2]), "y/c", "x/a") is Verdict.ALLOWED
    assert verdict(e2e_cluster([pol2]), "x/a", "y/c") is Verdict.DENIED


def test_trap1_order_of_policy_types_is_irrelevant() -> None:
    a = e2e_cluster([policy("x", "p", types=("Ingress", "Egress"))])
    b = e2e_cluster([policy("x", "p", types=("Egress", "Ingress"))])
    for src, dst in [("x/a", "y/a"), ("y/a", "x/a"), ("x/a", "x/b")]:
        assert verdict(a, src, dst) is verdict(b, src, dst) is Verdict.DENIED


def test_trap1_policy_only_isolates_its_own_namespace() -> None:
    snap = e2e_cluster([policy("y", "deny-all-in-y")])
    assert verdict(snap, "z/a", "x/a") is Verdict.ALLOWED
    assert verdict(snap, "z/a", "y/a") is Verdict.DENIED


# -- trap 2: peers OR, ports OR, peer AND port; rules and policies OR ---------------


def test_trap2_peer_and_port_must_both_match_within_a_rule() -> None:
    r = rule(peer(pods=sel(pod="b")), peer(pods=sel(pod="c")), ports=[port(80), port(81)])
    snap = e2e_cluster([policy("x", "p", selector=sel(pod="a"), ingress=[r])])
    assert verdict(snap, "x/b", "x/a", TCP80) is Verdict.ALLOWED
    assert verdict(snap, "x/c", "x/a", TCP81) is Verdict.ALLOWED
    assert verdict(snap, "x/b", "x/a", PortSet.of(Protocol.UDP, 80)) is Verdict.DENIED
    assert evaluate(snap, "x/b", "x/a").ports == TCP80 | TCP81


def test_trap2_rules_and_policies_union() -> None:
    p1 = policy(
        "x", "p1", selector=sel(pod="a"), ingress=[rule(peer(pods=sel(pod="b")), ports=[port(80)])]
    )
    p2 = policy(
        "x", "p2", selector=sel(pod="a"), ingress=[rule(peer(pods=sel(pod="b")), ports=[port(81)])]
    )
    v = evaluate(e2e_cluster([p1, p2]), "x/b", "x/a")
    assert v.ports == TCP80 | TCP81
    assert {m.policy for m in v.paths[0].ingress.matches} == {"x/p1", "x/p2"}


def test_trap2_connection_needs_egress_and_ingress() -> None:
    egress_ok = policy("x", "out", selector=sel(pod="a"), egress=[rule(peer(pods=sel(pod="b")))])
    ingress_deny = policy("x", "in", selector=sel(pod="b"))
    v = evaluate(e2e_cluster([egress_ok, ingress_deny]), "x/a", "x/b")
    assert v.verdict is Verdict.DENIED
    assert v.paths[0].egress.ports.is_all and v.paths[0].ingress.ports.is_empty


# -- trap 3: selector peers ----------------------------------------------------------


def test_trap3_pod_selector_alone_means_the_policy_namespace() -> None:
    snap = e2e_cluster([policy("x", "p", ingress=[rule(peer(pods=sel(pod="b")))])])
    assert verdict(snap, "x/b", "x/a") is Verdict.ALLOWED
    v = evaluate(snap, "y/b", "x/a")
    assert v.verdict is Verdict.DENIED
    assert "namespace y" in v.paths[0].ingress.nearest_miss.reason  # type: ignore[union-attr]


def test_trap3_both_selectors_in_one_peer_are_anded() -> None:
    both = peer(pods=sel(pod="b"), namespaces=sel(ns="y"))
    snap = e2e_cluster([policy("x", "p", ingress=[rule(both)])])
    assert verdict(snap, "y/b", "x/a") is Verdict.ALLOWED
    assert verdict(snap, "y/c", "x/a") is Verdict.DENIED
    assert verdict(snap, "z/b", "x/a") is Verdict.DENIED
    # The same selectors as two peers are ORed.
    split = e2e_cluster(
        [policy("x", "p", ingress=[rule(peer(pods=sel(pod="b")), peer(namespaces=sel(ns="y")))])]
    )
    assert verdict(split, "y/c", "x/a") is Verdict.ALLOWED
    assert verdict(split, "x/b", "x/a") is Verdict.ALLOWED


def test_trap3_empty_namespace_selector_means_every_namespace_but_no_ips() -> None:
    snap = e2e_cluster([policy("x", "p", ingress=[rule(peer(namespaces=LabelSelector()))])])
    assert all(verdict(snap, f"{ns}/c", "x/a") is Verdict.ALLOWED for ns in "xyz")
    v = evaluate(snap, "192.0.2.7", "x/a")
    assert v.verdict is Verdict.DENIED
    assert "not a pod" in v.paths[0].ingress.nearest_miss.reason  # type: ignore[union-attr]


# -- trap 4: ipBlock matches addresses, pods included; synthetic IPs never -----------


def test_trap4_ip_block_matches_a_pod_ip_and_except_carves_only_that_peer() -> None:
    # Upstream e2e "should allow egress access to server in CIDR block": a pod's /32.
    r = rule(peer(cidr="10.244.1.0/24", except_=["10.244.1.11/32"]))
    snap = e2e_cluster([policy("x", "p", selector=sel(pod="a"), types=("Egress",), egress=[r])])
    assert verdict(snap, "x/a", "y/a") is Verdict.ALLOWED  # 10.244.1.10
    assert verdict(snap, "x/a", "y/b") is Verdict.DENIED  # excepted 10.244.1.11
    assert verdict(snap, "x/a", "z/a") is Verdict.DENIED
    assert verdict(snap, "x/a", "10.244.1.99") is Verdict.ALLOWED
    assert verdict(snap, "x/a", "10.244.1.0/25") is Verdict.DENIED  # only partly matched


def test_trap4_synthetic_ip_is_never_matched_and_the_output_says_so() -> None:
    pods = [e2e_pod(ns, p, i) for ns in "xyz" for i, p in enumerate("abc")]
    pods = [replace(p, synthetic_ip=True) if p.key == "y/a" else p for p in pods]
    r = rule(peer(cidr="10.244.0.0/16"))
    snap = e2e_cluster(
        [policy("x", "p", selector=sel(pod="a"), types=("Egress",), egress=[r])], pods=pods
    )
    v = evaluate(snap, "x/a", "y/a")
    assert v.verdict is Verdict.DENIED
    text = " ".join(v.paths[0].egress.notes) + v.paths[0].egress.nearest_miss.reason  # type: ignore[union-attr]
    assert "synthetic IP" in text
    assert verdict(snap, "x/a", "y/b") is Verdict.ALLOWED


# -- trap 5: named ports on the destination, protocol default TCP, endPort, SCTP ------


def test_trap5_named_port_resolves_on_the_destination_pod() -> None:
    pods = [e2e_pod(ns, p, i) for ns in "xyz" for i, p in enumerate("abc")]
    web = Container(name="w", ports=(ContainerPort(container_port=8080, name="web"),))
    pods = [replace(p, containers=(web,)) if p.key == "y/b" else p for p in pods]
    r = rule(ports=[port("serve-80-tcp")])
    snap = e2e_cluster(
        [policy("x", "p", selector=sel(pod="a"), types=("Egress",), egress=[r])], pods=pods
    )
    assert evaluate(snap, "x/a", "y/a").ports == TCP80  # y/a has serve-80-tcp
    assert verdict(snap, "x/a", "y/b") is Verdict.DENIED  # y/b lacks the name
    assert verdict(snap, "x/a", "192.0.2.1") is Verdict.DENIED  # never a non-pod


def test_trap5_named_port_needs_the_same_protocol() -> None:
    r = rule(ports=[port("serve-80-udp", Protocol.TCP)])  # name exists, but for UDP
    snap = e2e_cluster([policy("x", "p", selector=sel(pod="a"), ingress=[r])])
    assert verdict(snap, "x/b", "x/a") is Verdict.DENIED
    r2 = rule(ports=[port("serve-80-udp", Protocol.UDP)])
    snap2 = e2e_cluster([policy("x", "p", selector=sel(pod="a"), ingress=[r2])])
    assert evaluate(snap2, "x/b", "x/a").ports == PortSet.of(Protocol.UDP, 80)


def test_trap5_end_port_is_inclusive_and_sctp_is_a_protocol() -> None:
    r = rule(ports=[port(80, Protocol.SCTP, end=81)])
    snap = e2e_cluster([policy("x", "p", selector=sel(pod="a"), ingress=[r])])
    assert evaluate(snap, "x/b", "x/a").ports == PortSet.of(Protocol.SCTP, 80, 81)
    assert verdict(snap, "x/b", "x/a", PortSet.of(Protocol.SCTP, 81)) is Verdict.ALLOWED
    assert verdict(snap, "x/b", "x/a", TCP80) is Verdict.DENIED


# -- trap 6: NotIn / DoesNotExist match objects without the key ------------------------


@pytest.mark.parametrize(
    "req",
    [
        Requirement(key="team", operator=Operator.NOT_IN, values=frozenset({"red"})),
        Requirement(key="team", operator=Operator.DOES_NOT_EXIST),
    ],
)
def test_trap6_negative_operators_match_pods_lacking_the_key(req: Requirement) -> None:
    snap = e2e_cluster(
        [policy("x", "p", ingress=[rule(peer(pods=LabelSelector(match_expressions=(req,))))])]
    )
    assert verdict(snap, "x/b", "x/a") is Verdict.ALLOWED  # x/b has no "team" label


# -- trap 7: Services judged per backend after DNAT ------------------------------------


def test_trap7_named_target_port_resolves_per_backend() -> None:
    pods = [e2e_pod(ns, p, i) for ns in "xyz" for i, p in enumerate("abc")]
    c1 = Container(name="m", ports=(ContainerPort(container_port=8080, name="http"),))
    c2 = Container(name="m", ports=(ContainerPort(container_port=9090, name="http"),))
    pods = [
        replace(
            p,
            labels=Labels({"pod": p.name, "app": "web"}),
            containers=(c1 if p.name == "a" else c2,),
        )
        if p.namespace == "y" and p.name in "ab"
        else p
        for p in pods
    ]
    svc = Service(
        namespace="y",
        name="web",
        cluster_ips=("10.96.0.20",),
        ports=(ServicePort(port=80, target_port="http"),),
        selector=Labels({"app": "web"}),
    )
    pol = policy("y", "web", selector=sel(app="web"), ingress=[rule(ports=[port(8080)])])
    snap = e2e_cluster([pol], pods=pods, services=(svc,))
    v = evaluate(snap, "x/a", "y/web", TCP80)
    by_dst = {p.dst: p.verdict for p in v.paths}
    assert by_dst == {"y/a": Verdict.ALLOWED, "y/b": Verdict.DENIED}
    assert v.verdict is Verdict.DENIED  # not every backend lets it through
    assert "8080" in v.paths[0].via and "9090" in v.paths[1].via
    assert evaluate(snap, "x/a", "10.96.0.20", TCP80).dst == "y/web"  # the ClusterIP is the Service


# -- trap 8: hostNetwork and ClusterIP ipBlocks are implementation-defined; self is open --


def test_trap8_host_network_is_unknown_when_policy_would_decide() -> None:
    pods = [
        replace(p, host_network=True) if p.key == "y/a" else p
        for p in (e2e_pod(ns, n, i) for ns in "xyz" for i, n in enumerate("abc"))
    ]
    snap = e2e_cluster(
        [policy("x", "p", ingress=[rule(peer(namespaces=LabelSelector()))])], pods=pods
    )
    v = evaluate(snap, "y/a", "x/a")
    assert v.verdict is Verdict.UNKNOWN
    assert "hostNetwork" in v.paths[0].ingress.unknown
    assert verdict(snap, "y/a", "z/a") is Verdict.ALLOWED  # nobody isolates z/a


def test_trap8_ip_block_naming_a_cluster_ip_is_unknown() -> None:
    svc = Service(
        namespace="y",
        name="s",
        cluster_ips=("10.96.0.30",),
        ports=(ServicePort(port=80),),
        selector=Labels({"pod": "a"}),
    )
    r = rule(peer(cidr="10.96.0.0/16"))
    snap = e2e_cluster(
        [policy("x", "p", selector=sel(pod="a"), types=("Egress",), egress=[r])], services=(svc,)
    )
    v = evaluate(snap, "x/a", "y/s", TCP80)
    assert v.verdict is Verdict.UNKNOWN
    assert "ClusterIP" in v.paths[0].egress.unknown


def test_trap8_a_pod_always_reaches_itself() -> None:
    snap = e2e_cluster([DENY_ALL_X])
    assert verdict(snap, "x/a", "x/a") is Verdict.ALLOWED
    assert verdict(snap, "x/a", "x/b") is Verdict.DENIED


# -- trap 9: CNI without NetworkPolicy enforcement ---------------------------------------


def test_trap9_flannel_alone_enforces_nothing_and_the_verdict_says_so() -> None:
    snap = e2e_cluster(
        [DENY_ALL_X], cni=CNIInfo(plugins=("flannel",), enforces_network_policy=False)
    )
    v = evaluate(snap, "x/a", "x/b")
    assert v.verdict is Verdict.DENIED
    assert any("flannel does not enforce NetworkPolicy" in n for n in v.notes)
    assert not evaluate(e2e_cluster([DENY_ALL_X]), "x/a", "x/b").notes


def test_an_incomplete_snapshot_qualifies_every_verdict_and_the_matrix() -> None:
    from netdiag.policy.matrix import Matrix

    refused = "list networkpolicies.networking.k8s.io in all namespaces (forbidden)"
    snap = replace(e2e_cluster([]), incomplete=(refused,))
    v = evaluate(snap, "x/a", "y/b")
    assert v.verdict is Verdict.ALLOWED
    assert any(refused in n and "may change" in n for n in v.notes)
    assert any(refused in n for n in Matrix(snap).notes)


def test_matrix_json_carries_the_snapshot_notes() -> None:
    """Machine consumers see what qualifies the verdicts, not just the text output."""
    import json

    from netdiag.policy.matrix import Matrix, iter_reachability_json, reachability_document

    refused = "list networkpolicies.networking.k8s.io in all namespaces (forbidden)"
    m = Matrix(replace(e2e_cluster([]), incomplete=(refused,)))
    streamed = json.loads("\n".join(iter_reachability_json(m)))
    assert streamed == reachability_document(m)
    assert any(refused in n for n in streamed["notes"])
    assert json.loads("\n".join(iter_reachability_json(Matrix(e2e_cluster([])))))["notes"] == []


# -- explanations and bad input -----------------------------------------------------------


def test_nearest_miss_names_the_selector_and_the_label_the_pod_has() -> None:
    pods = [
        replace(p, labels=Labels({"app": "api"})) if p.key == "x/b" else p
        for p in (e2e_pod(ns, n, i) for ns in "xyz" for i, n in enumerate("abc"))
    ]
    snap = e2e_cluster(
        [policy("x", "p", selector=sel(pod="a"), ingress=[rule(peer(pods=sel(app="web")))])],
        pods=pods,
    )
    miss = evaluate(snap, "x/b", "x/a").paths[0].ingress.nearest_miss
    assert miss is not None and miss.policy == "x/p" and miss.rule == 0 and miss.peer == 0
    assert "app=web" in miss.reason and "has app=api" in miss.reason


def test_port_only_miss_is_nearest() -> None:
    snap = e2e_cluster(
        [
            policy(
                "x",
                "p",
                ingress=[
                    rule(peer(pods=sel(pod="b")), ports=[port(81)]),
                    rule(peer(pods=sel(pod="c"))),
                ],
            )
        ]
    )
    miss = evaluate(snap, "x/b", "x/a", TCP80).paths[0].ingress.nearest_miss
    assert miss is not None and miss.rule == 0 and "TCP 81" in miss.reason


@pytest.mark.parametrize("bad", ["x/nosuch", "q/a", "not an ip", "300.1.1.1"])
def test_unknown_endpoints_raise_input_errors(bad: str) -> None:
    with pytest.raises(InputError):
        evaluate(e2e_cluster(), bad, "x/a")


def test_invalid_cidr_names_policy_and_field() -> None:
    snap = e2e_cluster([policy("x", "p", ingress=[rule(peer(cidr="10.0.0.0/33"))])])
    with pytest.raises(InputError, match=r"x/p: spec.ingress\[0\].from\[0\].ipBlock.cidr"):
        evaluate(snap, "x/a", "x/b")


def test_service_to_service_is_judged_from_each_source_backend() -> None:
    svc_y = Service(
        namespace="y",
        name="sy",
        cluster_ips=("10.96.0.41",),
        ports=(ServicePort(port=80),),
        selector=Labels({"pod": "a"}),
    )
    svc_x = Service(
        namespace="x",
        name="sx",
        cluster_ips=("10.96.0.42",),
        ports=(ServicePort(port=80),),
        selector=Labels({"pod": "b"}),
    )
    pol = policy(
        "x",
        "p",
        selector=sel(pod="b"),
        ingress=[rule(peer(namespaces=sel(ns="y")), ports=[port(80)])],
    )
    v = evaluate(e2e_cluster([pol], services=(svc_x, svc_y)), "y/sy", "x/sx", TCP80)
    assert (v.src, v.dst, v.verdict) == ("y/sy", "x/sx", Verdict.ALLOWED)
    assert [(p.src, p.dst) for p in v.paths] == [("y/a", "x/b")]


def test_ipv6_addresses_and_cidrs_are_endpoints() -> None:
    snap = e2e_cluster([policy("x", "p", ingress=[rule(peer(cidr="fd00::/64"))])])
    assert verdict(snap, "fd00::1", "x/a") is Verdict.ALLOWED
    assert verdict(snap, "fd00::/96", "x/a") is Verdict.ALLOWED
    assert verdict(snap, "fd01::/64", "x/a") is Verdict.DENIED
