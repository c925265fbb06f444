"""Compilation: effective directions, peers, ports, and invalid specs named by field."""

from __future__ import annotations

import pytest

from netdiag.cluster.meta import Protocol
from netdiag.cluster.networkpolicy import IPBlock, NetworkPolicyPeer
from netdiag.errors import InputError
from netdiag.policy.compile import compile_policy
from netdiag.policy.ports import PortSet
from tests.policy.conftest import peer, policy, port, rule, sel


def test_effective_policy_types_decide_which_sections_are_compiled() -> None:
    both = compile_policy(policy(egress=[rule()], ingress=[rule()]))
    assert both.isolates_ingress and both.isolates_egress and len(both.egress) == 1
    only_in = compile_policy(policy(types=("Ingress",), egress=[rule()]))
    assert only_in.isolates_ingress and not only_in.isolates_egress and only_in.egress == ()
    empty_egress = compile_policy(policy(egress=()))
    assert not empty_egress.isolates_egress


def test_ports_resolve_numbers_ranges_names_and_whole_protocols() -> None:
    r = compile_policy(
        policy(
            ingress=[
                rule(ports=[port(80), port(8000, end=8080), port("web"), port(None, Protocol.UDP)])
            ]
        )
    ).ingress[0]
    named = {("web", Protocol.TCP): 9000}
    expected = (
        PortSet.of(Protocol.TCP, 80)
        | PortSet.of(Protocol.TCP, 8000, 8080)
        | PortSet.of(Protocol.TCP, 9000)
        | PortSet.of(Protocol.UDP)
    )
    assert r.port_set(named) == expected
    assert r.port_set(None) == expected - PortSet.of(Protocol.TCP, 9000)


def test_peer_descriptions_say_which_namespace() -> None:
    c = compile_policy(
        policy(
            "x",
            ingress=[
                rule(peer(pods=sel(app="web")), peer(namespaces=sel(team="a"), pods=sel(app="b")))
            ],
        )
    )
    assert c.ingress[0].peers[0].describe() == "pods with app=web in namespace x"
    assert c.ingress[0].peers[1].describe() == "pods with app=b in namespaces with team=a"


@pytest.mark.parametrize(
    ("pol", "field"),
    [
        (policy(ingress=[rule(peer(cidr="10.0.0.0/33"))]), "spec.ingress[0].from[0].ipBlock.cidr"),
        (
            policy(egress=[rule(peer(cidr="10.0.0.0/16", except_=["10.1.0.0/24"]))]),
            "spec.egress[0].to[0].ipBlock.except[0]",
        ),
        (policy(ingress=[rule(ports=[port("http", end=90)])]), "spec.ingress[0].ports[0].endPort"),
        (policy(ingress=[rule(ports=[port(90, end=80)])]), "spec.ingress[0].ports[0].endPort"),
        (policy(ingress=[rule(ports=[port(70000)])]), "spec.ingress[0].ports[0].port"),
        (policy(types=("Sideways",)), "spec.policyTypes"),
        (
            policy(
                ingress=[
                    rule(
                        NetworkPolicyPeer(
                            pod_selector=sel(a="b"), ip_block=IPBlock(cidr="10.0.0.0/8")
                        )
                    )
                ]
            ),
            "spec.ingress[0].from[0]",
        ),
    ],
)
def test_invalid_specs_name_policy_and_field(pol: object, field: str) -> None:
    with pytest.raises(InputError) as e:
        compile_policy(pol)  # type: ignore[arg-type]
    assert f"NetworkPolicy x/p: {field}" in e.value.message
