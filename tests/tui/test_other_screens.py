"""Policies and overview screens, the command palette, and the CLI entry."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from netdiag_tui.widgets.row_list import RowList
from tests.helpers import run_cli
from tests.tui.conftest import demo_app, screen_text, settle

SIZE = (160, 48)


async def walk_to(pilot, rows: RowList, key: str) -> None:  # type: ignore[no-untyped-def]
    """Press j/k (as a user would) until the list's cursor is on ``key``."""
    target = rows.data.keys.index(key)
    while rows.cursor != target:
        await pilot.press("j" if rows.cursor < target else "k")
    await settle(pilot.app, pilot)


async def test_policies_screen_shows_selection_rules_and_yaml(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#policies", RowList)
        keys = list(table.data.keys)
        assert keys == sorted(keys) and "shop/default-deny" in keys
        # on open the detail pane shows the highlighted policy (not a pod)
        assert f"NetworkPolicy {keys[0]}" in screen_text(app)
        await walk_to(pilot, table, "shop/default-deny")
        text = screen_text(app)
        assert "NetworkPolicy shop/default-deny" in text
        assert "selects 6 pod(s)" in text
        assert "ingress: deny all" in text and "egress: deny all" in text
        assert "podSelector: {}" in text  # the YAML
        await walk_to(pilot, table, "shop/api")
        text = screen_text(app)
        assert "allow from app=frontend (same namespace) on http/TCP" in text


async def test_selecting_a_pod_lists_the_policies_that_apply(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("tab")  # to the pods table
        pods = app.screen.query_one("#pods", RowList)
        assert pods.has_focus
        await walk_to(pilot, pods, "shop/db-0")
        detail = str(app.screen.query_one("#detail", Static).render())
        assert "Pod shop/db-0" in detail
        for policy in ("shop/allow-dns-egress", "shop/db", "shop/default-deny"):
            assert policy in detail
        assert "Ingress: isolated" in detail and "Egress: isolated" in detail
        await walk_to(pilot, pods, "default/toolbox")
        detail = str(app.screen.query_one("#detail", Static).render())
        assert "no NetworkPolicy selects this pod" in detail
        await pilot.press("tab")  # back to the policies: the pane follows the focus
        await settle(app, pilot)
        assert "NetworkPolicy " in str(app.screen.query_one("#detail", Static).render())


async def test_policies_filter(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"deny", "enter")
        await settle(app, pilot)
        table = app.screen.query_one("#policies", RowList)
        assert list(table.data.keys) == ["shop/default-deny"]
        pods = app.screen.query_one("#pods", RowList)
        assert pods.row_count == 0  # no pod name contains "deny"
        assert "Policies[1/5]" in screen_text(app)


async def test_after_a_reload_the_cursor_stays_on_the_same_policy(tmp_path: Path) -> None:
    import dataclasses

    from netdiag.cluster.networkpolicy import NetworkPolicy
    from netdiag.cluster.selectors import LabelSelector

    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#policies", RowList)
        await walk_to(pilot, table, "shop/db")
        row = table.cursor
        # a live update adds a policy sorting before it: same row index, another policy
        extra = NetworkPolicy(namespace="shop", name="aaa-first", pod_selector=LabelSelector())
        snap = app.snapshot
        app.set_snapshot(
            dataclasses.replace(snap, network_policies=(*snap.network_policies, extra))
        )
        await settle(app, pilot)
        assert table.cursor_key == "shop/db" and table.cursor == row + 1
        assert "NetworkPolicy shop/db" in screen_text(app)


async def test_overview_shows_source_counts_dns_cni_and_audit(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "demo cluster (bundled)" in text
        assert "17 pods" in text and "5 network policies" in text
        assert "calico (enforces NetworkPolicy)" in text
        assert "cluster domain cluster.local, cluster DNS 10.96.0.10" in text
        assert "ND-DNS-001" in text  # netdiag audit's shadowed-name finding
        # workloads counted as the matrix groups them (pods' owners), not only declared ones
        assert " 0 workloads" not in text and "10 workloads" in text
        # the highlighted finding in full: its evidence and fix, as `netdiag audit` says
        findings = app.screen.query_one("#findings", RowList)
        assert findings.has_focus and findings.row_count > 1
        screen = app.screen
        for _ in range(findings.row_count):
            f = screen.findings[int(findings.cursor_key)]  # type: ignore[attr-defined]
            detail = str(screen.query_one("#finding", Static).render())
            assert f.message in detail.replace("\n", " ") or f.message[:40] in detail
            if f.fix:
                assert "fix: " in detail
            if f.evidence:
                assert "evidence: " in detail
            await pilot.press("j")
            await settle(app, pilot)


async def test_command_palette_switches_screens(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Matrix screen")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "matrix"


def test_cli_help_and_bad_flags() -> None:
    result = run_cli(["tui", "--help"])
    assert result.exit_code == 0
    assert "--cluster" in result.stdout and "--live" in result.stdout
    assert "keymap.toml" in result.stdout
    result = run_cli(["tui", "--cluster", "x.yaml", "--live"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --cluster cannot be combined")


def test_cli_refuses_manifests_on_stdin() -> None:
    result = run_cli(["tui", "--cluster", "-"], input="kind: List\nitems: []\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --cluster -: the TUI reads your keys from stdin")


def test_cli_bad_manifest_is_one_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata: [\n")
    result = run_cli(["tui", "--cluster", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "bad.yaml" in result.stderr
    assert "Traceback" not in result.stderr


async def test_ns_scopes_the_audit_findings_like_audit_n(tmp_path: Path) -> None:
    from netdiag_tui import engine

    app = demo_app(tmp_path, start_mode="overview")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        everything = app.screen.findings  # type: ignore[attr-defined]
        await pilot.press("colon", *"ns shop", "enter")
        await settle(app, pilot)
        scoped = app.screen.findings  # type: ignore[attr-defined]
        assert scoped == engine.audit(app.session, "shop")  # `netdiag audit -n shop`
        assert 0 < len(scoped) < len(everything)
        assert f"Audit findings in shop ({len(scoped)})" in screen_text(app)
        await pilot.press("0")
        await settle(app, pilot)
        assert app.screen.findings == everything  # type: ignore[attr-defined]
