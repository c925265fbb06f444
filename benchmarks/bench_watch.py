"""What one small change costs the live watch (``netdiag.sources.watch``) at 1k and 5k pods.

The cluster is ``benchmarks/bench_live.py``'s (gencluster + pods inflated to what
a real API server returns + their EndpointSlices), with the Deployments and
ReplicaSets that own the pods (a live cluster has them, and the builder follows
``ownerReferences`` up to the Deployment).

Three measurements, CPU seconds of this process (``time.process_time``: the
machine is shared, so wall time says more about the neighbours than about us):

1. **rebuild** — in process, no HTTP: apply one watch event to the watch's
   object store, then turn the store into a snapshot, (a) by the full rebuild
   (``live.build_snapshot`` over every object, what the watch did per burst
   before) and (b) by the watch's own path (:class:`SnapshotBuilder`, when
   present). Every (b) result is asserted ``==`` to (a), and so are warnings and
   origins.
2. **end to end** — the test API server (``tests/live/apiserver.py``) in a
   separate process serves the cluster over real HTTP; ``watch_snapshots`` runs
   here; each change is made on the server and timed until the new snapshot is
   yielded (watch event decode + store + rebuild + compare; ``coalesce=0.02``).
3. **matrix** (``--matrix``) — what ``matrix --watch`` does per update once it
   has the snapshot: before, the new snapshot's whole reachability document and
   ``diff_documents`` against the previous one; now, ``MatrixFollower.update``
   (asserted to give the same changes). ``--old-repeat`` bounds the slow path.

    PYTHONPATH=. python benchmarks/bench_watch.py [--pods 1000 5000] [--repeat 5]
                                                   [--profile SCENARIO] [--matrix]
                                                   [--old-repeat 1] [--no-http]
"""

from __future__ import annotations

import argparse
import copy
import gc
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_live import _Url, manifests  # noqa: E402
from tests.live.apiserver import FakeAPIServer, write_kubeconfig  # noqa: E402

Doc = dict[str, Any]
#: One change: (watch event type, object) made from the repeat number.
Event = tuple[str, Doc]


def with_owners(docs: list[Doc]) -> list[Doc]:
    """Deployments and ReplicaSets for gencluster's pods (named ``app-hash-i``)."""
    out = list(docs)
    seen: set[tuple[str, str]] = set()
    for pod in (d for d in docs if d["kind"] == "Pod"):
        meta = pod["metadata"]
        ns, rs = meta["namespace"], meta["name"].rsplit("-", 1)[0]
        app = rs.rsplit("-", 1)[0]
        meta["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "controller": True}
        ]
        if (ns, rs) in seen:
            continue
        seen.add((ns, rs))
        template = {"metadata": {"labels": dict(meta.get("labels", {}))},
                    "spec": {"containers": copy.deepcopy(pod["spec"]["containers"])}}  # fmt: skip
        spec = {"replicas": 1, "selector": {"matchLabels": {"app": app}}, "template": template}
        out.append({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": app, "namespace": ns}, "spec": spec})  # fmt: skip
        owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "controller": True}
        out.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": rs, "namespace": ns, "ownerReferences": [owner]},
                    "spec": spec})  # fmt: skip
    return out


