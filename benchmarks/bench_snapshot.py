"""Loading a large ``kubectl get -A -o yaml``-style dump: time and peak memory.

Generates a List with N namespaces x M Deployments (each with a Service and
real pods) plus policies, writes it as YAML and as JSON, and measures
``load_manifests`` (parse + build) on each.

    python benchmarks/bench_snapshot.py [--namespaces 50] [--apps 20] [--replicas 3]
    python benchmarks/bench_snapshot.py --rss --namespaces 400 --apps 50 --replicas 5

``--rss`` loads each file once in a fresh process and reports its peak RSS
(``ru_maxrss``) and CPU time instead: the YAML/JSON memory ratio of a big dump
(the YAML path must stay within 3x the JSON one), with PyYAML's composing loader
alongside for comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netdiag.sources.manifests import load_manifests  # noqa: E402


def dump(namespaces: int, apps: int, replicas: int) -> dict[str, object]:
    items: list[dict[str, object]] = []
    ip = 0
    for n in range(namespaces):
        ns = f"team-{n}"
        items.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        items.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "default-deny", "namespace": ns},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
            }
        )
        for a in range(apps):
            app = f"app-{a}"
            labels = {"app": app}
            items.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {"name": app, "namespace": ns},
                    "spec": {
                        "replicas": replicas,
                        "selector": {"matchLabels": labels},
                        "template": {
                            "metadata": {"labels": labels},
                            "spec": {
                                "containers": [
                                    {
                                        "name": "c",
                                        "ports": [{"containerPort": 8080, "name": "http"}],
                                    }
                                ]
                            },
                        },
                    },
                }
            )
            items.append(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": app, "namespace": ns},
                    "spec": {
                        "clusterIP": f"10.96.{ip // 250}.{ip % 250 + 1}",
                        "selector": labels,
                        "ports": [{"port": 80, "targetPort": "http"}],
                    },
                }
            )
            for r in range(replicas):
                ip += 1
                items.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {
                            "name": f"{app}-5d9f-{r}",
                            "namespace": ns,
                            "labels": labels,
                            "ownerReferences": [
                                {"kind": "ReplicaSet", "name": f"{app}-5d9f", "controller": True}
                            ],
                        },
                        "spec": {
                            "containers": [
                                {"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}
                            ]
                        },
                        "status": {
                            "phase": "Running",
                            "podIP": f"10.{ip // 65000}.{ip // 250 % 250}.{ip % 250 + 1}",
                            "conditions": [{"type": "Ready", "status": "True"}],
                        },
                    }
                )
    return {"apiVersion": "v1", "kind": "List", "items": items}


def measure(path: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of one load (best of 3), then peak memory of another."""
    runs = []
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        snap = load_manifests([str(path)])
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
        assert snap.pods
    tracemalloc.start()
    load_manifests([str(path)])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    wall, cpu_used = min(runs)
    return wall, cpu_used, peak


_RSS = """
import resource, sys, time
from netdiag.sources import manifests as loader
if sys.argv[2] == "compose":  # PyYAML's composing loader, for comparison
    loader._yaml_documents = lambda text, label: loader._composed_documents(text)
cpu = time.process_time()
snap = loader.load_manifests([sys.argv[1]])
print(len(snap.pods), time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure_rss(paths: dict[str, Path]) -> None:
    import subprocess

    root = str(Path(__file__).resolve().parent.parent)
    base = None
    for fmt, path in (("json", paths["json"]), ("yaml", paths["yaml"]), ("compose", paths["yaml"])):
        out = subprocess.run(
            [sys.executable, "-c", _RSS, str(path), fmt],
            capture_output=True,
            text=True,
            cwd=root,
        )
        if out.returncode:
            print(f"{fmt:8} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        pods, cpu, rss = out.stdout.split()
        base = base or float(rss)
        print(
            f"{fmt:8} {path.stat().st_size / 1e6:7.1f} MB  {pods} pods  cpu {float(cpu):6.2f} s  "
            f"peak RSS {float(rss):7.0f} MB ({float(rss) / base:.2f}x json)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--rss", action="store_true", help="peak RSS per format, fresh processes")
    args = parser.parse_args()
    import yaml

    doc = dump(args.namespaces, args.apps, args.replicas)
    pods = args.namespaces * args.apps * args.replicas
    print(
        f"# {len(doc['items'])} objects ({pods} pods, "  # type: ignore[arg-type]
        f"{args.namespaces * args.apps} services); best of 3; peak memory by tracemalloc"
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"json": Path(tmp) / "dump.json", "yaml": Path(tmp) / "dump.yaml"}
        paths["json"].write_text(json.dumps(doc))
        paths["yaml"].write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper))
        if args.rss:
            measure_rss(paths)
            return
        for fmt, path in paths.items():
            elapsed, cpu, peak = measure(path)
            size = path.stat().st_size / 1e6
            print(
                f"{fmt:5} {size:6.1f} MB  wall {elapsed:6.2f} s  cpu {cpu:6.2f} s  "
                f"peak {peak / 1e6:7.1f} MB"
            )


if __name__ == "__main__":
    main()
