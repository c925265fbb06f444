"""Matrix cost of ClusterNetworkPolicy tiers: the same cluster with and without them.

    PYTHONPATH=$PWD python benchmarks/bench_tiers.py [--pods 1000 --policies 200 --tiers 100]

The cluster is ``benchmarks/gencluster.py`` (seed 1); :func:`add_tiers` adds
ClusterNetworkPolicies as cluster administrators write them: Admin guardrails
by namespace label (deny from other teams, Pass for same-team traffic,
Accept for monitoring on the named port ``metrics``, egress Deny to a network
range), a few same-priority pairs, and Baseline default-denies per
environment. Each run is a fresh subprocess; CPU seconds are the figure to
compare (the machine is shared). "matrix" = class-level matrix in process;
"cli" = a whole ``netdiag matrix --cluster DIR -o json`` process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_tiers(snap, n: int, seed: int = 1):  # type: ignore[no-untyped-def]
    from benchmarks.gencluster import ENVS, TEAMS, TIERS
    from netdiag.cluster.meta import Protocol
    from netdiag.cluster.selectors import LabelSelector
    from netdiag.cluster.tiers import (
        Action,
        ClusterNetworkPolicy,
        NamespacedPod,
        Tier,
        TierPeer,
        TierPort,
        TierRule,
        TierSubject,
    )

    rng = random.Random(seed)
    out = []
    for k in range(n):
        team = TEAMS[k % len(TEAMS)]
        tier_label = TIERS[rng.randrange(len(TIERS))]
        ns_team = LabelSelector.from_labels({"team": team})
        if k % 10 == 9:
            env = ENVS[k % len(ENVS)]
            out.append(
                ClusterNetworkPolicy(
                    name=f"baseline-{k:03d}",
                    tier=Tier.BASELINE,
                    priority=k % 50,
                    subject=TierSubject(namespaces=LabelSelector.from_labels({"env": env})),
                    ingress=(
                        TierRule(action=Action.DENY, peers=(TierPeer(namespaces=LabelSelector()),)),
                    ),
                )
            )
            continue
        subject = (
            TierSubject(namespaces=ns_team)
            if k % 2
            else TierSubject(
                pods=NamespacedPod(
                    namespace_selector=ns_team,
                    pod_selector=LabelSelector.from_labels({"tier": tier_label}),
                )
            )
        )
        ingress = (
            TierRule(
                name="monitoring",
                action=Action.ACCEPT,
                peers=(TierPeer(namespaces=LabelSelector.from_labels({"team": "platform"})),),
                ports=(TierPort(named_port="metrics"),),
            ),
            TierRule(name="same-team", action=Action.PASS, peers=(TierPeer(namespaces=ns_team),)),
            TierRule(
                name="other-teams",
                action=Action.DENY,
                peers=(TierPeer(namespaces=LabelSelector()),),
                ports=(TierPort(protocol=Protocol.TCP, port=8000, end_port=9000),),
            ),
        )
        egress = (
            TierRule(
                name="no-metadata",
                action=Action.DENY,
                peers=(TierPeer(networks=(f"10.244.{k % 4}.0/26", "169.254.169.254/32")),),
            ),
        )
        out.append(
            ClusterNetworkPolicy(
                name=f"admin-{k:03d}",
                tier=Tier.ADMIN,
                # Pairs share a priority now and then (implementation-defined cells).
                priority=k // 2 if k % 7 == 0 else k,
                subject=subject,
                ingress=ingress,
                egress=egress,
            )
        )
    return replace(snap, cluster_network_policies=tuple(out))


def _cluster(pods: int, policies: int, tiers: int):  # type: ignore[no-untyped-def]
    from benchmarks.gencluster import generate

    snap = generate(pods=pods, policies=policies, namespaces=max(2, pods // 40), seed=1)
    return add_tiers(snap, tiers) if tiers else snap


def one(pods: int, policies: int, tiers: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from netdiag.policy.matrix import Matrix

    snap = _cluster(pods, policies, tiers)
    t0, c0 = time.perf_counter(), time.process_time()
    m = Matrix(snap, policy_cidrs=False)
    t1, c1 = time.perf_counter(), time.process_time()
    return {
        "pods": len(snap.pods),
        "policies": len(snap.network_policies),
        "tiers": len(snap.cluster_network_policies),
        "classes": m.class_count,
        "matrix_wall_s": t1 - t0,
        "matrix_cpu_s": c1 - c0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def cli(pods: int, policies: int, tiers: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    import yaml

    from benchmarks.gencluster import write_manifests
    from netdiag.cluster.serialize_tiers import tiered_policy_manifest

    snap = _cluster(pods, policies, tiers)
    out = Path(tempfile.mkdtemp(prefix=f"tiers{pods}-"))
    write_manifests(snap, out)
    if tiers:
        docs = [tiered_policy_manifest(p) for p in snap.cluster_network_policies]
        (out / "clusternetworkpolicies.yaml").write_text(yaml.safe_dump_all(docs))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "netdiag", "matrix", "--cluster", str(out), "-o", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result_json = out.with_suffix(".json")
    with open(result_json, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL, check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    doc = json.loads(result_json.read_text())
    return {
        "cli_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "cli_wall_s": time.perf_counter() - t0,
        "edges": len(doc["edges"]),
        "implementation_defined_edges": sum(
            1 for e in doc["edges"] if e.get("implementation_defined")
        ),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--policies", type=int, default=200)
    ap.add_argument("--tiers", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        what, tiers = args.child.split(":")
        fn = one if what == "matrix" else cli
        print(json.dumps(fn(args.pods, args.policies, int(tiers))))
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for what in ("matrix", "cli"):
        for tiers in (0, args.tiers):
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
                    f"{what}:{tiers}",
                ]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
                runs.append(json.loads(out.stdout))
            best = min(runs, key=lambda r: r.get("matrix_cpu_s", r.get("cli_cpu_s", 0)))
            print(json.dumps({"what": what, "tiers": tiers, **best}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