class Scenarios:
    """Small changes to one cluster; each call makes a new one (``r`` = repeat number)."""

    def __init__(self, docs: list[Doc]) -> None:
        pods = [
            d for d in docs if d["kind"] == "Pod" and d["metadata"]["namespace"] != "kube-system"
        ]
        self.pod = pods[len(pods) // 2]
        self.policy = next(d for d in docs if d["kind"] == "NetworkPolicy")
        ns = self.pod["metadata"]["namespace"]
        self.namespace = next(
            d for d in docs if d["kind"] == "Namespace" and d["metadata"]["name"] == ns
        )
        self.added: list[Doc] = []

    def names(self) -> tuple[str, ...]:
        return ("pod relabelled", "pod added", "pod deleted", "policy edited",
                "namespace relabelled")  # fmt: skip

    def make(self, name: str, r: int) -> Event:
        if name == "pod relabelled":
            pod = copy.deepcopy(self.pod)
            pod["metadata"]["labels"]["bench"] = f"v{r}"
            return "MODIFIED", pod
        if name == "pod added":
            pod = copy.deepcopy(self.pod)
            pod["metadata"]["name"] += f"x{r}"
            pod["status"]["podIP"] = f"10.250.{r // 250}.{r % 250 + 1}"
            pod["status"]["podIPs"] = [{"ip": pod["status"]["podIP"]}]
            self.added.append(pod)
            return "ADDED", pod
        if name == "pod deleted":
            return "DELETED", self.added.pop()
        if name == "policy edited":
            pol = copy.deepcopy(self.policy)
            pol["spec"]["podSelector"] = {"matchLabels": {"bench": f"v{r}"}}
            return "MODIFIED", pol
        ns = copy.deepcopy(self.namespace)
        ns["metadata"].setdefault("labels", {})["bench"] = f"v{r}"
        return "MODIFIED", ns


def rebuild(docs: list[Doc], repeat: int, profile: str | None) -> list[tuple[str, float, float]]:
    """Median CPU seconds per scenario: full rebuild vs the watch's builder."""
    from netdiag.sources import kubeapi
    from netdiag.sources.changes import Store
    from netdiag.sources.live import build_snapshot

    try:
        from netdiag.sources.incremental import SnapshotBuilder
    except ImportError:  # before the incremental builder existed
        SnapshotBuilder = None  # type: ignore[assignment,misc]  # noqa: N806

    keys = {q.resource.kind: q.key for q in kubeapi.plan() if q.name is None}
    lists: dict[str, list[Doc]] = {q.key: [] for q in kubeapi.plan()}
    for d in docs:
        lists[keys[d["kind"]]].append(d)
    store = Store.from_lists(lists)
    builder = SnapshotBuilder() if SnapshotBuilder is not None else None
    if builder is not None:
        builder.build(store.objects(), source="bench")
    scenarios = Scenarios(docs)
    rows = []
    for name in scenarios.names():
        full_t, inc_t = [], []
        for r in range(repeat):
            type_, obj = scenarios.make(name, r)
            store, _ = store.apply(keys[obj["kind"]], type_, obj)
            gc.collect()
            t0 = time.process_time()
            full = build_snapshot(store.objects(), source="bench")
            full_t.append(time.process_time() - t0)
            if builder is None:
                continue
            gc.collect()
            if profile == name and r == repeat - 1:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                new = prof.runcall(builder.build, store.objects(), source="bench")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            else:
                t0 = time.process_time()
                new = builder.build(store.objects(), source="bench")
                inc_t.append(time.process_time() - t0)
            assert new == full, name
            assert new.warnings == full.warnings and _origins(new) == _origins(full), name
        inc = statistics.median(inc_t) if inc_t else float("nan")
        rows.append((name, statistics.median(full_t), inc))
    return rows


def _origins(snap: Any) -> list[str]:
    groups = (snap.namespaces, snap.pods, snap.services, snap.endpoint_slices,
              snap.network_policies, snap.nodes, snap.workloads)  # fmt: skip
    return [o.origin for g in groups for o in g]


def _not_ready(pod: Doc, r: int) -> Doc:
    """The pod with its Ready condition flipped: a change no reachability depends on."""
    pod = copy.deepcopy(pod)
    ready = "False" if r % 2 == 0 else "True"
    pod["status"]["conditions"] = [{"type": "Ready", "status": ready}]
    return pod


MATRIX_SCENARIOS = ("pod relabelled", "pod tier changed", "pod added", "policy edited",
                    "pod not ready")  # fmt: skip


def _matrix_event(scenarios: Scenarios, name: str, r: int, pod: Doc) -> tuple[Event, Doc]:
    """The scenario's event, and the benchmark pod as it now is (``pod``: as it was)."""
    if name == "pod not ready":
        return ("MODIFIED", _not_ready(pod, r)), pod
    if name == "pod tier changed":
        # gencluster's policies select and admit by tier: the pod's row and column change.
        changed = copy.deepcopy(pod)
        labels = changed["metadata"]["labels"]
        labels["tier"] = "frontend" if labels.get("tier") != "frontend" else "db"
        return ("MODIFIED", changed), changed
    return scenarios.make(name, r), pod


def matrix_cost(
    docs: list[Doc], repeat: int, old_repeat: int, granularities: list[str]
) -> list[tuple[str, str, float, float, int]]:
    """What ``matrix --watch`` spends per update once the snapshot is built (CPU s, medians).

    *before*: the new snapshot's whole document, then ``diff_documents`` against the
    previous one (what the watch did); *now*: ``MatrixFollower.update`` (keep the
    matrix when nothing it reads changed, else new matrix + class-by-class diff).
    Both give the same changes (asserted). Rows: (granularity, scenario, before,
    now, edges changed).
    """
    from netdiag.policy.matrix import Matrix, reachability_document
    from netdiag.policy.matrixdiff import MatrixFollower, diff_documents
    from netdiag.sources import kubeapi
    from netdiag.sources.changes import Store
    from netdiag.sources.incremental import SnapshotBuilder

    keys = {q.resource.kind: q.key for q in kubeapi.plan() if q.name is None}
    lists: dict[str, list[Doc]] = {q.key: [] for q in kubeapi.plan()}
    for d in docs:
        lists[keys[d["kind"]]].append(d)
    rows = []
    for granularity in granularities:
        store = Store.from_lists(lists)
        builder = SnapshotBuilder()
        snap = builder.build(store.objects(), source="bench")

        def build(s: Any, g: str = granularity) -> Matrix:
            return Matrix(s, granularity=g)

        follower = MatrixFollower(build)
        follower.update(snap)
        previous = reachability_document(build(snap))
        scenarios = Scenarios(docs)
        pod = scenarios.pod
        for name in MATRIX_SCENARIOS:
            before_t, now_t, changed, stale = [], [], 0, False
            for r in range(repeat):
                event, pod = _matrix_event(scenarios, name, r, pod)
                store, _ = store.apply(keys[event[1]["kind"]], *event)
                snap = builder.build(store.objects(), source="bench")
                gc.collect()
                t0 = time.process_time()
                changes = follower.update(snap)
                now_t.append(time.process_time() - t0)
                stale = r >= old_repeat
                if stale:
                    continue
                gc.collect()
                t0 = time.process_time()
                doc = reachability_document(build(snap))
                expected = diff_documents(previous, doc)
                before_t.append(time.process_time() - t0)
                assert changes == expected, (granularity, name, r)
                previous, changed = doc, max(changed, len(changes))
            if stale:
                previous = reachability_document(build(snap))
            rows.append(
                (granularity, name, statistics.median(before_t), statistics.median(now_t), changed)
            )
    return rows


def _serve(docs: list[Doc], conn: Any) -> None:
    """Child process: serve ``docs``; apply/delete what the parent sends until ``stop``."""
    with FakeAPIServer(docs) as server:
        conn.send(server.url)
        while (msg := conn.recv()) != "stop":
            type_, obj = msg
            if type_ == "DELETED":
                meta = obj["metadata"]
                server.delete(obj["kind"], meta.get("namespace", ""), meta["name"])
            else:
                server.apply(obj)


def end_to_end(docs: list[Doc], repeat: int) -> tuple[float, list[tuple[str, float, float]]]:
    """(initial CPU s, [(scenario, median CPU s, median wall s)]) through ``watch_snapshots``."""
    from netdiag.sources.watch import watch_snapshots

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(docs, child), daemon=True)
    proc.start()
    url = parent.recv()
    stop = threading.Event()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        kc = write_kubeconfig(f"{tmp}/kubeconfig", _Url(url))
        t0 = time.process_time()
        updates: Iterator[Any] = watch_snapshots(
            kubeconfig=kc, stop=stop, coalesce=0.02, max_delay=0.5, warn=print
        )
        next(updates)
        initial = time.process_time() - t0
        time.sleep(1.0)  # let every watch connect
        scenarios = Scenarios(docs)
        try:
            for name in scenarios.names():
                cpu, wall = [], []
                for r in range(repeat):
                    event = scenarios.make(name, r)
                    gc.collect()
                    c0, w0 = time.process_time(), time.perf_counter()
                    parent.send(event)
                    timer = threading.Timer(120, stop.set)  # a lost event fails, not hangs
                    timer.start()
                    next(updates)
                    timer.cancel()
                    cpu.append(time.process_time() - c0)
                    wall.append(time.perf_counter() - w0)
                rows.append((name, statistics.median(cpu), statistics.median(wall)))
        finally:
            stop.set()
            updates.close()  # type: ignore[attr-defined]
    parent.send("stop")
    proc.join()
    return initial, rows


