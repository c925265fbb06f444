"""The snapshot stream against the fake API server: events, 410, drops, bookmarks, stop."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netdiag.sources.watch import Backoff, Update, watch_snapshots
from tests.live.apiserver import FakeAPIServer, rbac_authorizer, write_kubeconfig
from tests.live.conftest import ROOT, cluster_objects

QUERIES = 14  # what kubeapi.plan() reads for a whole cluster


def find(kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in cluster_objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    return copy.deepcopy(obj)


POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "allow-x", "namespace": "shop"},
    "spec": {"podSelector": {"matchLabels": {"app": "x"}}, "policyTypes": ["Ingress"]},
}


class Stream:
    """The generator with a deadline on every step, so a bug fails instead of hanging."""

    def __init__(self, kubeconfig: str, server: FakeAPIServer, watches: int = QUERIES) -> None:
        self.stop = threading.Event()
        self.warnings: list[str] = []
        self._gen = watch_snapshots(
            kubeconfig=kubeconfig,
            stop=self.stop,
            coalesce=0.05,
            max_delay=0.5,
            backoff=Backoff(initial=0.05, maximum=0.2),
            warn=self.warnings.append,
        )
        self.server = server
        self.initial = self.next()
        server.wait_for_watches(watches)

    def next(self, timeout: float = 10.0) -> Update:
        timer = threading.Timer(timeout, self.stop.set)
        timer.start()
        try:
            return next(self._gen)
        finally:
            timer.cancel()

    def close(self) -> None:
        self.stop.set()
        self._gen.close()


@pytest.fixture
def stream(apiserver: FakeAPIServer, kubeconfig: str) -> Iterator[Stream]:
    s = Stream(kubeconfig, apiserver)
    yield s
    s.close()
    assert apiserver.methods() == {"GET"}


def test_initial_update_is_the_full_snapshot(stream: Stream) -> None:
    assert stream.initial.changes == ()
    assert len(stream.initial.snapshot.pods) == 6


def test_pod_label_change(stream: Stream) -> None:
    pod = find("Pod", "client")
    pod["metadata"]["labels"]["role"] = "frontend"
    stream.server.apply(pod)
    update = stream.next()
    assert [str(c) for c in update.changes] == ["MODIFIED Pod default/client labels"]
    client = update.snapshot.pod("default", "client")
    assert client is not None and client.labels["role"] == "frontend"


def test_policy_added_then_deleted(stream: Stream) -> None:
    stream.server.apply(POLICY)
    update = stream.next()
    assert [str(c) for c in update.changes] == ["ADDED NetworkPolicy shop/allow-x"]
    assert "shop/allow-x" in {p.key for p in update.snapshot.network_policies}
    stream.server.delete("NetworkPolicy", "shop", "allow-x")
    update = stream.next()
    assert [str(c) for c in update.changes] == ["DELETED NetworkPolicy shop/allow-x"]
    assert update.snapshot.network_policies == stream.initial.snapshot.network_policies


def test_a_burst_is_coalesced_into_one_update(stream: Stream) -> None:
    for name in ("p1", "p2", "p3"):
        stream.server.apply(POLICY | {"metadata": {"name": name, "namespace": "shop"}})
    update = stream.next()
    assert len(update.changes) == 3
    assert len(update.snapshot.network_policies) == 6


def test_410_gone_triggers_a_relist(stream: Stream) -> None:
    lists_before = _lists(stream.server, "networkpolicies")
    stream.server.apply(POLICY, deliver=False)  # the event is lost with the history
    stream.server.expire_watches()
    update = stream.next()
    assert [str(c) for c in update.changes] == ["ADDED NetworkPolicy shop/allow-x"]
    assert _lists(stream.server, "networkpolicies") == lists_before + 1


def test_dropped_stream_resumes_from_the_last_resource_version(stream: Stream) -> None:
    rv = stream.server.resource_version
    stream.server.drop_watches()
    stream.server.apply(POLICY)  # made while the watches are down: replayed on resume
    update = stream.next()
    assert [str(c) for c in update.changes] == ["ADDED NetworkPolicy shop/allow-x"]
    resumed = [
        r for r in stream.server.requests
        if r.path.endswith("/networkpolicies") and r.query.get("watch") == "true"
    ]  # fmt: skip
    assert resumed[-1].query["resourceVersion"] == rv, "resume, do not re-list"
    assert _lists(stream.server, "networkpolicies") == 1
    assert stream.warnings == []


def test_bookmark_moves_the_resume_point(stream: Stream) -> None:
    node = find("Node", "node-1")
    node["metadata"]["labels"]["zone"] = "b"
    stream.server.apply(node)  # only the nodes watch sees an event
    stream.next()
    stream.server.bookmark()
    bookmarked = stream.server.resource_version
    time.sleep(0.3)
    stream.server.drop_watches()
    stream.server.apply(POLICY)
    stream.next()
    watches = [
        r for r in stream.server.requests
        if r.path.endswith("/networkpolicies") and r.query.get("watch") == "true"
    ]  # fmt: skip
    assert watches[0].query["allowWatchBookmarks"] == "true"
    assert watches[-1].query["resourceVersion"] == bookmarked


def test_stop_ends_the_stream_promptly(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    s = Stream(kubeconfig, apiserver)
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(list(s._gen)))
    thread.start()
    time.sleep(0.1)
    s.stop.set()
    thread.join(timeout=3)
    assert not thread.is_alive() and result == [[]]
    deadline = time.monotonic() + 3
    while apiserver.watch_count() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert apiserver.watch_count() == 0, "every watch connection is closed"


def _lists(server: FakeAPIServer, plural: str) -> int:
    return sum(
        1 for r in server.requests if r.path.endswith("/" + plural) and "watch" not in r.query
    )


def test_restricted_user_watches_the_context_namespace(
    apiserver: FakeAPIServer, tmp_path: Path
) -> None:
    rbac = ROOT / "fixtures" / "rbac" / "netdiag-reader.yaml"
    roles = {d["metadata"]["name"]: d["rules"] for d in yaml.safe_load_all(rbac.read_text()) if d}
    apiserver.authorizer = rbac_authorizer(
        [("shop", roles["netdiag-namespace-reader"]), ("kube-system", roles["netdiag-dns-reader"])]
    )
    kubeconfig = write_kubeconfig(str(tmp_path / "kc"), apiserver, namespace="shop")
    s = Stream(kubeconfig, apiserver, watches=12)  # 9 kinds in shop + 3 in kube-system
    try:
        assert "list namespaces (cluster scope) (forbidden)" in s.initial.snapshot.incomplete
        pod = find("Pod", "db-0")
        pod["metadata"]["labels"]["tier"] = "data"
        apiserver.apply(pod)
        update = s.next()
        assert [str(c) for c in update.changes] == ["MODIFIED Pod shop/db-0 labels"]
    finally:
        s.close()


def test_watch_refused_after_a_list_is_reported_once(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    def no_watch_of_policies(
        verb: str, group: str, plural: str, namespace: str | None, name: str | None
    ) -> bool:
        return not (verb == "watch" and plural == "networkpolicies")

    apiserver.authorizer = no_watch_of_policies
    s = Stream(kubeconfig, apiserver, watches=QUERIES - 1)
    try:
        update = s.next()
        assert update.changes == ()
        expected = "watch networkpolicies.networking.k8s.io in all namespaces (forbidden)"
        assert expected in update.snapshot.incomplete
        assert [w for w in s.warnings if "networkpolicies" in w] == [
            f"warning: the API server refused {expected}"
        ]
    finally:
        s.close()


def test_every_update_equals_a_fresh_full_snapshot(stream: Stream, kubeconfig: str) -> None:
    """The watch's incremental snapshots against ``load_live`` of the same server state."""
    from netdiag.sources.live import load_live

    def fresh() -> Any:
        return load_live(kubeconfig=kubeconfig, progress=lambda _q, _n: None)

    pod = find("Pod", "db-0")
    pod["metadata"]["labels"]["tier"] = "data"
    namespace = find("Namespace", "shop")
    namespace["metadata"].setdefault("labels", {})["env"] = "staging"
    steps = [
        lambda: stream.server.apply(pod),
        lambda: stream.server.apply(POLICY),
        lambda: stream.server.apply(namespace),
        lambda: stream.server.delete("Pod", "default", "client"),
        lambda: stream.server.delete("NetworkPolicy", "shop", "allow-x"),
    ]
    assert stream.initial.snapshot == fresh()
    for step in steps:
        step()
        update = stream.next()
        full = fresh()
        assert update.snapshot == full
        assert update.snapshot.warnings == full.warnings
        assert [p.origin for p in update.snapshot.pods] == [p.origin for p in full.pods]
    assert stream.initial.snapshot.pod("default", "client") is not None
    assert update.snapshot.pod("default", "client") is None
