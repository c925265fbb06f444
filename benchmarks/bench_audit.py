"""Benchmark: ``netdiag audit`` over generated clusters (target: < 10 s at 10,000 pods).

Run: .venv/bin/python benchmarks/bench_audit.py [PODS ...]
Prints per-module time so a slow check is visible.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gencluster import generate  # noqa: E402
from netdiag.audit.context import AuditContext  # noqa: E402
from netdiag.audit.run import MODULES  # noqa: E402


def main(sizes: list[int]) -> None:
    for pods in sizes:
        snapshot = generate(pods=pods)
        ctx = AuditContext(snapshot=snapshot)
        total = 0.0
        parts = []
        count = 0
        for _checks, runner in MODULES:
            t0 = time.perf_counter()
            count += sum(1 for _ in runner(ctx))
            dt = time.perf_counter() - t0
            total += dt
            parts.append(f"{runner.__module__.rsplit('.', 1)[-1]}={dt:.2f}s")
        print(
            f"pods={len(snapshot.pods)} policies={len(snapshot.network_policies)} "
            f"findings={count} total={total:.2f}s  " + " ".join(parts)
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
