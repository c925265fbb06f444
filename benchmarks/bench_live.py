"""Live snapshot of a 5,000-pod cluster served over HTTP by the test API server.

Compares netdiag's path (``_preload_content=False`` + ``json.loads`` straight into
the model) with deserialising the same pages through the generated client models
(what ``CoreV1Api().list_pod_for_all_namespaces()`` does by default), as a ratio
of time and of peak memory. Pods are inflated to what a real API server returns
(managedFields, status conditions, containerStatuses, volumes, tolerations), since
the size of each object is what the models pay for.

    PYTHONPATH=. python benchmarks/bench_live.py [--pods 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live.apiserver import FakeAPIServer, write_kubeconfig  # noqa: E402


class _Url:
    """Stands in for the server object ``write_kubeconfig`` reads ``url`` from."""

    def __init__(self, url: str) -> None:
        self.url = url


def manifests(pods: int) -> list[dict[str, Any]]:
    """The cluster from benchmarks/gencluster.py when present, else a simple one."""
    try:
        from benchmarks.gencluster import generate, to_manifests

        docs = to_manifests(generate(pods=pods, seed=1))
    except ImportError:
        docs = _simple(pods)
    docs = [_inflate(d) if d["kind"] == "Pod" else d for d in docs]
    return docs + _endpoint_slices(docs)


def _endpoint_slices(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One EndpointSlice per selecting Service, as the controller keeps them.

    A live cluster has them; without them netdiag derives slices from pods,
    which is not what a live snapshot does.
    """
    pods: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for d in docs:
        if d["kind"] == "Pod":
            for item in d["metadata"].get("labels", {}).items():
                pods.setdefault((d["metadata"]["namespace"], *item), []).append(d)
    out = []
    for svc in (d for d in docs if d["kind"] == "Service"):
        meta, selector = svc["metadata"], svc.get("spec", {}).get("selector") or {}
        if len(selector) != 1:
            continue
        backends = pods.get((meta["namespace"], *next(iter(selector.items()))), [])
        out.append({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{meta['name']}-abcde", "namespace": meta["namespace"],
                         "labels": {"kubernetes.io/service-name": meta["name"]}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [p["status"]["podIP"]],
                           "conditions": {"ready": True, "serving": True, "terminating": False},
                           "targetRef": {"kind": "Pod", "name": p["metadata"]["name"],
                                         "namespace": meta["namespace"]}} for p in backends],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        })  # fmt: skip
    return out


def _simple(pods: int) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for n in range(pods // 40):
        name = f"ns-{n:03d}"
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
            }
        )
    for i in range(pods):
        docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"app-{i // 4}-{i % 4}", "namespace": f"ns-{i % (pods // 40):03d}",
                         "labels": {"app": f"app-{i // 4}", "tier": "backend"}},
            "spec": {"containers": [{"name": "main", "image": "example/app:1",
                                     "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": "Running", "podIP": f"10.244.{i // 250}.{i % 250 + 2}",
                       "podIPs": [{"ip": f"10.244.{i // 250}.{i % 250 + 2}"}]},
        })  # fmt: skip
    return docs


