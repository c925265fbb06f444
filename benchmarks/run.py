"""Run the benchmarks (``make bench``): every ``bench_<area>.py``, or the areas named.

Usage: ``python benchmarks/run.py [AREA ...] [--list] [--envelope]``, e.g.
``python benchmarks/run.py resolve matrix``. Each benchmark runs in its own
process with its default arguments and prints its own numbers; this runner adds
a header per area, the load average before each (the box is shared: compare
CPU times) and a summary. Record results in ``benchmarks/results/<area>.md``.

Exit status: 0 when every benchmark ran, 1 when one failed, 2 for an unknown area.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Cheap and self-contained first; the ones that need root, dnsperf or NCA last.
ORDER = (
    "startup",
    "resolve",
    "snapshot",
    "matrix",
    "audit",
    "reachname",
    "export",
    "live",
    "tui",
    "dns_serve",
    "capture",
    "envelope",
)


def areas() -> list[str]:
    found = {p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py")}
    return [a for a in ORDER if a in found] + sorted(found - set(ORDER))


def main(argv: list[str]) -> int:
    known = areas()
    if "--list" in argv:
        print("\n".join(known))
        return 0
    # --envelope: the 50k/150k-pod sizes of bench_envelope (minutes; make bench ENVELOPE=1).
    envelope = "--envelope" in argv
    argv = [a for a in argv if a != "--envelope"]
    wanted = [a.removeprefix("bench_").removesuffix(".py") for a in argv] or known
    unknown = [a for a in wanted if a not in known]
    if unknown:
        print(f"error: unknown benchmark {unknown[0]!r}; choose from {', '.join(known)}")
        return 2
    root = HERE.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    results: list[tuple[str, int, float]] = []
    for area in wanted:
        print(f"\n=== {area} (load average {os.getloadavg()[0]:.1f}) ===", flush=True)
        start = time.perf_counter()
        extra = ["--envelope"] if envelope and area == "envelope" else []
        proc = subprocess.run(
            [sys.executable, str(HERE / f"bench_{area}.py"), *extra], cwd=root, env=env, check=False
        )
        results.append((area, proc.returncode, time.perf_counter() - start))
    print("\n=== summary ===")
    for area, code, seconds in results:
        print(f"{area:<10} {'ok' if code == 0 else f'FAILED (exit {code})':<16} {seconds:7.1f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
