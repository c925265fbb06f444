"""TUI responsiveness on generated clusters (headless Textual, real engines).

    python benchmarks/bench_tui.py [--pods 2000 10000] [--seed 1]
    python benchmarks/bench_tui.py --envelope --pods 150000

For each cluster size it prints, each interaction timed from the key press until
the screen shows its result and has repainted (wall time, and this process's CPU
time over all threads):

- launch → usable: app start with the snapshot in memory until the resolve screen
  is painted and takes keys; and until the matrix screen shows its matrix;
- F3 / F4 / F5 first paint: the matrix, policies and overview screens opened for
  the first time, until their content (matrix, policy rows, audit findings) is shown;
- cursor move in the matrix; keystroke → updated trace; a filter keystroke on the
  policies screen;
- max event-loop lag over the whole run (tests/tui/lagprobe.py: the longest a 5 ms
  periodic callback waited, wall, and the loop thread's own CPU over that gap).

Targets on 2,000 pods: keystroke → trace < 100 ms, cursor < 50 ms, any first paint
< 1 s, loop lag < 100 ms. Results: benchmarks/results/tui.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tui"))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

SIZE = (160, 48)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Clock:
    """Wall time, and this process's CPU time (all threads): the machine is shared, so
    CPU time shows our own cost when other jobs compete for the two cores."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def summary(label: str, samples: list[tuple[float, float]], target: str = "") -> str:
    def stats(values: list[float]) -> str:
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        return f"median {ms(statistics.median(values))}, p95 {ms(p95)}"

    wall = [w for w, _ in samples]
    cpu = [c for _, c in samples]
    line = f"{label}: n={len(samples)} wall {stats(wall)}; CPU {stats(cpu)}"
    return line + (f" (target {target})" if target else "")


def one(label: str, sample: tuple[float, float], target: str = "") -> str:
    line = f"{label}: wall {ms(sample[0])}, CPU {ms(sample[1])}"
    return line + (f" (target {target})" if target else "")


async def until(check: Callable[[], bool], pilot: Any) -> None:
    while not check():
        await asyncio.sleep(0.002)
    await pilot.pause()


async def timed(pilot: Any, keys: tuple[str, ...], done: Callable[[], bool]) -> tuple[float, float]:
    clock = Clock()
    await pilot.press(*keys)
    await until(done, pilot)
    return clock.stop()


async def run(snapshot: Any, service_name: str) -> list[str]:
    from textual.widgets import Input

    from netdiag_tui.app import NetdiagApp
    from netdiag_tui.widgets.matrix_grid import MatrixGrid
    from netdiag_tui.widgets.row_list import RowList
    from netdiag_tui.widgets.trace_panel import TracePanel
    from tests.tui.lagprobe import LagProbe

    out: list[str] = []
    keymap = Path(os.devnull)

    # launch → matrix usable (its own app: the matrix screen first)
    app = NetdiagApp(snapshot, watch=False, start_mode="matrix", keymap_file=keymap)
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.screen.query_one(MatrixGrid)
        await until(lambda: grid.model is not None, pilot)
        out.append(one("launch → matrix shown (snapshot in memory)", clock.stop(), "< 1 s"))

    global PROBE
    app = NetdiagApp(snapshot, watch=False, keymap_file=keymap)
    probe = PROBE = LagProbe()
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        out.append(one("launch → resolve screen usable (snapshot in memory)", clock.stop()))
        probe.start()
        panel = app.screen.query_one(TracePanel)
        box = app.screen.query_one("#name", Input)
        keys: list[tuple[float, float]] = []
        for ch in service_name:
            keys.append(
                await timed(
                    pilot,
                    (ch,),
                    lambda: panel.trace is not None and panel.trace.name == box.value.strip(),
                )
            )
        out.append(summary("keystroke → updated trace", keys, "< 100 ms"))
        await app.workers.wait_for_complete()

        def matrix_shown() -> bool:
            grids = app.screen.query(MatrixGrid)
            return bool(grids) and grids.first().model is not None

        out.append(
            one("F3 → matrix first paint", await timed(pilot, ("f3",), matrix_shown), "< 1 s")
        )
        grid = app.screen.query_one(MatrixGrid)
        out.append(f"  matrix: {len(grid.row_index)}x{len(grid.col_index)} nodes")
        moves: list[tuple[float, float]] = []
        probe.label("matrix cursor")
        for key in ["j"] * 30 + ["l"] * 30 + ["pagedown"] * 10 + ["k"] * 20:
            clock = Clock()
            await pilot.press(key)
            await pilot.pause()
            moves.append(clock.stop())
        out.append(summary("cursor move (j/l/pagedown/k)", moves, "< 50 ms"))

        def policies_shown() -> bool:
            lists = app.screen.query("#policies")
            return bool(lists) and lists.first(RowList).row_count > 0

        out.append(
            one("F4 → policies first paint", await timed(pilot, ("f4",), policies_shown), "< 1 s")
        )
        policies = app.screen.query_one("#policies", RowList)
        await pilot.press("slash")
        await pilot.pause()
        filters: list[tuple[float, float]] = []
        typed = ""
        for ch in "backend":
            typed += ch
            before = policies.data

            def refiltered(before: Any = before) -> bool:
                return policies.data is not before

            filters.append(await timed(pilot, (ch,), refiltered))
            probe.label("policies filter")
        out.append(summary(f"policies filter keystroke (typing {typed!r})", filters))
        await pilot.press("escape", "escape")

        def findings_shown() -> bool:
            lists = app.screen.query("#findings")
            screen = app.screen
            return bool(lists) and getattr(screen, "findings", None) is not None

        out.append(
            one("F5 → overview with audit findings", await timed(pilot, ("f5",), findings_shown))
        )
        findings = getattr(app.screen, "findings", ()) or ()
        out.append(f"  audit findings: {len(findings)}")
        probe.stop()
    label, wall = probe.max_lag()
    cpu_label, cpu = probe.max_lag(cpu=True)
    out.append(f"max event-loop lag: wall {ms(wall)} ({label}); target < 100 ms")
    out.append(f"max event-loop busy (loop thread CPU over one gap): {ms(cpu)} ({cpu_label})")
    return out


async def main_async(sizes: list[int], seed: int, *, envelope: bool = False) -> None:
    from benchmarks.gencluster import envelope as envelope_cluster
    from benchmarks.gencluster import generate

    for pods in sizes:
        t = time.perf_counter()
        if envelope:
            snapshot = envelope_cluster(
                pods=pods,
                namespaces=max(2, pods // 100),
                policies=max(10, pods // 15),
                nodes=max(1, pods // 30),
                services=max(1, pods // 15),
                seed=seed,
            )
        else:
            snapshot = generate(pods=pods, seed=seed)
        print(
            f"\n## {len(snapshot.pods)} pods, {len(snapshot.network_policies)} policies, "
            f"{len(snapshot.services)} services (generated in {ms(time.perf_counter() - t)})"
        )
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        svc = next(s for s in snapshot.services if s.namespace != "kube-system")
        step: Callable[[Any, str], Awaitable[list[str]]] = run
        for line in await step(snapshot, svc.name):
            print(line, flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pods", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--envelope",
        action="store_true",
        help="gencluster's envelope shape (e.g. --envelope --pods 150000: minutes)",
    )
    args = parser.parse_args()
    asyncio.run(main_async(args.pods, args.seed, envelope=args.envelope))


if __name__ == "__main__":
    main()
