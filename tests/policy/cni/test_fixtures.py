"""One test per fixture case: ``fixtures/cni/<scenario>/expect.yaml`` holds a
hand-written truth table (from the projects' documentation, not from this
implementation's output): ``from``, ``to``, ``port``, the side judged
(``ingress``/``egress``: ``allow`` or ``deny``) and, optionally, ``by``: words
of the decision that settled it (kind, policy, rule, action)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netdiag.dns.zone.upstream import parse_zone_text
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.ports import parse_port_spec
from netdiag.policy.verdict import Direction
from netdiag.sources.manifests import load_manifests
from tests.policy.cni.harness import ROOT, World, ask, load

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


@pytest.mark.parametrize(("scenario", "index"), CASES)
def test_case_through_the_loader_and_the_layer_chain(
    scenario: str, index: int, tmp_path: Path
) -> None:
    """The same truth table from the manifests as loaded (API group + kind), through
    the evaluator's layer chain (no CNI in the fixtures: both kinds are assumed)."""
    _, expect = load(scenario)
    case: dict[str, Any] = expect["cases"][index]
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(
        (ROOT / "_base.yaml").read_text()
        + "\n---\n"
        + (ROOT / scenario / "cluster.yaml").read_text()
    )
    snap = load_manifests([str(cluster)])
    world = World(snapshot=snap)
    zone = ROOT / scenario / "upstream.zone"
    upstream = parse_zone_text(zone.read_text()) if zone.exists() else None
    ev = Evaluator(snap, upstream)
    src, dst = world.endpoint(case["from"]), world.endpoint(case["to"])
    query = parse_port_spec(str(case.get("port", "80/TCP")))
    if "ingress" in case:
        side = ev.side(dst, src, Direction.INGRESS, query)
    else:
        side = ev.side(src, dst, Direction.EGRESS, query)
    want = case.get("ingress", case.get("egress"))
    got = "allow" if side.ports else "deny"
    assert got == want, f"{case}\n" + "\n".join(str(d) for d in side.decisions)
    by = case.get("by", "")
    settled = [d for d in side.decisions if d.ports]
    if "profile allow" in by:
        assert any(d.layer == "default" for d in settled), settled
    elif " spec" in by:
        name = by.split(" spec")[0].split()[-1]  # the policy that decided
        assert any(d.policy.endswith(name) for d in settled), (name, settled)