def _inflate(pod: dict[str, Any]) -> dict[str, Any]:
    """Add the fields a real API server returns for a running pod (~6 KB of JSON)."""
    meta, spec = pod["metadata"], pod.setdefault("spec", {})
    status = pod.setdefault("status", {})
    ts = "2026-11-30T08:00:00Z"
    meta |= {
        "uid": f"0000-{meta['name']}",
        "creationTimestamp": ts,
        "generateName": meta["name"].rsplit("-", 1)[0] + "-",
        "managedFields": [
            {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
             "time": ts, "fieldsType": "FieldsV1",
             "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}, "f:spec": {
                 "f:containers": {'k:{"name":"main"}': {".": {}, "f:image": {}, "f:name": {}}}}}},
            {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": ts,
             "fieldsType": "FieldsV1", "subresource": "status",
             "fieldsV1": {"f:status": {"f:conditions": {}, "f:podIP": {}, "f:podIPs": {}}}},
        ],
    }  # fmt: skip
    for c in spec.get("containers", []):
        c |= {
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                          "limits": {"memory": "256Mi"}},
            "env": [{"name": f"VAR_{k}", "value": f"value-{k}"} for k in range(4)],
            "volumeMounts": [{"name": "kube-api-access", "readOnly": True,
                              "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                               "periodSeconds": 10, "timeoutSeconds": 1,
                               "successThreshold": 1, "failureThreshold": 3},
        }  # fmt: skip
    spec |= {
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst", "serviceAccountName": "default",
        "serviceAccount": "default", "schedulerName": "default-scheduler",
        "securityContext": {}, "enableServiceLinks": True, "priority": 0,
        "preemptionPolicy": "PreemptLowerPriority",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 300},
        ],
        "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
    }  # fmt: skip
    ip = (status.get("podIPs") or [{"ip": status.get("podIP", "10.244.0.2")}])[0]["ip"]
    status |= {
        "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "192.168.1.10",
        "hostIPs": [{"ip": "192.168.1.10"}], "qosClass": "Burstable", "startTime": ts,
        "conditions": [{"type": t, "status": "True", "lastProbeTime": None,
                        "lastTransitionTime": ts}
                       for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                 "ContainersReady", "PodScheduled")],
        "containerStatuses": [{"name": c["name"], "ready": True, "restartCount": 0,
                               "image": c["image"], "imageID": "sha256:" + "ab" * 32,
                               "containerID": "containerd://" + "cd" * 32, "started": True,
                               "state": {"running": {"startedAt": ts}}}
                              for c in spec.get("containers", [])],
    }  # fmt: skip
    return pod


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median seconds (plain runs) and peak MiB (one tracemalloc run) of ``fn``."""
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    result = None
    gc.collect()
    tracemalloc.start()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak, result


def _serve(docs: list[dict[str, Any]], conn: Any) -> None:
    """Child process: serve ``docs`` until the parent says stop (keeps its GIL apart)."""
    with FakeAPIServer(docs) as server:
        conn.send((server.url, json.dumps(server.list("", "pods", None, {})[1])))
        conn.recv()
        conn.send(len(server.requests))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from kubernetes import client as k8s

    from netdiag.sources import kubeapi
    from netdiag.sources.live import build_snapshot, load_live, read_all

    docs = manifests(args.pods)
    n_pods = sum(d["kind"] == "Pod" for d in docs)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(docs, child), daemon=True)
    proc.start()
    url, body = parent.recv()
    del docs
    with tempfile.TemporaryDirectory() as tmp:
        kc = write_kubeconfig(f"{tmp}/kubeconfig", _Url(url))
        conn = kubeapi.connect(kubeconfig=kc)
        pods_query = kubeapi.Query(resource=kubeapi.PODS)

        def ours_pods() -> Any:
            return kubeapi.list_all(conn, pods_query)

        def models_pods() -> Any:
            api, items, token = k8s.CoreV1Api(conn.client), [], None
            while True:
                page = api.list_pod_for_all_namespaces(limit=kubeapi.PAGE_SIZE, _continue=token)
                items.extend(page.items)
                token = page.metadata._continue
                if not token:
                    return items

        def ours_snapshot() -> Any:
            return load_live(kubeconfig=kc, progress=lambda q, n: None)

        api_client = k8s.ApiClient()
        t_ours, m_ours, listed = measure(ours_pods, args.repeat)
        t_models, m_models, models = measure(models_pods, args.repeat)
        t_parse, m_parse, _ = measure(lambda: json.loads(body), args.repeat)
        t_deser, m_deser, _ = measure(
            lambda: api_client.deserialize(body, "V1PodList", "application/json"), args.repeat
        )
        t_snap, m_snap, snap = measure(ours_snapshot, args.repeat)
        read = read_all(conn, kubeapi.plan())
        objects = [o for listed in read.listed.values() for o in listed.items]
        t_build, m_build, _ = measure(lambda: build_snapshot(objects, source="bench"), args.repeat)
        assert len(listed.items) == len(models) == n_pods
        assert len(snap.pods) >= n_pods
    parent.send("stop")
    requests = parent.recv()
    proc.join()

    mib = len(body) / 2**20
    print(f"pods: {n_pods}  (pod list JSON {mib:.1f} MiB, {requests} requests in all)")
    print(f"{'step':58} {'time s':>8} {'peak MiB':>9}")
    rows = [
        ("list pods over HTTP, json.loads (netdiag)", t_ours, m_ours),
        ("list pods over HTTP, generated models (client default)", t_models, m_models),
        ("parse one PodList body: json.loads", t_parse, m_parse),
        ("parse one PodList body: ApiClient().deserialize", t_deser, m_deser),
        ("full load_live snapshot (14 lists + model build)", t_snap, m_snap),
        ("  of which: model build (snapshot_from_objects)", t_build, m_build),
    ]
    for name, t, m in rows:
        print(f"{name:58} {t:8.3f} {m:9.1f}")
    print(
        f"ratio over HTTP (models / netdiag): time {t_models / t_ours:.1f}x, "
        f"peak memory {m_models / m_ours:.1f}x"
    )
    print(f"ratio parse only (deserialize / json.loads): time {t_deser / t_parse:.1f}x, "
          f"peak memory {m_deser / m_parse:.1f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
