"""Matrix cost of Calico and Cilium policies: the same cluster with and without them.

    PYTHONPATH=$PWD python benchmarks/bench_cni.py [--pods 1000 --calico 100 --cilium 100]

The cluster is ``benchmarks/gencluster.py`` (seed 1, v1 NetworkPolicies); :func:`cni_objects`
adds Calico and Cilium policies written the way their documentation shows users
writing them: a Calico security tier (Pass for same-team traffic, Deny for
other teams, order-less policies), namespaced NetworkPolicies with selector
expressions, ports and port ranges, GlobalNetworkPolicies with
``namespaceSelector`` and ``nets``; CiliumNetworkPolicies with
``fromEndpoints``/``toPorts`` and ``egressDeny`` to CIDRs, clusterwide ones with
entities. No CNI DaemonSet is in the snapshot, so both kinds are evaluated.
Each run is a fresh subprocess; CPU seconds are the figure to compare (the
machine is shared). "matrix" = class-level matrix in process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cni_objects(
    namespaces: list[str], calico: int, cilium: int, seed: int = 1
) -> list[dict[str, Any]]:
    from benchmarks.gencluster import ENVS, TEAMS, TIERS

    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    if calico:
        out.append(
            {
                "apiVersion": "projectcalico.org/v3",
                "kind": "Tier",
                "metadata": {"name": "security"},
                "spec": {"order": 100, "defaultAction": "Pass"},
            }
        )
    for k in range(calico):
        team = TEAMS[k % len(TEAMS)]
        tier = TIERS[rng.randrange(len(TIERS))]
        if k % 4 == 0:
            out.append(
                {
                    "apiVersion": "projectcalico.org/v3",
                    "kind": "GlobalNetworkPolicy",
                    "metadata": {"name": f"security.team-{k:03d}"},
                    "spec": {
                        "tier": "security",
                        "order": k,
                        "namespaceSelector": f"team == '{team}'",
                        "selector": f"tier == '{tier}'",
                        "ingress": [
                            {
                                "action": "Pass",
                                "source": {"namespaceSelector": f"team == '{team}'"},
                            },
                            {
                                "action": "Deny",
                                "protocol": "TCP",
                                "source": {"namespaceSelector": "env == 'dev'"},
                                "destination": {"ports": ["8000:9000"]},
                            },
                        ],
                        "egress": [
                            {"action": "Deny", "destination": {"nets": ["169.254.169.254/32"]}},
                            {"action": "Pass"},
                        ],
                    },
                }
            )
        elif k % 4 == 1:
            env = ENVS[k % len(ENVS)]
            out.append(
                {
                    "apiVersion": "projectcalico.org/v3",
                    "kind": "GlobalNetworkPolicy",
                    "metadata": {"name": f"egress-{k:03d}"},
                    "spec": {
                        "namespaceSelector": f"env == '{env}'",
                        "selector": f"team == '{team}' && has(app)",
                        "types": ["Egress"],
                        "egress": [
                            {"action": "Allow", "protocol": "UDP", "destination": {"ports": [53]}},
                            {
                                "action": "Allow",
                                "destination": {"notNets": ["10.0.0.0/8"]},
                            },
                            {
                                "action": "Allow",
                                "destination": {"selector": f"team in {{'{team}', 'platform'}}"},
                            },
                        ],
                    },
                }
            )
        else:
            ns = namespaces[k % len(namespaces)]
            out.append(
                {
                    "apiVersion": "projectcalico.org/v3",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": f"app-{k:03d}", "namespace": ns},
                    "spec": {
                        **({"order": 500 + k} if k % 3 else {}),
                        "selector": f"tier == '{tier}'",
                        "ingress": [
                            {"action": "Log", "source": {"selector": "tier == 'frontend'"}},
                            {
                                "action": "Allow",
                                "protocol": "TCP",
                                "source": {"selector": "tier != 'db'"},
                                "destination": {"ports": ["http", 8080]},
                            },
                            {"action": "Deny", "source": {"notSelector": "has(team)"}},
                        ],
                    },
                }
            )
    for k in range(cilium):
        team = TEAMS[k % len(TEAMS)]
        tier = TIERS[rng.randrange(len(TIERS))]
        if k % 5 == 0:
            out.append(
                {
                    "apiVersion": "cilium.io/v2",
                    "kind": "CiliumClusterwideNetworkPolicy",
                    "metadata": {"name": f"guard-{k:03d}"},
                    "spec": {
                        "endpointSelector": {"matchLabels": {"team": team}},
                        "enableDefaultDeny": {"ingress": False, "egress": False},
                        "ingressDeny": [{"fromEntities": ["world"]}],
                        "egressDeny": [{"toCIDRSet": [{"cidr": "169.254.0.0/16"}]}],
                    },
                }
            )
        else:
            ns = namespaces[(k * 7) % len(namespaces)]
            out.append(
                {
                    "apiVersion": "cilium.io/v2",
                    "kind": "CiliumNetworkPolicy",
                    "metadata": {"name": f"l4-{k:03d}", "namespace": ns},
                    "spec": {
                        "endpointSelector": {"matchLabels": {"tier": tier}},
                        "ingress": [
                            {
                                "fromEndpoints": [{"matchLabels": {"tier": "frontend"}}],
                                "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}],
                            },
                            {
                                "fromEndpoints": [
                                    {
                                        "matchLabels": {
                                            "k8s:io.kubernetes.pod.namespace": namespaces[0],
                                        }
                                    }
                                ],
                                "toPorts": [
                                    {
                                        "ports": [{"port": "8080", "protocol": "TCP"}],
                                        "rules": {"http": [{"method": "GET"}]},
                                    }
                                ],
                            },
                        ],
                        "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"tier": "db"}}]}],
                    },
                }
            )
    return out


def _cluster(pods: int, policies: int, calico: int, cilium: int):  # type: ignore[no-untyped-def]
    from benchmarks.gencluster import generate
    from netdiag.cluster.parse_cni import with_cni_model
    from netdiag.cluster.policykinds import CLUSTER_SCOPED_FOREIGN, api_group, parse_foreign

    snap = generate(pods=pods, policies=policies, namespaces=max(2, pods // 40), seed=1)
    if not (calico or cilium):
        return snap
    names = [ns.name for ns in snap.namespaces if ns.name != "kube-system"]
    foreign = []
    for obj in cni_objects(names, calico, cilium):
        group, kind = api_group(obj) or "", obj["kind"]
        scoped = (group, kind) not in CLUSTER_SCOPED_FOREIGN
        foreign.append(with_cni_model(parse_foreign(obj, "bench", group, kind, scoped)))
    return replace(snap, foreign_policies=tuple(foreign))


def one(pods: int, policies: int, calico: int, cilium: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from netdiag.policy.matrix import Matrix

    snap = _cluster(pods, policies, calico, cilium)
    t0, c0 = time.perf_counter(), time.process_time()
    m = Matrix(snap, policy_cidrs=False)
    t1, c1 = time.perf_counter(), time.process_time()
    allowed = sum(1 for _ in m.iter_edges())
    return {
        "pods": len(snap.pods),
        "policies": len(snap.network_policies),
        "cni_policies": len(snap.foreign_policies),
        "classes": m.class_count,
        "edges": allowed,
        "matrix_wall_s": t1 - t0,
        "matrix_cpu_s": c1 - c0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def cli(pods: int, policies: int, calico: int, cilium: int) -> dict[str, float]:
    """A whole ``netdiag matrix --cluster DIR -o json`` process on the manifests."""
    sys.path.insert(0, str(ROOT))
    import tempfile

    import yaml

    from benchmarks.gencluster import generate, write_manifests

    snap = generate(pods=pods, policies=policies, namespaces=max(2, pods // 40), seed=1)
    out = Path(tempfile.mkdtemp(prefix=f"cni{pods}-"))
    write_manifests(snap, out)
    if calico or cilium:
        names = [ns.name for ns in snap.namespaces if ns.name != "kube-system"]
        (out / "cni-policies.yaml").write_text(
            yaml.safe_dump_all(cni_objects(names, calico, cilium))
        )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "netdiag", "matrix", "--cluster", str(out), "-o", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result = out.with_suffix(".json")
    with open(result, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL, check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    doc = json.loads(result.read_text())
    return {
        "cli_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "cli_wall_s": time.perf_counter() - t0,
        "edges": len(doc["edges"]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--policies", type=int, default=200)
    ap.add_argument("--calico", type=int, default=100)
    ap.add_argument("--cilium", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        what, calico, cilium = args.child.split(":")
        fn = one if what == "matrix" else cli
        print(json.dumps(fn(args.pods, args.policies, int(calico), int(cilium))))
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for what in ("matrix", "cli"):
        for calico, cilium in ((0, 0), (args.calico, args.cilium)):
            runs = []
            for _ in range(args.repeat):
                cmd = [
                    sys.executable,
                    __file__,
                    "--pods",
                    str(args.pods),
                    "--policies",
                    str(args.policies),
                    "--child",
                    f"{what}:{calico}:{cilium}",
                ]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
                runs.append(json.loads(out.stdout))
            best = min(runs, key=lambda r: r.get("matrix_cpu_s", r.get("cli_cpu_s", 0)))
            print(json.dumps({"what": what, "calico": calico, "cilium": cilium, **best}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
