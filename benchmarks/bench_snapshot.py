"""Loading a large ``kubectl get -A -o yaml``-style dump: time and peak memory.

Generates a List with N namespaces x M Deployments (each with a Service and
real pods) plus policies, writes it as YAML and as JSON, and measures
``load_manifests`` (parse + build) on each.

    python benchmarks/bench_snapshot.py [--namespaces 50] [--apps 20] [--replicas 3]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--replicas", type=int, default=3)
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
        for fmt, path in paths.items():
            elapsed, cpu, peak = measure(path)
            size = path.stat().st_size / 1e6
            print(
                f"{fmt:5} {size:6.1f} MB  wall {elapsed:6.2f} s  cpu {cpu:6.2f} s  "
                f"peak {peak / 1e6:7.1f} MB"
            )


if __name__ == "__main__":
    main()
