"""Benchmark: ``netdiag audit`` over generated clusters (target: < 10 s at 10,000 pods).

Run: .venv/bin/python benchmarks/bench_audit.py [--slices] [PODS ...]
Prints per-module time so a slow check is visible, then the time to find the
backends of every Service once more (``backends=``, what the isolation check
asks per sensitive service). ``--slices`` gives every Service the EndpointSlices the
loader derives from a manifest dump (a real cluster always has them); without
it the generated snapshot has none and backends come from the selectors.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gencluster import generate  # noqa: E402
from netdiag.audit.context import AuditContext
from netdiag.audit.run import MODULES  # noqa: E402
from netdiag.cluster.endpoints import derive_slices  # noqa: E402
from netdiag.cluster.model import ClusterSnapshot, Pod  # noqa: E402
from netdiag.dns.zone.cluster import ClusterZone  # noqa: E402
from netdiag.policy.endpoints import backend_pods  # noqa: E402


def with_slices(snapshot: ClusterSnapshot) -> ClusterSnapshot:
    by_ns: dict[str, list[Pod]] = {}
    for pod in snapshot.pods:
        by_ns.setdefault(pod.namespace, []).append(pod)
    slices = [
        s for svc in snapshot.services for s in derive_slices(svc, by_ns.get(svc.namespace, []))
    ]
    return replace(snapshot, endpoint_slices=tuple(slices))


def main(sizes: list[int], slices: bool) -> None:
    for pods in sizes:
        snapshot = generate(pods=pods)
        if slices:
            snapshot = with_slices(snapshot)
        ctx = AuditContext(snapshot=snapshot, zone=ClusterZone(snapshot))
        total = 0.0
        parts = []
        count = 0
        for _checks, runner in MODULES:
            t0 = time.perf_counter()
            count += sum(1 for _ in runner(ctx))
            dt = time.perf_counter() - t0
            total += dt
            parts.append(f"{runner.__module__.rsplit('.', 1)[-1]}={dt:.2f}s")
        # After the audit, so the audit's own figures include any per-snapshot indexing.
        t0 = time.perf_counter()
        for svc in snapshot.services:
            backend_pods(snapshot, svc)
        backends = time.perf_counter() - t0
        print(
            f"pods={len(snapshot.pods)} services={len(snapshot.services)} "
            f"slices={len(snapshot.endpoint_slices)} policies={len(snapshot.network_policies)} "
            f"findings={count} backends={backends:.2f}s total={total:.2f}s  " + " ".join(parts)
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--slices", action="store_true", help="derive EndpointSlices first")
    args = ap.parse_args()
    main(args.sizes, args.slices)
