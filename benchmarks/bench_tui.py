"""TUI responsiveness on a generated 2,000-pod cluster (headless Textual, real engines).

    python benchmarks/bench_tui.py [--pods 2000] [--seed 1]

Prints: first paint of the matrix screen after the snapshot is loaded (target
< 1 s), cursor moves in the matrix (target < 50 ms each), and a keystroke in
the resolve input to the updated trace (target < 100 ms). Each interaction is
timed from the key press to the screen having processed it and repainted.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

if importlib.util.find_spec("netdiag_tui") is None:
    spec = importlib.util.spec_from_file_location(
        "netdiag_tui", ROOT / "tui" / "__init__.py", submodule_search_locations=[str(ROOT / "tui")]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["netdiag_tui"] = module
    spec.loader.exec_module(module)

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


def summary(label: str, samples: list[tuple[float, float]]) -> str:
    def stats(values: list[float]) -> str:
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        return f"median {ms(statistics.median(values))}, p95 {ms(p95)}"

    wall = [w for w, _ in samples]
    cpu = [c for _, c in samples]
    return f"{label}: n={len(samples)} wall {stats(wall)}; CPU {stats(cpu)}"


def one(label: str, sample: tuple[float, float]) -> str:
    return f"{label}: wall {ms(sample[0])}, CPU {ms(sample[1])}"


async def bench_matrix(snapshot: object) -> list[str]:
    from netdiag_tui import engine
    from netdiag_tui.app import NetdiagApp
    from netdiag_tui.widgets.matrix_grid import MatrixGrid

    clock = Clock()
    engine.matrix(snapshot, engine.MatrixRequest())  # type: ignore[arg-type]
    compute = clock.stop()

    # Baseline: the same app starting on a screen with no matrix (Textual's own start-up).
    app = NetdiagApp(snapshot, watch=False, start_mode="overview")  # type: ignore[arg-type]
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        baseline = clock.stop()
        await app.workers.wait_for_complete()
        await pilot.pause()
        # The app is up with the snapshot loaded: open the matrix screen (f3).
        clock = Clock()
        await pilot.press("f3")
        while not app.screen.query(MatrixGrid) or app.screen.query_one(MatrixGrid).model is None:
            await asyncio.sleep(0.002)
        await pilot.pause()
        switch = clock.stop()

    app = NetdiagApp(snapshot, watch=False, start_mode="matrix")  # type: ignore[arg-type]
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.screen.query_one(MatrixGrid)
        while grid.model is None:
            await asyncio.sleep(0.002)
        await pilot.pause()
        first_paint = clock.stop()
        n = len(grid.row_index)
        moves: list[tuple[float, float]] = []
        for key in ["j"] * 40 + ["l"] * 40 + ["pagedown"] * 10 + ["k"] * 20:
            clock = Clock()
            await pilot.press(key)
            await pilot.pause()
            moves.append(clock.stop())
        clock = Clock()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        explain = clock.stop()
    return [
        f"matrix: {n}x{n} nodes",
        one("engine Matrix() alone", compute),
        one("app start to first paint, overview screen (baseline)", baseline),
        one("app start to first paint of the matrix screen", first_paint),
        one("running app, f3 → matrix screen painted (target < 1 s)", switch),
        summary("cursor move (j/l/pagedown/k, press → repainted)", moves) + " (target < 50 ms)",
        one("enter → explanation shown", explain),
    ]


async def bench_trace(snapshot: object, name: str) -> list[str]:
    from textual.widgets import Input

    from netdiag_tui.app import NetdiagApp
    from netdiag_tui.widgets.trace_panel import TracePanel

    app = NetdiagApp(snapshot, watch=False, start_mode="resolve")  # type: ignore[arg-type]
    samples: list[tuple[float, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(TracePanel)
        box = app.screen.query_one("#name", Input)
        for ch in name:
            clock = Clock()
            await pilot.press(ch)
            while panel.trace is None or panel.trace.name != box.value.strip():
                await asyncio.sleep(0.001)
            await pilot.pause()
            samples.append(clock.stop())
    return [summary(f"keystroke → updated trace (typing {name!r})", samples) + " (target < 100 ms)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from benchmarks.gencluster import generate

    t = time.perf_counter()
    snapshot = generate(pods=args.pods, seed=args.seed)
    print(
        f"generated {len(snapshot.pods)} pods, {len(snapshot.network_policies)} policies, "
        f"{len(snapshot.services)} services in {ms(time.perf_counter() - t)}"
    )
    svc = next(s for s in snapshot.services if s.namespace != "kube-system")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for line in asyncio.run(bench_matrix(snapshot)):
        print(line)
    for line in asyncio.run(bench_trace(snapshot, svc.name)):
        print(line)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
