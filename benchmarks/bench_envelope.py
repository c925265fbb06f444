"""Cost curves up to Kubernetes' scalability envelope (150,000 pods, 5,000 nodes).

    python benchmarks/bench_envelope.py               # 1k and 10k pods (make bench)
    python benchmarks/bench_envelope.py --envelope    # 1k, 10k, 50k, 150k (minutes)
    python benchmarks/bench_envelope.py --sizes 50000

Each size is generated with ``benchmarks/gencluster.py``'s envelope shape (seeded:
Deployments with owners, a Service per workload up to pods/15, default-deny in every
other namespace, label-selecting namespace-scoped policies, cluster-wide policies in
``monitoring`` and ``kube-system``, pods/30 nodes), written as YAML and as the JSON
snapshot (``netdiag snapshot -o json``) and as the snapshot cache (``-o cache``).
Every step runs as the whole ``netdiag`` CLI in its own process, so CPU time
(user+sys of the child) and peak RSS are that step's own: load from YAML, from
the JSON snapshot and from the cache (``netdiag snapshot``); ``matrix
--granularity namespace|workload`` from the JSON snapshot (minus the load: the
matrix after load); ``reach`` of one pod pair from the JSON snapshot and from the
cache; ``audit``.
Output goes to /dev/null (a workload matrix at 150k pods is ~200 M edges; the
namespace one is written in full).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICK = (1_000, 10_000)
ENVELOPE = (1_000, 10_000, 50_000, 150_000)


def _write(pods: int, out: Path) -> tuple[Path, Path, Path, str, str]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.gencluster import envelope, to_manifests
    from netdiag.cluster.cache import dump_cache
    from netdiag.cluster.serialize import dump_json

    snap = envelope(
        pods=pods,
        namespaces=max(2, pods // 100),
        policies=max(10, pods // 15),
        nodes=max(1, pods // 30),
        services=max(1, pods // 15),
    )
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    ydir = out / "yaml"
    ydir.mkdir(parents=True, exist_ok=True)
    with open(ydir / "cluster.yaml", "w") as fh:
        yaml.dump_all(to_manifests(snap, owners=True), fh, Dumper=dumper, sort_keys=True)
    js = out / "snapshot.json"
    js.write_text(dump_json(snap))
    nd = out / "snapshot.ndc"
    nd.write_text(dump_cache(snap))
    a = next(p for p in snap.pods if p.namespace.startswith("ns-"))
    b = next(p for p in reversed(snap.pods) if p.namespace != a.namespace)
    return ydir, js, nd, a.key, b.key


def run_size(pods: int, timeout: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"envelope{pods}-") as tmp:
        ydir, js, nd, a, b = _write(pods, Path(tmp))
        out: dict[str, object] = {
            "pods": pods,
            "yaml_mb": round((ydir / "cluster.yaml").stat().st_size / 2**20, 1),
            "json_mb": round(js.stat().st_size / 2**20, 1),
            "cache_mb": round(nd.stat().st_size / 2**20, 1),
        }
        # Separate interpreter per step: ru_maxrss of RUSAGE_CHILDREN is a maximum
        # over all children, so each step gets its own measuring process.
        steps = {
            "load_json": ["snapshot", "--cluster", str(js), "-o", "table"],
            "load_yaml": ["snapshot", "--cluster", str(ydir), "-o", "table"],
            "matrix_ns": [
                "matrix",
                "--cluster",
                str(js),
                "--granularity",
                "namespace",
                "-o",
                "json",
            ],
            "matrix_wl": [
                "matrix",
                "--cluster",
                str(js),
                "--granularity",
                "workload",
                "-o",
                "text",
            ],
            "load_cache": ["snapshot", "--cluster", str(nd)],
            "reach": ["reach", a, b, "--cluster", str(js)],
            "reach_cache": ["reach", a, b, "--cluster", str(nd)],
            "audit": ["audit", "--cluster", str(js), "-o", "json"],
        }
        for name, args in steps.items():
            if name == "matrix_wl" and pods > 10_000:
                # The text table of 14k x 14k workloads is not something to print:
                # time the matrix itself (computed, every cell O(1)).
                args = ["_bench-matrix", str(js), "workload"]
            out[name] = _measure(args, timeout)
        for m in ("matrix_ns", "matrix_wl"):
            got, load = out[m], out["load_json"]
            if isinstance(got, dict) and isinstance(load, dict) and "cpu_s" in got:
                got["after_load_cpu_s"] = round(got["cpu_s"] - load["cpu_s"], 2)
        return out


def _measure(args: list[str], timeout: int) -> dict[str, float]:
    if args[0] == "_bench-matrix":
        code = (
            "import sys; from netdiag.sources.manifests import load_manifests;"
            "from netdiag.policy.matrix import Matrix;"
            f"Matrix(load_manifests([{args[1]!r}]), granularity={args[2]!r})"
        )
        return _py(code, timeout)
    return _py(
        "import sys; from netdiag.cli import main; sys.argv = ['netdiag', *"
        + repr(args)
        + "]; main()",
        timeout,
    )


def _py(code: str, timeout: int) -> dict[str, float]:
    proc = [sys.executable, "-c", code]
    r = subprocess.run(
        [sys.executable, "-c", _WRAP, json.dumps(proc), str(timeout)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


#: Runs one child and reports its own CPU time and peak RSS (a fresh parent per step).
_WRAP = """
import json, os, resource, subprocess, sys, time
cmd, timeout = json.loads(sys.argv[1]), int(sys.argv[2])
t0 = time.perf_counter()
with open(os.devnull, "w") as null:
    try:
        proc = subprocess.run(
            cmd, stdout=null, stderr=subprocess.PIPE, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        print(json.dumps({"timeout_s": timeout})); sys.exit(0)
code = proc.returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"cpu_s": round(r.ru_utime + r.ru_stime, 2),
                  "wall_s": round(time.perf_counter() - t0, 2),
                  "peak_rss_mb": round(r.ru_maxrss / 1024), "exit": code,
                  **({"stderr": proc.stderr.strip()[-300:]} if code not in (0, 1) else {})}))
"""


def table(rows: list[dict[str, object]]) -> str:
    cols = (
        "load_yaml",
        "load_json",
        "load_cache",
        "matrix_ns",
        "matrix_wl",
        "reach",
        "reach_cache",
        "audit",
    )
    head = "| pods | YAML MB | " + " | ".join(f"{c} CPU s (RSS MB)" for c in cols) + " |"
    lines = [head, "|" + "---:|" * (len(cols) + 2)]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            if not isinstance(v, dict) or "cpu_s" not in v:
                cells.append("timeout" if isinstance(v, dict) else "–")
                continue
            extra = f" [{v['after_load_cpu_s']} after load]" if "after_load_cpu_s" in v else ""
            flag = "" if v.get("exit") in (0, 1) else f" exit {v.get('exit')}"
            cells.append(f"{v['cpu_s']}{extra} ({v['peak_rss_mb']}){flag}")
        lines.append(f"| {r['pods']:,} | {r['yaml_mb']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--envelope", action="store_true", help="up to 150,000 pods (minutes)")
    ap.add_argument("--sizes", default=None, help="comma-separated pod counts")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    sizes = ENVELOPE if args.envelope else QUICK
    if args.sizes:
        sizes = tuple(int(s) for s in args.sizes.split(","))
    rows = []
    for pods in sizes:
        row = run_size(pods, args.timeout)
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
