"""Reachability diffs for ``matrix --watch`` on the netdiag/reachability/v1 shape."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from typing import Any

import pytest

from netdiag.policy.matrixdiff import diff_documents
from netdiag.sources.changes import Change
from tests.live.apiserver import FakeAPIServer
from tests.live.conftest import ROOT


def doc(*edges: tuple[str, str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "schema": "netdiag/reachability/v1",
        "nodes": [],
        "edges": [{"from": a, "to": b, "ports": ports} for a, b, ports in edges],
    }


TCP80 = [{"protocol": "TCP", "port": 80}]
ALL_TCP = [{"protocol": "TCP"}]


def test_added_removed_and_port_changes() -> None:
    old = doc(("a/x", "b/y", TCP80), ("a/x", "c/z", ALL_TCP))
    new = doc(("a/x", "b/y", ALL_TCP), ("d/w", "a/x", [{"protocol": "UDP", "port": 53}]))
    assert [str(c) for c in diff_documents(old, new)] == [
        "~ a/x -> b/y  TCP/*  (no longer TCP/80)",
        "- a/x -> c/z  TCP/*",
        "+ d/w -> a/x  UDP/53",
    ]


def test_port_order_and_equal_documents_give_no_change() -> None:
    ports = [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 8000, "end_port": 8080}]
    assert diff_documents(doc(("a", "b", ports)), doc(("a", "b", ports[::-1]))) == ()


def test_json_form_names_the_change() -> None:
    (change,) = diff_documents(doc(), doc(("a", "b", [{"protocol": "TCP", "port": 1}])))
    assert change.to_json() == {
        "change": "added",
        "from": "a",
        "to": "b",
        "ports": [{"protocol": "TCP", "port": 1}],
    }


def test_watch_needs_a_live_cluster() -> None:
    from tests.helpers import run_cli

    result = run_cli(["matrix", "--watch"])
    assert result.exit_code == 2
    assert "error: --watch needs a live cluster" in result.stderr


def _spawn(*argv: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """The real ``netdiag`` in a subprocess (no inherited KUBECONFIG), its stdout
    lines fed to a queue by a reader thread."""
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdiag", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or ()], daemon=True).start()
    return proc, lines


def test_matrix_watch_prints_edges_with_the_object_change_that_caused_them(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    """The real command in a subprocess; Ctrl-C (SIGINT) ends it with exit 0."""
    proc, lines = _spawn("matrix", "--kubeconfig", kubeconfig, "--watch")

    def read(n: int) -> list[str]:
        return [lines.get(timeout=30).rstrip("\n") for _ in range(n)]

    try:
        (header,) = read(1)
        assert "watching live cluster (context test" in header and "3 policies" in header
        apiserver.wait_for_watches(14)
        apiserver.delete("NetworkPolicy", "shop", "web-from-default")
        got = read(3)
        assert got[0].endswith(" DELETED NetworkPolicy shop/web-from-default")
        assert got[1:] == [
            "  - default/client -> shop/web-6f9c7b8d4-x1x1x  TCP/8080",
            "  - default/client -> shop/web-6f9c7b8d4-y2y2y  TCP/8080",
        ]
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert apiserver.methods() == {"GET"}


def test_json_lines_name_objects_and_edges() -> None:
    import json
    from dataclasses import replace

    from netdiag.cli.watch_matrix import CHANGE_SCHEMA, _report
    from netdiag.cluster.meta import Labels
    from netdiag.cluster.model import ClusterSnapshot, Pod
    from netdiag.cluster.networkpolicy import NetworkPolicy
    from netdiag.cluster.selectors import LabelSelector
    from netdiag.policy.matrix import Matrix, reachability_document

    pods = (
        Pod(namespace="x", name="p", ips=("10.0.0.1",)),
        Pod(namespace="y", name="q", ips=("10.0.0.2",), labels=Labels({"app": "q"})),
    )
    deny = NetworkPolicy(namespace="y", name="deny", pod_selector=LabelSelector())
    first = ClusterSnapshot(source="a", pods=pods, network_policies=(deny,))
    second = replace(first, source="b", network_policies=())
    change = Change(type="DELETED", kind="NetworkPolicy", namespace="y", name="deny")
    updates = iter([(first, ()), (second, (change,))])
    lines = list(_report(updates, Matrix, "json"))
    initial, update = (json.loads(line) for line in lines)
    assert initial["schema"] == update["schema"] == CHANGE_SCHEMA
    assert initial["initial"] == reachability_document(Matrix(first))
    assert update["objects"] == ["DELETED NetworkPolicy y/deny"]
    every = [{"protocol": p} for p in ("SCTP", "TCP", "UDP")]
    assert update["edges"] == [{"change": "added", "from": "x/p", "to": "y/q", "ports": every}]


def _object(kind: str, namespace: str, name: str) -> dict[str, Any]:
    import copy

    from tests.live.conftest import cluster_objects

    return copy.deepcopy(
        next(
            o
            for o in cluster_objects()
            if o["kind"] == kind
            and o["metadata"]["name"] == name
            and o["metadata"].get("namespace") == namespace
        )
    )


@pytest.mark.parametrize("granularity", ["pod", "workload"])
def test_every_watch_update_equals_the_diff_of_two_full_matrix_runs(
    apiserver: FakeAPIServer, kubeconfig: str, granularity: str
) -> None:
    """Over real HTTP: after each change, the watch's edges are exactly the difference
    between `netdiag matrix -o json` run from scratch before and after the change."""
    import copy
    import json

    from tests.helpers import run_cli

    def full() -> dict[str, Any]:
        result = run_cli(
            ["matrix", "--kubeconfig", kubeconfig, "-o", "json", "--granularity", granularity]
        )
        assert result.exit_code == 0, result.stderr
        return dict(json.loads(result.stdout))

    policy = _object("NetworkPolicy", "shop", "web-from-default")
    db = _object("Pod", "shop", "db-0")
    relabelled = copy.deepcopy(db)
    relabelled["metadata"]["labels"]["app"] = "db-old"
    client = _object("Pod", "default", "client")
    client["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    extra = _object("Pod", "default", "client")
    extra["metadata"]["name"] = "client-2"
    extra["status"]["podIP"] = "10.244.0.31"
    extra["status"]["podIPs"] = [{"ip": "10.244.0.31"}]
    steps = [
        lambda: apiserver.delete("NetworkPolicy", "shop", "web-from-default"),
        lambda: apiserver.apply(relabelled),
        lambda: apiserver.apply(client),  # readiness only: reachability cannot change
        lambda: apiserver.apply(policy),
        lambda: apiserver.apply(extra),
        lambda: apiserver.apply(db),
    ]
    argv = ["matrix", "--kubeconfig", kubeconfig, "--watch", "-o", "json"]
    proc, lines = _spawn(*argv, "--granularity", granularity)
    try:
        initial = json.loads(lines.get(timeout=30))
        before = full()
        assert initial["initial"] == before
        apiserver.wait_for_watches(14)
        seen_edges = 0
        for step in steps:
            step()
            update = json.loads(lines.get(timeout=30))
            after = full()
            assert update["edges"] == [e.to_json() for e in diff_documents(before, after)]
            seen_edges += len(update["edges"])
            before = after
        assert seen_edges > 0
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
