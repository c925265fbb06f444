"""What the hostile-input limits cost and save (``python benchmarks/bench_limits.py``).

1. Chain state of ``dns capture`` on N unanswered, distinct queries from 50k
   clients: CPU and peak RSS with the default chain limit (each run in its own
   process so the peak is its own).
2. Loading a generated cluster's manifests: CPU (the label checks and the
   bounded reads are on this path; the document walk only runs for YAML anchors
   or surrogate escapes).

Record results in ``benchmarks/results/limits.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chains(n: int) -> None:
    from netdiag.dns.capture.chains import ChainBuilder
    from netdiag.dns.capture.wire import DnsPacket, Message

    builder = ChainBuilder()
    started = time.process_time()
    for i in range(n):
        msg = Message(
            id=i & 0xFFFF,
            response=False,
            opcode=0,
            truncated=False,
            rcode="NOERROR",
            qname=f"name{i}.example.",
            qtype="A",
            ancount=0,
        )
        src = f"10.{(i // 50000) % 250}.{(i // 250) % 200}.{i % 250}"
        builder.feed(DnsPacket(i * 0.0001, src, "10.96.0.10", 40000 + i % 1000, 53, "udp", msg))
    kept = builder.finish()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"chains: {n} unanswered queries -> {len(kept)} chains kept, "
        f"{builder.dropped_chains} dropped; CPU {time.process_time() - started:.1f} s, "
        f"peak RSS {peak:.0f} MiB"
    )


def load(pods: int) -> None:
    from benchmarks.gencluster import generate, write_manifests
    from netdiag.sources.manifests import load_manifests

    with tempfile.TemporaryDirectory() as d:
        write_manifests(generate(pods=pods), d)
        times = []
        for _ in range(5):
            started = time.process_time()
            load_manifests([d])
            times.append(time.process_time() - started)
    print(f"load: {pods} pods, CPU best {min(times):.2f} s, median {sorted(times)[2]:.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1_000_000)
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--only", choices=("chains", "load"))
    args = ap.parse_args()
    if args.only == "chains":
        chains(args.queries)
        return 0
    if args.only == "load":
        load(args.pods)
        return 0
    for part in ("chains", "load"):
        cmd = [sys.executable, __file__, "--only", part]
        cmd += ["--queries", str(args.queries), "--pods", str(args.pods)]
        subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
