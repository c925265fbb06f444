"""The matrix with Calico and Cilium policies equals the evaluator asked pair by pair
(brute force over every pod and CIDR pair of every CNI fixture, and over generated
mixes of kinds): the class refinement never merges endpoints a layer tells apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.model import ClusterSnapshot
from netdiag.policy.chaincells import member_endpoint as endpoint_of
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.matrix import Matrix
from netdiag.policy.ports import PortSet, parse_port_spec
from tests.policy.cni.harness import ROOT

SCENARIOS = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _load(scenario: str, tmp_path: Path) -> ClusterSnapshot:
    from netdiag.sources.manifests import load_manifests

    text = (
        (ROOT / "_base.yaml").read_text()
        + "\n---\n"
        + (ROOT / scenario / "cluster.yaml").read_text()
    )
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return load_manifests([str(path)])


def _brute_force(snap: ClusterSnapshot, query: PortSet) -> None:
    m = Matrix(snap, ports=query)
    ev = Evaluator(snap)
    assert ev.cni.active
    n = len(m.rows)
    for i in range(n):
        for j in range(n):
            if i == j or m.is_external_pair(i, j):
                continue
            a = endpoint_of(m.members[m.rows[i].members[0]])
            b = endpoint_of(m.members[m.cols[j].members[0]])
            want = ev.pods(a, b, query)
            got = m.cell(i, j)
            assert (got.verdict, got.ports) == (want.verdict, want.ports), (a.text, b.text)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("port", ["5432/TCP", "8080/TCP", "53/UDP"])
def test_matrix_equals_pairwise_evaluation(scenario: str, port: str, tmp_path: Path) -> None:
    _brute_force(_load(scenario, tmp_path), parse_port_spec(port))


# -- generated mixes ---------------------------------------------------------------------
APPS = ["a", "b", "c"]
NSS = ["n1", "n2"]


def _pods() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    k = 0
    for ns in NSS:
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"team": ns}},
            }
        )
        for app in APPS:
            for sa in ("default", "robot"):
                k += 1
                out.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {
                            "name": f"{app}-{sa}",
                            "namespace": ns,
                            "labels": {"app": app},
                        },
                        "spec": {
                            "serviceAccountName": sa,
                            "nodeName": f"node-{k % 2}",
                            "containers": [
                                {"name": "c", "ports": [{"containerPort": 80, "name": "web"}]}
                            ],
                        },
                        "status": {"podIP": f"10.9.0.{k}"},
                    }
                )
    return out


app = st.sampled_from(APPS)
calico_rule = st.fixed_dictionaries(
    {
        "action": st.sampled_from(["Allow", "Deny", "Pass", "Log"]),
        "source": st.one_of(
            st.just({}),
            app.map(lambda a: {"selector": f"app == '{a}'"}),
            app.map(lambda a: {"notSelector": f"app == '{a}'"}),
            st.just({"namespaceSelector": "team == 'n2'"}),
            st.just({"serviceAccounts": {"names": ["robot"]}}),
            st.just({"nets": ["10.9.0.0/29"]}),
        ),
    }
)
calico_policy = st.builds(
    lambda i, kind, sel, order, tier, rules: {
        "apiVersion": "projectcalico.org/v3",
        "kind": kind,
        "metadata": {"name": f"c{i}", **({"namespace": "n1"} if kind == "NetworkPolicy" else {})},
        "spec": {
            "selector": sel,
            **({"order": order} if order is not None else {}),
            **({"tier": tier} if tier else {}),
            "ingress": rules,
        },
    },
    st.integers(0, 10_000),
    st.sampled_from(["NetworkPolicy", "GlobalNetworkPolicy"]),
    st.sampled_from(["all()", "app == 'a'", "app != 'b'", "has(app)"]),
    st.one_of(st.none(), st.integers(1, 3)),
    st.sampled_from(["", "edge"]),
    st.lists(calico_rule, max_size=3),
)
cilium_rule = st.one_of(
    st.just({}),
    app.map(lambda a: {"fromEndpoints": [{"matchLabels": {"app": a}}]}),
    st.just({"fromEndpoints": [{"matchLabels": {"io.cilium.k8s.policy.serviceaccount": "robot"}}]}),
    st.just({"fromEntities": ["cluster"]}),
    st.just({"toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}),
)
cilium_policy = st.builds(
    lambda i, sel, allow, deny: {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": f"k{i}", "namespace": "n2"},
        "spec": {"endpointSelector": sel, "ingress": allow, "ingressDeny": deny},
    },
    st.integers(0, 10_000),
    st.one_of(st.just({}), app.map(lambda a: {"matchLabels": {"app": a}})),
    st.lists(cilium_rule, max_size=2),
    st.lists(cilium_rule.filter(lambda r: "toPorts" not in r), max_size=1),
)
knp = st.builds(
    lambda i, a, b: {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"v{i}", "namespace": "n1"},
        "spec": {
            "podSelector": {"matchLabels": {"app": a}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": b}}}]}],
        },
    },
    st.integers(0, 10_000),
    app,
    app,
)
TIER = {
    "apiVersion": "projectcalico.org/v3",
    "kind": "Tier",
    "metadata": {"name": "edge"},
    "spec": {"order": 10, "defaultAction": "Pass"},
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(calico_policy, max_size=3, unique_by=lambda p: p["metadata"]["name"]),
    st.lists(cilium_policy, max_size=2, unique_by=lambda p: p["metadata"]["name"]),
    st.lists(knp, max_size=2, unique_by=lambda p: p["metadata"]["name"]),
)
def test_generated_mixes_of_kinds(
    calico: list[dict[str, object]], cilium: list[dict[str, object]], v1: list[dict[str, object]]
) -> None:
    objects = [*_pods(), TIER, *calico, *cilium, *v1]
    snap = snapshot_from_objects([(o, "gen") for o in objects], source="gen")
    if not Evaluator(snap).cni.active:
        return
    _brute_force(snap, parse_port_spec("80/TCP"))