def say(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", help="cProfile the builder on this scenario's last repeat")
    ap.add_argument("--no-http", action="store_true", help="only the in-process rebuild")
    ap.add_argument("--matrix", action="store_true", help="also time matrix --watch per update")
    ap.add_argument("--old-repeat", type=int, default=1, help="repeats of the old matrix path")
    ap.add_argument("--granularity", nargs="+", default=["workload", "pod"])
    args = ap.parse_args(argv)
    for pods in args.pods:
        docs = with_owners(manifests(pods))
        kinds: dict[str, int] = {}
        for d in docs:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        say(f"\n== {pods} pods: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
        say(f"{'rebuild after one change (CPU s, median)':42} {'full':>8} {'watch':>8} {'x':>6}")
        for name, full, inc in rebuild(docs, args.repeat, args.profile):
            ratio = full / inc if inc == inc else float("nan")
            say(f"  {name:40} {full:8.3f} {inc:8.4f} {ratio:6.0f}")
        if args.matrix:
            head = "matrix --watch per update (CPU s, median)"
            say(f"{head:42} {'before':>8} {'now':>8} {'edges':>7}")
            for gran, name, old, new, changed in matrix_cost(
                docs, args.repeat, args.old_repeat, args.granularity
            ):
                say(f"  {gran + ', ' + name:40} {old:8.3f} {new:8.4f} {changed:7}")
        if args.no_http:
            continue
        initial, rows = end_to_end(docs, args.repeat)
        say(f"{'end to end over HTTP (median)':42} {'CPU s':>8} {'wall s':>8}")
        say(f"  {'initial list + snapshot':40} {initial:8.3f}")
        for name, cpu, wall in rows:
            say(f"  {name:40} {cpu:8.3f} {wall:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
