"""One test per fixture case: ``fixtures/cni/<scenario>/expect.yaml`` holds a
hand-written truth table (from the projects' documentation, not from this
implementation's output): ``from``, ``to``, ``port``, the side judged
(``ingress``/``egress``: ``allow`` or ``deny``) and, optionally, ``by``: words
of the decision that settled it (kind, policy, rule, action)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.cni.harness import ROOT, ask, load

SCENARIOS = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("_"))
CASES = [
    pytest.param(s, i, id=f"{s}-{i}") for s in SCENARIOS for i in range(len(load(s)[1]["cases"]))
]


@pytest.mark.parametrize(("scenario", "index"), CASES)
def test_case(scenario: str, index: int) -> None:
    world, expect = load(scenario)
    case: dict[str, Any] = expect["cases"][index]
    side = ask(world, expect["engine"], case)
    want = case.get("ingress", case.get("egress"))
    assert want in ("allow", "deny"), case
    got = "allow" if side.allowed else "deny"
    shown = "\n".join(d.describe() for d in side.decisions) + "\n" + "\n".join(side.notes)
    assert got == want, f"{case}\n{shown}"
    if "by" in case:
        settled = [d.describe() for d in side.decisions if d.ports]
        assert any(case["by"] in text for text in settled), f"{case['by']!r} not in\n{shown}"
    if "note" in case:
        assert case["note"] in shown, shown
