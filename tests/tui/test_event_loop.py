"""No key or reload blocks the event loop on a big cluster (a lag probe, not a timer).

The app is driven through every screen with real keys on a generated cluster of
2,000 pods and 400 policies, while a probe (tests/tui/lagprobe.py) watches how long
the loop went without running a 5 ms periodic callback. What is compared is the loop
thread's own CPU time over the longest gap: a handler that computes on the loop for
150 ms shows as 150 ms whatever else the shared machine runs, while waiting for a
core or for the GIL held by a worker thread (both the machine's doing, not a
handler's) does not count. The wall-clock gap is reported alongside.

Contention on a shared machine only ever inflates a measure, so a step over budget
is driven again (a fresh app, up to three runs) and each step is judged by its best
run: a handler that really blocks (the old 0.4 s policies fill) fails every run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.tui.conftest import settle
from tests.tui.lagprobe import LagProbe

#: A handler may keep the loop busy this long (the issue's budget).
BUDGET = 0.100


@pytest.fixture(scope="module")
def big_snapshot():  # type: ignore[no-untyped-def]
    from benchmarks.gencluster import generate

    return generate(pods=2000, policies=400, seed=1)


async def drive(snap, tmp_path: Path) -> LagProbe:  # type: ignore[no-untyped-def]
    """Every screen and the keys a user presses there, with the probe watching."""
    from netdiag.cluster.networkpolicy import NetworkPolicy
    from netdiag.cluster.selectors import LabelSelector
    from netdiag_tui.app import NetdiagApp
    from netdiag_tui.widgets.matrix_grid import MatrixGrid
    from netdiag_tui.widgets.row_list import RowList

    service = next(s for s in snap.services if s.namespace != "kube-system")
    namespace = service.namespace
    app = NetdiagApp(snap, watch=False, keymap_file=tmp_path / "none.toml")
    probe = LagProbe()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        probe.start()

        async def step(label: str, *keys: str) -> None:
            with probe.step(label):
                await pilot.press(*keys)
                await settle(app, pilot)

        def reload(label: str) -> None:
            extra = NetworkPolicy(
                namespace=namespace,
                name=f"zz-{label}",
                pod_selector=LabelSelector(),
                policy_types=("Ingress",),
            )
            app.set_snapshot(
                dataclasses.replace(
                    app.snapshot, network_policies=(*app.snapshot.network_policies, extra)
                )
            )

        await step("resolve: type a service name", *service.name)
        await step("resolve: ctrl+u", "ctrl+u")
        await step("resolve: type again", *service.name[:6])
        with probe.step("resolve: live reload"):
            reload("resolve")
            await settle(app, pilot)
        await step("F3 matrix", "f3")
        grid = app.screen.query_one(MatrixGrid)
        assert grid.model is not None and len(grid.row_index) > 2000
        await step("matrix: cursor", *"jjjjllll", "pagedown", "G", "g")
        await step("matrix: enter (explain)", "enter")
        await step("matrix: cursor with the explanation", *"jjll")
        await step("matrix: scroll the explanation", "J", "K")
        await step("matrix: t (workloads)", "t")
        await step("matrix: t (namespaces)", "t")
        await step("matrix: t (pods)", "t")
        await step("matrix: :port 443/TCP", "colon", *"port 443/TCP", "enter")
        await step("matrix: filter", "slash", *"backend", "enter")
        await step("matrix: esc", "escape")
        with probe.step("matrix: live reload"):
            reload("matrix")
            await settle(app, pilot)
        await step("F4 policies", "f4")
        assert app.screen.query_one("#policies", RowList).row_count >= 400
        await step("policies: filter keystrokes", "slash", *"back")
        await step("policies: esc", "escape", "escape")
        await step("policies: cursor, tab", *"jjjj", "tab", *"jjjj", "tab")
        with probe.step("policies: live reload"):
            reload("policies")
            await settle(app, pilot)
        await step("F5 overview", "f5")
        await step("overview: cursor", *"jjjj")
        await step(":ns", "colon", *f"ns {namespace}", "enter")
        await step("F3 after :ns", "f3")
        await step("F4 after :ns", "f4")
        await step("0 (all namespaces)", "0")
        await step("? help", "question_mark")
        await step("help: esc", "escape")
        await step("F2 resolve", "f2")
        probe.stop()

    return probe


async def test_no_handler_blocks_the_loop_on_2000_pods(big_snapshot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    best: dict[str, float] = {}
    wall: dict[str, float] = {}
    for _ in range(3):
        probe = await drive(big_snapshot, tmp_path)
        for step, cpu in probe.worst_cpu.items():
            if cpu < best.get(step, float("inf")):
                best[step], wall[step] = cpu, probe.worst[step]
        if max(best.values()) < BUDGET:
            break
    worst = sorted(best, key=lambda k: -best[k])
    report = ", ".join(
        f"{k}: {best[k] * 1000:.0f} ms CPU / {wall[k] * 1000:.0f} ms wall" for k in worst[:5]
    )
    assert best[worst[0]] < BUDGET, f"{worst[0]!r} kept the event loop busy; {report}"
    assert len(best) > 20  # every step was driven and measured
