"""Matrix time and memory at 1k-10k pods, and side by side with network-config-analyzer.

    python benchmarks/bench_matrix.py                       # netdiag only
    python benchmarks/bench_matrix.py --nca /path/to/nca    # + NCA on the same manifests

Each size runs in a fresh subprocess so peak RSS (ru_maxrss) is that size's own.
"matrix" = class-level matrix computed (cell(i, j) O(1) for every pod pair);
"listing" = also every allowed pod pair written as ``src => dst : ports`` lines,
the per-pair listing NCA prints with ``-o txt_no_fw_rules --output_endpoints pods``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1000, 200), (2000, 400), (3000, 600), (5000, 1000), (10000, 2000))


def one(pods: int, policies: int, listing: bool, manifests: bool) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.gencluster import generate, write_manifests
    from netdiag.policy.matrix import Matrix
    from netdiag.policy.verdict import Verdict

    snap = generate(pods=pods, policies=policies, namespaces=max(2, pods // 40), seed=1)
    if manifests:
        from netdiag.sources.manifests import load_manifests

        out = Path(tempfile.mkdtemp(prefix=f"gen{pods}-"))
        write_manifests(snap, out)
        t0p, c0p = time.perf_counter(), time.process_time()
        snap = load_manifests([str(out)])
    t0, c0 = time.perf_counter(), time.process_time()
    m = Matrix(snap, policy_cidrs=False)
    t1, c1 = time.perf_counter(), time.process_time()
    result = {
        "pods": len(snap.pods),
        "policies": len(snap.network_policies),
        "classes": m.class_count,
        "matrix_wall_s": t1 - t0,
        "matrix_cpu_s": c1 - c0,
    }
    if manifests:
        result["load_cpu_s"] = c0 - c0p
        result["load_wall_s"] = t0 - t0p
    if listing:
        lines = 0
        text: dict[object, str] = {}
        ids = [n.id for n in m.rows]
        with open(os.devnull, "w") as f:
            for i, row in enumerate(ids):
                for j, col in enumerate(ids):
                    if i == j:
                        continue
                    c = m.cell(i, j)
                    if c.verdict is Verdict.ALLOWED:
                        conn = text.get(c)
                        if conn is None:
                            conn = text[c] = str(c.ports)
                        f.write(f"{row} => {col} : {conn}\n")
                        lines += 1
        t2, c2 = time.perf_counter(), time.process_time()
        result.update(listing_lines=lines, listing_wall_s=t2 - t1, listing_cpu_s=c2 - c1)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_cli(pods: int, policies: int) -> dict[str, float]:
    """The whole ``netdiag matrix --cluster DIR -o json`` process: start-up, YAML, matrix,
    and every allowed pod pair written (netdiag/reachability/v1) — what a user runs."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.gencluster import generate, write_manifests

    out = Path(tempfile.mkdtemp(prefix=f"cli{pods}-"))
    write_manifests(
        generate(pods=pods, policies=policies, namespaces=max(2, pods // 40), seed=1), out
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "netdiag", "matrix", "--cluster", str(out), "-o", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result_json = out.with_suffix(".json")  # outside the manifest directory it reads
    with open(result_json, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL, check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "cli_cpu_s": cpu,
        "cli_wall_s": time.perf_counter() - t0,
        "cli_peak_rss_mb": after.ru_maxrss / 1024,
        "cli_json_mb": result_json.stat().st_size / 1e6,
    }


def run_nca(nca: str, pods: int, policies: int, timeout: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.gencluster import generate, write_manifests

    out = Path(tempfile.mkdtemp(prefix=f"nca{pods}-"))
    write_manifests(
        generate(pods=pods, policies=policies, namespaces=max(2, pods // 40), seed=1), out
    )
    listing = out / "nca.txt"
    cmd = [
        nca,
        "--connectivity",
        "--resource_list",
        str(out),
        "-o",
        "txt_no_fw_rules",
        "--output_endpoints",
        "pods",
        "-f",
        str(listing),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        return {"nca_timeout_s": timeout}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = sum(1 for _ in listing.open()) if listing.exists() else 0
    return {
        "nca_exit": code,
        "nca_cpu_s": cpu,
        "nca_wall_s": time.perf_counter() - t0,
        "nca_peak_rss_mb": after.ru_maxrss / 1024,
        "nca_lines": lines,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(f"{p}:{n}" for p, n in SIZES))
    ap.add_argument("--nca", default=None, help="path of the nca executable (optional)")
    ap.add_argument("--nca-max-pods", type=int, default=1000)
    ap.add_argument("--manifests", action="store_true", help="also time loading YAML")
    ap.add_argument("--cli-max-pods", type=int, default=3000, help="time the CLI up to N pods")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()
    if args.one:
        pods, pols = map(int, args.one.split(":"))
        print(json.dumps(one(pods, pols, listing=pods <= 3000, manifests=args.manifests)))
        return 0
    for spec in args.sizes.split(","):
        pods, pols = map(int, spec.split(":"))
        cmd = [sys.executable, __file__, "--one", spec] + (
            ["--manifests"] if args.manifests else []
        )
        res = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        if pods <= args.cli_max_pods:
            res.update(run_cli(pods, pols))
        if args.nca and pods <= args.nca_max_pods:
            res.update(run_nca(args.nca, pods, pols, args.timeout))
            if "nca_cpu_s" in res:
                ours = res["matrix_cpu_s"] + res.get("listing_cpu_s", 0) + res.get("load_cpu_s", 0)
                res["ratio_cpu"] = res["nca_cpu_s"] / max(ours, 1e-9)
                if "cli_cpu_s" in res:
                    res["ratio_cli_cpu"] = res["nca_cpu_s"] / res["cli_cpu_s"]
        print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
