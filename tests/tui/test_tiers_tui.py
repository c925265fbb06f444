"""The TUI lists tiered policies by tier and priority and never hides an unevaluated kind."""

from __future__ import annotations

from pathlib import Path

from netdiag.sources.manifests import load_manifests
from netdiag_tui.app import NetdiagApp
from netdiag_tui.widgets.row_list import RowList
from tests.tui.conftest import screen_text, settle
from tests.tui.test_other_screens import walk_to

SIZE = (160, 48)
MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: a}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, namespace: a}
status: {podIP: 10.0.0.2}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: deny-ingress}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
---
apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata: {name: c, namespace: a}
spec: {}
"""


def app_for(tmp_path: Path, mode: str) -> NetdiagApp:
    path = tmp_path / "c.yaml"
    path.write_text(MANIFESTS)
    return NetdiagApp(
        load_manifests([str(path)]),
        watch=False,
        keymap_file=tmp_path / "none.toml",
        start_mode=mode,
    )


async def test_policies_screen_lists_tiers_and_unevaluated_kinds(tmp_path: Path) -> None:
    app = app_for(tmp_path, "policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#policies", RowList)
        first = [row[0] for row in table.data.cells]
        assert "Admin/10 ClusterNetworkPolicy deny-ingress" in first
        assert "⚠ NetworkPolicy.crd.antrea.io ×1" in first
        keys = table.data.keys
        await walk_to(pilot, table, keys[first.index("⚠ NetworkPolicy.crd.antrea.io ×1")])
        await walk_to(pilot, table, keys[first.index("Admin/10 ClusterNetworkPolicy deny-ingress")])
        text = screen_text(app)
        assert "tier Admin, priority 10" in text and "ingress ingress[0]: Deny" in text


async def test_matrix_marks_unevaluated_kinds_and_explains_the_tier_chain(tmp_path: Path) -> None:
    app = app_for(tmp_path, "matrix")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "⚠ 1 NetworkPolicy.crd.antrea.io not evaluated" in text
        await pilot.press("l", "enter")  # a/p1 -> a/p2, explained
        await settle(app, pilot)
        text = screen_text(app)
        assert "judged by admin → networkpolicy → baseline → default" in text
        assert "admin: ClusterNetworkPolicy deny-ingress (priority 10)" in text


CNI = """\
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-p1}
spec:
  order: 5
  selector: all()
  ingress:
    - action: Log
    - action: Deny
      source: {selector: has(app)}
"""


async def test_policies_screen_lists_calico_policies_with_their_rules(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MANIFESTS + CNI)
    app = NetdiagApp(
        load_manifests([str(path)]),
        watch=False,
        keymap_file=tmp_path / "none.toml",
        start_mode="policies",
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#policies", RowList)
        first = [row[0] for row in table.data.cells]
        label = "default/5 Calico GlobalNetworkPolicy deny-p1"
        assert label in first
        await walk_to(pilot, table, table.data.keys[first.index(label)])
        text = screen_text(app)
        assert "spec.ingress[0]: Log" in text and "spec.ingress[1]: Deny" in text
