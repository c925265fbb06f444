"""Resolve screen: the trace follows every keystroke and every picker."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from netdiag_tui.widgets.trace_panel import TracePanel
from tests.tui.conftest import demo_app, screen_text, settle

SIZE = (160, 48)


async def test_typing_a_name_updates_the_trace_as_you_type(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(TracePanel)
        await pilot.press(*"tke-six")
        await settle(app, pilot)
        assert panel.trace is not None and panel.trace.name == "tke-six"
        assert not panel.trace.resolved  # no such service: every candidate is NXDOMAIN

        await pilot.press(*"-six-six")
        await settle(app, pilot)
        trace = panel.trace
        assert trace.name == "tke-six-six-six" and trace.resolved
        assert trace.target == "service default/tke-six-six-six"
        assert trace.target_namespace == "default"
        assert trace.winner == "tke-six-six-six.default.svc.cluster.local."
        assert trace.shadowed == ("tke-six-six-six.kube-system.svc.cluster.local.",)
        assert [q.winner for q in trace.queries].count(True) == 1
        text = screen_text(app)
        assert "landed on service default/tke-six-six-six in namespace default" in text
        assert "◀ winner" in text


async def test_the_namespace_picker_changes_where_the_name_lands(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"tke-six-six-six")
        await settle(app, pilot)
        app.screen.query_one("#namespace", Select).value = "kube-system"
        await settle(app, pilot)
        trace = app.screen.query_one(TracePanel).trace
        assert trace is not None
        assert trace.target == "service kube-system/tke-six-six-six"
        assert trace.shadowed == ("tke-six-six-six.default.svc.cluster.local.",)
        # the pod picker now offers kube-system's pods; tracing from one of them works
        pods = app.screen.query_one("#pod", Select)
        coredns = next(v for _, v in pods._options if str(v).startswith("coredns-"))
        pods.value = coredns
        await settle(app, pilot)
        trace = app.screen.query_one(TracePanel).trace
        assert trace is not None and f"kube-system/{coredns}" in trace.origin


async def test_resolver_and_family_toggles_rerun_the_trace(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"tke-six-six-six")
        await settle(app, pilot)
        await pilot.press("ctrl+t")  # glibc -> musl
        await settle(app, pilot)
        trace = app.screen.query_one(TracePanel).trace
        assert trace is not None and trace.resolver == "musl"
        await pilot.press("ctrl+f")  # unspec -> inet: A queries only
        await settle(app, pilot)
        trace = app.screen.query_one(TracePanel).trace
        assert trace is not None and trace.family == "inet"
        assert {q.type for q in trace.queries} == {"A"}


async def test_a_name_that_fails_says_so(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"no-such-service")
        await settle(app, pilot)
        trace = app.screen.query_one(TracePanel).trace
        assert trace is not None and not trace.resolved
        assert all(q.rcode == "NXDOMAIN" for q in trace.queries)
        assert "no-such-service does not resolve" in screen_text(app)


def test_trace_view_keeps_transport_truncation_and_notes() -> None:
    """What `resolve` says about TC, TCP and autopath reaches the screen's rows and summary."""
    from netdiag_tui.trace_view import trace_view
    from netdiag_tui.widgets.trace_panel import summary_text

    doc = {
        "resolv_conf": {"nameservers": ["10.96.0.10"], "search": [], "options": []},
        "queries": [
            {
                "name": "big.",
                "type": "A",
                "rcode": "NOERROR",
                "answers": [],
                "transport": "udp",
                "truncated": True,
            },
            {
                "name": "big.",
                "type": "A",
                "rcode": "NOERROR",
                "answers": [{"type": "A", "data": "198.18.0.1"}],
                "transport": "tcp",
                "truncated": False,
            },
        ],
        "resolved": True,
        "answer": {"name": "big.", "records": [{"type": "A", "data": "198.18.0.1"}]},
        "notes": ["CoreDNS autopath: the server completes the search path", "assumed: upstream"],
    }
    view = trace_view(doc, name="big.", resolver="glibc", family="unspec")
    assert [(q.tcp, q.truncated) for q in view.queries] == [(False, True), (True, False)]
    # The TUI shows every note `netdiag resolve` prints, the upstream assumption too.
    assert view.notes == (
        "CoreDNS autopath: the server completes the search path",
        "assumed: upstream",
    )
    assert "note: CoreDNS autopath" in summary_text(view).plain
