"""Scenario fixtures: manifests + the expected truth table in the upstream e2e format.

Each ``fixtures/policy/<scenario>/`` holds ``policies.yaml`` (and, when the pods
differ from the e2e model, ``pods.yaml``), ``probe`` (the port probed, like the
e2e suite's ``ValidateOrFail(..., port, protocol)``) and ``expected.txt``
(``TruthTable.PrettyPrint``: ``.`` allowed, ``X`` denied, ``?`` implementation-defined).
The expectations were written from the e2e cases and the spec
(``fixtures/policy/_generate.py``), not from this implementation's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netdiag.policy.matrix import Matrix
from netdiag.policy.ports import parse_port_spec
from netdiag.policy.render import truth_table
from netdiag.sources.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "policy"
SCENARIOS = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("_"))


def test_there_are_scenarios_for_the_e2e_suite_and_the_traps() -> None:
    assert len(SCENARIOS) >= 40
    assert any(s.startswith("trap8") for s in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_truth_table(scenario: str) -> None:
    d = ROOT / scenario
    pods = d / "pods.yaml" if (d / "pods.yaml").exists() else ROOT / "_model"
    snap = load_manifests([str(pods), str(d / "policies.yaml")])
    probe = parse_port_spec((d / "probe").read_text().strip())
    m = Matrix(snap, ports=probe, policy_cidrs=False)
    assert truth_table(m) + "\n" == (d / "expected.txt").read_text()
