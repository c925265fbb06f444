"""endpoints.backend_pods: the per-snapshot index answers exactly as the linear scans did."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.gencluster import generate
from netdiag.cluster.endpoints import derive_slices
from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot, Endpoint, EndpointSlice, Pod, Service
from netdiag.policy.endpoints import backend_index, backend_pods
from netdiag.sources.demo import load_demo
from netdiag.sources.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[2]


def scanned_backend_pods(snapshot: ClusterSnapshot, service: Service) -> tuple[Pod, ...]:
    """The implementation before the index: linear scans of the snapshot per call."""
    slices = snapshot.slices_for(service)
    if slices:
        by_ip = {ip: p for p in snapshot.pods if p.namespace == service.namespace for ip in p.ips}
        found: dict[str, Pod] = {}
        for sl in slices:
            for ep in sl.endpoints:
                if not (ep.ready or service.publish_not_ready_addresses):
                    continue
                pod = snapshot.pod(service.namespace, ep.target_pod) if ep.target_pod else None
                pod = pod or next((by_ip[a] for a in ep.addresses if a in by_ip), None)
                if pod is not None:
                    found[pod.key] = pod
        return tuple(found[k] for k in sorted(found))
    if not service.selector:
        return ()
    return tuple(
        sorted(
            (
                p
                for p in snapshot.pods
                if p.namespace == service.namespace
                and all(p.labels.get(k) == v for k, v in service.selector.items())
                and (p.ready or service.publish_not_ready_addresses)
            ),
            key=lambda p: p.key,
        )
    )


def generated(slices: bool) -> ClusterSnapshot:
    """A generated cluster; with ``slices``, the EndpointSlices a loaded dump would have."""
    snap = generate(pods=400, seed=3)
    if not slices:
        return snap
    derived = [s for svc in snap.services for s in derive_slices(svc, snap.pods)]
    return replace(snap, endpoint_slices=tuple(derived))


SNAPSHOTS = {
    "demo": load_demo,
    "dump": lambda: load_manifests([str(ROOT / "fixtures" / "dump")]),
    "live": lambda: load_manifests([str(ROOT / "fixtures" / "live" / "cluster.yaml")]),
    "generated-selectors": lambda: generated(slices=False),
    "generated-slices": lambda: generated(slices=True),
}


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_same_backends_as_the_scans(name: str) -> None:
    snap = SNAPSHOTS[name]()
    services = [s for s in snap.services if s.type != "ExternalName"]
    answers = {s.key: backend_pods(snap, s) for s in services}
    assert answers == {s.key: scanned_backend_pods(snap, s) for s in services}
    assert any(answers.values()), "the comparison must cover services with backends"


def _pod(name: str, ip: str, *, ready: bool = True) -> Pod:
    return Pod(namespace="shop", name=name, ips=(ip,), labels=Labels({"app": "api"}), ready=ready)


def _slice(*endpoints: Endpoint) -> EndpointSlice:
    return EndpointSlice(namespace="shop", name="api", service_name="api", endpoints=endpoints)


SERVICE = Service(namespace="shop", name="api", selector=Labels({"app": "api"}))


def test_edge_cases_match_the_scans() -> None:
    # Two pods claim one IP (last wins), an endpoint without targetRef found by IP,
    # a targetRef naming a missing pod, a not-ready endpoint, the same IP in
    # another namespace, and a duplicate ns/name (the first one wins).
    pods = (
        _pod("a", "10.0.0.1"),
        _pod("b", "10.0.0.1"),
        _pod("c", "10.0.0.3"),
        _pod("d", "10.0.0.4", ready=False),
        replace(_pod("e", "10.0.0.5"), namespace="other"),
        _pod("c", "10.0.0.9"),
    )
    endpoints = (
        Endpoint(addresses=("10.0.0.1",)),
        Endpoint(addresses=("10.0.0.3",), target_pod="c"),
        Endpoint(addresses=("10.0.0.9",), target_pod="gone"),
        Endpoint(addresses=("10.0.0.4",), target_pod="d", ready=False),
        Endpoint(addresses=("10.0.0.5",)),
    )
    snap = ClusterSnapshot(pods=pods, services=(SERVICE,), endpoint_slices=(_slice(*endpoints),))
    got = backend_pods(snap, SERVICE)
    assert got == scanned_backend_pods(snap, SERVICE)
    # "gone" falls back to its address, the second shop/c, which replaces the first.
    assert [(p.name, p.ips) for p in got] == [("b", ("10.0.0.1",)), ("c", ("10.0.0.9",))]
    not_ready_too = replace(SERVICE, publish_not_ready_addresses=True)
    assert backend_pods(snap, not_ready_too) == scanned_backend_pods(snap, not_ready_too)
    assert [p.name for p in backend_pods(snap, not_ready_too)] == ["b", "c", "d"]


def test_a_changed_snapshot_is_never_answered_from_the_old_index() -> None:
    snap = ClusterSnapshot(pods=(_pod("a", "10.0.0.1"), _pod("b", "10.0.0.2")), services=(SERVICE,))
    assert [p.name for p in backend_pods(snap, SERVICE)] == ["a", "b"]
    fewer = replace(snap, pods=snap.pods[:1])
    assert [p.name for p in backend_pods(fewer, SERVICE)] == ["a"]
    assert [p.name for p in backend_pods(snap, SERVICE)] == ["a", "b"]


def test_the_index_is_built_once_per_snapshot() -> None:
    snap = load_demo()
    backend_pods(snap, snap.services[0])
    index = backend_index(snap)
    for svc in snap.services:
        backend_pods(snap, svc)
    assert backend_index(snap) is index
    assert len(backend_index) <= backend_index.size
