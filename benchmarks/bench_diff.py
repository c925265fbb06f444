"""What ``netdiag diff`` costs against one ``matrix`` run of the same size.

Two snapshots of ``benchmarks/gencluster.py`` (default 10,000 pods / 2,000
policies) that differ by one policy — (a) one policy deleted, (b) one policy's
pod selector changed to another app of its namespace, (c) a deny-all-ingress
policy added to one namespace — and the diff of each pair,
in process from snapshots in memory (loading YAML is the same for both and is
measured by bench_matrix). CPU seconds (``time.process_time``: the machine is
shared). Target: reachability diff < 2x one ``Matrix`` of that size.

    PYTHONPATH=. python benchmarks/bench_diff.py [--pods 10000] [--policies 2000]
                                                 [--repeat 1] [--parts]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu(fn: object, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        c0 = time.process_time()
        out = fn()  # type: ignore[operator]
        best = min(best, time.process_time() - c0)
    return best, out


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.gencluster import generate
    from netdiag.cluster.networkpolicy import NetworkPolicy
    from netdiag.cluster.selectors import LabelSelector
    from netdiag.diff.report import diff_snapshots
    from netdiag.policy.matrix import Matrix

    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--policies", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--parts", action="store_true", help="also time the DNS and audit parts")
    args = ap.parse_args()

    old = generate(pods=args.pods, policies=args.policies, namespaces=max(2, args.pods // 40))
    pols = list(old.network_policies)
    k = len(pols) // 2
    # (a) the first policy from the middle on whose deletion changes some cell
    for j in range(k, min(k + 20, len(pols))):
        deleted = replace(old, network_policies=tuple(pols[:j] + pols[j + 1 :]))
        if diff_snapshots(old, deleted, parts=("reachability",)).reach:
            break
    # (b) that policy now selecting another app of its namespace
    mine = dict(pols[j].pod_selector.match_labels).get("app")
    other = next(
        p for p in old.pods if p.namespace == pols[j].namespace and p.labels["app"] != mine
    )
    moved = replace(pols[j], pod_selector=LabelSelector.from_labels({"app": other.labels["app"]}))
    reselected = replace(old, network_policies=tuple(pols[:j] + [moved] + pols[j + 1 :]))
    # (c) a deny-all-ingress in a namespace without one
    open_ns = next(
        ns.name
        for ns in old.namespaces
        if ns.name.startswith("ns-")
        and not any(
            p.namespace == ns.name
            and not p.pod_selector.match_labels
            and not p.pod_selector.match_expressions
            for p in pols
        )
    )
    deny = NetworkPolicy(
        namespace=open_ns,
        name="deny-all-ingress",
        pod_selector=LabelSelector(),
        policy_types=("Ingress",),
    )
    added = replace(old, network_policies=(*pols, deny))

    t_matrix, m = _cpu(lambda: Matrix(old), args.repeat)
    result = {
        "pods": len(old.pods),
        "policies": len(old.network_policies),
        "classes": m.class_count,  # type: ignore[attr-defined]
        "matrix_cpu_s": round(t_matrix, 3),
    }
    for name, new in (("delete", deleted), ("reselect", reselected), ("add-deny", added)):
        t, d = _cpu(lambda new=new: diff_snapshots(old, new, parts=("reachability",)), args.repeat)
        result[f"{name}_reach_cpu_s"] = round(t, 3)
        result[f"{name}_ratio"] = round(t / t_matrix, 2)
        result[f"{name}_changes"] = len(d.reach)  # type: ignore[attr-defined]
        result[f"{name}_cells"] = sum(c.cells for c in d.reach)  # type: ignore[attr-defined]
        if args.parts:
            for part in ("dns", "audit"):
                t, _ = _cpu(lambda new=new, part=part: diff_snapshots(old, new, parts=(part,)), 1)
                result[f"{name}_{part}_cpu_s"] = round(t, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
