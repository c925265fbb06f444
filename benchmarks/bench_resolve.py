"""Benchmarks for ``netdiag resolve`` (DESIGN.md §5; issue 3 targets).

1. Cold start: ``netdiag resolve baidu.com --ns default`` against bare
   ``python -c pass``, median of N runs each (target: adds < 250 ms).
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
NAMES = ("baidu.com", "tke-six-six-six", "tke-six-six-six.kube-system", "kubernetes.default",
         "api.shop", "doesnotexist", "baidu.com.", "www.baidu.com")


def cold(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def lookups_per_second(seconds: float = 3.0, cache: bool = False) -> tuple[float, int]:
    from netdiag.cli.dnsopts import build_zone
    from netdiag.cluster.demo import load_demo
    from netdiag.dns.trace import trace_name

    snapshot = load_demo()
    zone = build_zone(snapshot, {})
    count = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        for resolver in ("glibc", "musl", "go"):
            for name in NAMES:
                trace_name(snapshot, name, namespace="default", resolver=resolver, zone=zone,
                           cache=cache)
                count += 1
    elapsed = time.perf_counter() - start
    return count / elapsed, count


def main() -> None:
    python = sys.executable
    bare = cold([python, "-c", "pass"])
    resolve = cold([python, "-m", "netdiag", "resolve", "baidu.com", "--ns", "default"])
    print(f"cold start, median of {RUNS}: python -c pass {bare * 1000:.0f} ms; "
          f"netdiag resolve baidu.com --ns default {resolve * 1000:.0f} ms; "
          f"added {(resolve - bare) * 1000:.0f} ms; ratio {resolve / bare:.2f}")
    for cache in (False, True):
        rate, count = lookups_per_second(cache=cache)
        how = "memoised (repeat questions)" if cache else "computed (memo off)"
        print(f"explained lookups in-process, {how} (trace_name, demo, 3 resolvers x "
              f"{len(NAMES)} names, advice included): {rate:,.0f}/s ({count} lookups)")
    dns_loaded = subprocess.run(
        [python, "-c", "import sys; from netdiag.cli import main; "
         "sys.argv=['netdiag','resolve','baidu.com','--ns','default'];\n"
         "try:\n main()\nexcept SystemExit: pass\n"
         "print(sorted(m for m in sys.modules if m == 'dns' or m.startswith(('dns.', 'kubernetes',"
         " 'scapy', 'textual', 'networkx', 'yaml'))), file=sys.stderr)"],
        capture_output=True, text=True, check=False,
    ).stderr.strip().splitlines()[-1]
    print(f"heavy modules imported on the model path: {dns_loaded}")


if __name__ == "__main__":
    main()
