"""Cold-start time of the CLI against the interpreter itself, as a ratio.

Runs each command N times in a fresh subprocess (after warm-up runs so the page
cache is hot, as it is for a user typing commands) and reports the median wall
time and its ratio to ``python -c pass`` on the same machine.

    python benchmarks/bench_startup.py [--runs 21] [--markdown]

Uses the ``netdiag`` on PATH next to this interpreter when installed, else
``python -m netdiag`` from the source tree.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def netdiag_argv() -> list[str]:
    exe = Path(sys.executable).parent / "netdiag"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "netdiag"]


def time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        argv, env=env, cwd="/tmp", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    for _ in range(2):
        time_once(argv, env)
    samples = [time_once(argv, env) for _ in range(runs)]
    return (statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    # An installed package has .pyc files; let the warm-up runs write them here too.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    nd = netdiag_argv()
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("netdiag --help", [*nd, "--help"]),
        ("netdiag snapshot (demo)", [*nd, "snapshot"]),
        ("netdiag snapshot -o yaml (demo)", [*nd, "snapshot", "-o", "yaml"]),
    ]
    results = [(label, *measure(argv, args.runs, env)) for label, argv in cases]
    base_wall, base_cpu = results[0][1], results[0][2]
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"Python {platform.python_version()}; {os.cpu_count()} cores; {cpu}"
    )
    print(f"# netdiag = {' '.join(nd)}; median of {args.runs} runs after 2 warm-ups")
    print(
        f"# load average at start: {os.getloadavg()[0]:.2f} (wall time suffers under load;"
        " CPU time much less)"
    )
    if args.markdown:
        print("\n| command | wall median (ms) | wall ratio | CPU median (ms) | CPU ratio |")
        print("|---|---:|---:|---:|---:|")
        for label, wall, cpu in results:
            print(
                f"| `{label}` | {wall * 1000:.0f} | {wall / base_wall:.2f}× "
                f"| {cpu * 1000:.0f} | {cpu / base_cpu:.2f}× |"
            )
    else:
        print(f"{'command':34} {'wall':>9} {'ratio':>7} {'cpu':>9} {'ratio':>7}")
        for label, wall, cpu in results:
            print(
                f"{label:34} {wall * 1000:7.1f}ms {wall / base_wall:6.2f}x "
                f"{cpu * 1000:7.1f}ms {cpu / base_cpu:6.2f}x"
            )


if __name__ == "__main__":
    main()
