"""Policies and overview screens, the command palette, and the CLI entry."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from tests.helpers import run_cli
from tests.tui.conftest import demo_app, screen_text, settle

SIZE = (160, 48)


async def test_policies_screen_shows_selection_rules_and_yaml(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#policies", DataTable)
        keys = [str(k.value) for k in table.rows]
        assert keys == sorted(keys) and "shop/default-deny" in keys
        table.move_cursor(row=keys.index("shop/default-deny"))
        await settle(app, pilot)
        text = screen_text(app)
        assert "NetworkPolicy shop/default-deny" in text
        assert "selects 6 pod(s)" in text
        assert "ingress: deny all" in text and "egress: deny all" in text
        assert "podSelector: {}" in text  # the YAML
        table.move_cursor(row=keys.index("shop/api"))
        await settle(app, pilot)
        text = screen_text(app)
        assert "allow from app=frontend (same namespace) on http/TCP" in text


async def test_selecting_a_pod_lists_the_policies_that_apply(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("tab")  # to the pods table
        pods = app.screen.query_one("#pods", DataTable)
        assert pods.has_focus
        keys = [str(k.value) for k in pods.rows]
        pods.move_cursor(row=keys.index("shop/db-0"))
        await settle(app, pilot)
        detail = str(app.screen.query_one("#detail", Static).render())
        assert "Pod shop/db-0" in detail
        for policy in ("shop/allow-dns-egress", "shop/db", "shop/default-deny"):
            assert policy in detail
        assert "Ingress: isolated" in detail and "Egress: isolated" in detail
        pods.move_cursor(row=keys.index("default/toolbox"))
        await settle(app, pilot)
        detail = str(app.screen.query_one("#detail", Static).render())
        assert "no NetworkPolicy selects this pod" in detail


async def test_policies_filter(tmp_path: Path) -> None:
    app = demo_app(tmp_path, start_mode="policies")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"deny", "enter")
        await settle(app, pilot)
        table = app.screen.query_one("#policies", DataTable)
        assert [str(k.value) for k in table.rows] == ["shop/default-deny"]
        pods = app.screen.query_one("#pods", DataTable)
        assert pods.row_count == 0  # no pod name contains "deny"


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
