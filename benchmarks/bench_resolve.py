"""Benchmarks for ``netdiag resolve`` (docs/architecture.md; issue 3 targets).

1. Cold start: ``netdiag resolve baidu.com --ns default`` against bare
   ``python -c pass`` (target: adds < 250 ms). CPU time (user + system of the
   child) is the figure to judge: the box is shared, so wall time mostly
   measures the other jobs; the minimum of N runs is the least disturbed one.
   ``.pyc`` files are written by the warm-up runs, as for an installed package.
2. In-process explained lookups per second with :func:`trace_name` on the demo
   cluster, advice included (target: >= 20,000/s).

Run: ``PYTHONPATH=$PWD /work/venv/bin/python benchmarks/bench_resolve.py``
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
NAMES = (
    "baidu.com",
    "tke-six-six-six",
    "tke-six-six-six.kube-system",
    "kubernetes.default",
    "api.shop",
    "doesnotexist",
    "baidu.com.",
    "www.baidu.com",
)


#: The children's environment: an installed package has .pyc files, so let the
#: warm-up runs write them (the team's shell sets PYTHONDONTWRITEBYTECODE=1,
#: which would recompile every netdiag module on every run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cold(argv: list[str]) -> tuple[float, float, float]:
    """Median wall, median CPU and minimum CPU (user+system of the child) seconds,
    after 2 warm-ups."""
    import resource

    walls, cpus = [], []
    for i in range(RUNS + 2):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            cwd="/tmp",
            env=ENV,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= 2:
            walls.append(wall)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus), min(cpus)


PHASES = """
import time
t0 = time.process_time()
import netdiag.cli, netdiag.cli.resolve, netdiag.dns.resolver.trace, netdiag.dns.resolver.report
t1 = time.process_time()
from netdiag.sources.demo import load_demo
snapshot = load_demo()
t2 = time.process_time()
from netdiag.app.source import Source
from netdiag.app.upstream import build_zone
zone = build_zone(snapshot, Source())
t3 = time.process_time()
from netdiag.dns.resolver.trace import trace_name
from netdiag.dns.resolver.report import render_text
render_text(trace_name(snapshot, "baidu.com", namespace="default", zone=zone))
t4 = time.process_time()
print(f"{(t1-t0)*1000:.0f} {(t2-t1)*1000:.0f} {(t3-t2)*1000:.0f} {(t4-t3)*1000:.0f}")
"""


def phases() -> list[float]:
    runs = [
        [
            float(x)
            for x in subprocess.run(
                [sys.executable, "-c", PHASES], capture_output=True, text=True, check=True, env=ENV
            ).stdout.split()
        ]
        for _ in range(7)
    ]
    return [min(r[i] for r in runs) for i in range(4)]


def lookups_per_second(seconds: float = 3.0, cache: bool = False) -> tuple[float, int]:
    from netdiag.app.source import Source
    from netdiag.app.upstream import build_zone
    from netdiag.dns.resolver.trace import trace_name
    from netdiag.sources.demo import load_demo

    snapshot = load_demo()
    zone = build_zone(snapshot, Source())
    count = 0
    deadline = time.perf_counter() + seconds
    start = time.process_time()  # CPU time: the box is shared, wall time is noisy
    while time.perf_counter() < deadline:
        for resolver in ("glibc", "musl", "go"):
            for name in NAMES:
                trace_name(
                    snapshot, name, namespace="default", resolver=resolver, zone=zone, cache=cache
                )
                count += 1
    elapsed = time.process_time() - start
    return count / elapsed, count


def main() -> None:
    python = sys.executable
    print(f"load average at start: {os.getloadavg()[0]:.1f}; {RUNS} runs each after 2 warm-ups")
    bare, bare_cpu, bare_min = cold([python, "-c", "pass"])
    resolve, resolve_cpu, resolve_min = cold(
        [python, "-m", "netdiag", "resolve", "baidu.com", "--ns", "default"]
    )
    _, _, help_min = cold([python, "-m", "netdiag", "--help"])
    print(
        f"cold start, min CPU: python -c pass {bare_min * 1000:.0f} ms; netdiag resolve "
        f"baidu.com --ns default {resolve_min * 1000:.0f} ms; added "
        f"{(resolve_min - bare_min) * 1000:.0f} ms CPU; ratio "
        f"{resolve_min / max(bare_min, 1e-9):.1f}x (netdiag --help adds "
        f"{(help_min - bare_min) * 1000:.0f} ms)"
    )
    print(
        f"cold start, median: python -c pass {bare * 1000:.0f} ms wall "
        f"({bare_cpu * 1000:.0f} ms CPU); netdiag resolve baidu.com --ns default "
        f"{resolve * 1000:.0f} ms wall ({resolve_cpu * 1000:.0f} ms CPU); added "
        f"{(resolve - bare) * 1000:.0f} ms wall, {(resolve_cpu - bare_cpu) * 1000:.0f} ms CPU; "
        f"ratio {resolve / bare:.1f}x wall, {resolve_cpu / max(bare_cpu, 1e-9):.1f}x CPU"
    )
    imports, demo, zone, trace = phases()
    print(
        f"cold start phases, CPU, min of 7 (ms): imports {imports:.0f}, load_demo {demo:.0f}, "
        f"build_zone (demo upstream zone) {zone:.0f}, first trace+render {trace:.0f}"
    )
    for cache in (False, True):
        rate, count = lookups_per_second(cache=cache)
        how = "memoised (repeat questions)" if cache else "computed (memo off)"
        print(
            f"explained lookups per CPU second, {how} (trace_name, demo, 3 resolvers x "
            f"{len(NAMES)} names, advice included): {rate:,.0f}/s ({count} lookups)"
        )
    dns_loaded = (
        subprocess.run(
            [
                python,
                "-c",
                "import sys; from netdiag.cli import main; "
                "sys.argv=['netdiag','resolve','baidu.com','--ns','default'];\n"
                "try:\n main()\nexcept SystemExit: pass\n"
                "print(sorted(m for m in sys.modules if m == 'dns' or m.startswith(("
                "'dns.', 'kubernetes', 'scapy', 'textual', 'networkx', 'yaml'))), file=sys.stderr)",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        .stderr.strip()
        .splitlines()[-1]
    )
    print(f"heavy modules imported on the model path: {dns_loaded}")


if __name__ == "__main__":
    main()
