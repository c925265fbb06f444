"""Export a 2,000-pod reachability matrix to every format: time and peak memory.

    PYTHONPATH=. python benchmarks/bench_export.py [--pods 2000] [--seed 1]
        [--granularity pod workload namespace] [--dot-timeout 300]

The cluster comes from ``benchmarks/gencluster.py`` (seeded, same cluster every
run); the matrix from the policy engine. Per format: wall time of a plain run,
then a second run under ``tracemalloc`` for Python's peak allocation; for
svg/png, Graphviz's own peak RSS (``RUSAGE_CHILDREN``; a high-water mark over
all children so far, so it only ever grows down the table). Prints a Markdown
table per granularity.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gencluster import generate  # noqa: E402
from netdiag.errors import NetdiagError  # noqa: E402
from netdiag.export.formats import FORMATS, export_document  # noqa: E402
from netdiag.policy.matrix import Matrix, reachability_document  # noqa: E402


def measure(document: dict[str, Any], fmt: str, dot_timeout: float) -> dict[str, str]:
    import netdiag.export.graphviz as graphviz

    original = graphviz.render_image

    def bounded(dot_text: str, image: str, *, timeout: float = dot_timeout) -> bytes:
        return original(dot_text, image, timeout=timeout)

    graphviz.render_image = bounded  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        try:
            out = export_document(document, fmt)
        except NetdiagError as e:
            return {"time": f"{time.perf_counter() - start:.2f} s", "note": e.message}
        seconds = time.perf_counter() - start
        peak = -1
        if seconds < 60:  # a second run only when it is cheap (dot runs again)
            tracemalloc.start()
            try:
                export_document(document, fmt)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    finally:
        graphviz.render_image = original
    row = {
        "time": f"{seconds:.2f} s",
        "peak": f"{peak / 2**20:.1f} MiB" if peak >= 0 else "—",
        "size": f"{len(out.data) / 2**20:.2f} MiB",
        "note": "; ".join(out.notes),
    }
    if fmt in ("svg", "png"):
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        row["note"] = (row["note"] + f" dot peak RSS {rss / 1024:.0f} MiB").strip()
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--granularity", nargs="+", default=["pod", "workload", "namespace"])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS))
    parser.add_argument("--dot-timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    snapshot = generate(pods=args.pods, seed=args.seed)
    print(f"# netdiag export benchmark: {len(snapshot.pods)} pods, ", end="")
    print(f"{len(snapshot.network_policies)} policies, seed {args.seed}")
    print(f"python {platform.python_version()}, {platform.machine()}, {_cpus()} CPUs")
    for granularity in args.granularity:
        start = time.perf_counter()
        document = reachability_document(Matrix(snapshot, granularity=granularity))
        seconds = time.perf_counter() - start
        print(
            f"\n## {granularity}: {len(document['nodes'])} nodes, "
            f"{len(document['edges'])} edges (matrix + document {seconds:.2f} s)\n"
        )
        print("| format | time | peak (tracemalloc) | output | note |")
        print("| --- | ---: | ---: | ---: | --- |")
        skip_images = False
        for fmt in args.formats:
            if skip_images and fmt == "png":
                print("| png | — | — | — | skipped: svg did not finish |")
                continue
            row = measure(document, fmt, args.dot_timeout)
            skip_images = skip_images or (fmt == "svg" and "size" not in row)
            print(
                f"| {fmt} | {row['time']} | {row.get('peak', '—')} | "
                f"{row.get('size', '—')} | {row['note']} |",
                flush=True,
            )
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0


if __name__ == "__main__":
    raise SystemExit(main())
