"""Calico evaluates Kubernetes NetworkPolicies in its default tier: over every v1
scenario fixture, the Calico engine (policies converted as Calico converts them)
must give each side the same ports as the v1 evaluator, wherever the v1 answer
is well-defined. A differential test between two independent implementations."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdiag.cluster.selectors import parse_selector
from netdiag.policy.calico import CalicoEngine
from netdiag.policy.calico_knp import calico_selector, knp_as_calico
from netdiag.policy.endpoints import namespace_labels, pod_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.ports import parse_port_spec
from netdiag.policy.verdict import Direction
from netdiag.sources.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[3] / "fixtures" / "policy"
SCENARIOS = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("_"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_calico_default_tier_agrees_with_v1(scenario: str) -> None:
    d = ROOT / scenario
    pods = d / "pods.yaml" if (d / "pods.yaml").exists() else ROOT / "_model"
    snap = load_manifests([str(pods), str(d / "policies.yaml")])
    probe = parse_port_spec((d / "probe").read_text().strip())
    v1 = Evaluator(snap)
    calico = CalicoEngine(
        [knp_as_calico(np) for np in snap.network_policies], [], namespace_labels(snap)
    )
    checked = 0
    for a in snap.pods:
        for b in snap.pods:
            if a.key == b.key:
                continue
            src, dst = pod_endpoint(a), pod_endpoint(b)
            for subject, peer, direction in (
                (src, dst, Direction.EGRESS),
                (dst, src, Direction.INGRESS),
            ):
                want = v1.v1_side(subject, peer, direction, probe)
                if want.unknown:
                    continue
                got = calico.side(subject, peer, direction, probe)
                assert got.allowed == want.ports, (a.key, b.key, direction, got.decisions)
                checked += 1
    assert checked


@pytest.mark.parametrize(
    ("raw", "labels", "want"),
    [
        ({"matchLabels": {"app": "a"}}, {"app": "a"}, True),
        ({"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["x"]}]}, {}, True),
        ({"matchExpressions": [{"key": "t", "operator": "DoesNotExist"}]}, {"t": ""}, False),
        ({"matchExpressions": [{"key": "t", "operator": "Exists"}]}, {"t": ""}, True),
        (
            {"matchExpressions": [{"key": "t", "operator": "In", "values": ["x", "y"]}]},
            {"t": "y"},
            True,
        ),
        ({}, {"anything": "1"}, True),
    ],
)
def test_label_selector_translation_keeps_meaning(
    raw: dict[str, object], labels: dict[str, str], want: bool
) -> None:
    sel = parse_selector(raw, "sel")
    assert sel.matches(labels) is want
    assert calico_selector(sel).matches(labels) is want
