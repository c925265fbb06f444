"""SnapshotBuilder: after any sequence of watch events, equal to a full rebuild.

Random bursts of ADDED/MODIFIED/DELETED events and re-lists (pods, services,
EndpointSlices, policies, namespaces, nodes, workloads, ConfigMaps — valid and
invalid variants of each, pending pods that get synthetic IPs, owners that go
missing, workloads that expand) go through the watch's :class:`Store`; after
every burst the builder's snapshot must equal ``live.build_snapshot`` of the
same objects — with the same warnings, skipped kinds and origins, which ``==``
does not compare.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from netdiag.cluster.model import ClusterSnapshot
from netdiag.sources import kubeapi
from netdiag.sources.changes import Store
from netdiag.sources.incremental import SnapshotBuilder
from netdiag.sources.live import build_snapshot

Obj = dict[str, Any]
Ident = tuple[str, str, str]  # kind, namespace, name

COREFILE = ".:53 {\n kubernetes corp.local in-addr.arpa {\n  pods verified\n }\n}\n"
BAD_COREFILE = ".:53 {\n kubernetes {\n  pods maybe\n }\n}\n"

UNIVERSE: tuple[Ident, ...] = (
    ("Namespace", "", "a"),
    ("Namespace", "", "b"),
    ("Namespace", "", "kube-system"),
    ("Node", "", "n1"),
    ("Node", "", "n2"),
    *(("Pod", ns, f"p{i}") for ns in ("a", "b") for i in range(4)),
    ("Pod", "kube-system", "calico-node-x"),
    ("Service", "a", "web"),
    ("Service", "b", "web"),
    ("Service", "a", "db"),
    ("Service", "kube-system", "kube-dns"),
    ("EndpointSlice", "a", "web-abc"),
    ("NetworkPolicy", "a", "np0"),
    ("NetworkPolicy", "b", "np1"),
    ("Deployment", "a", "web"),
    ("ReplicaSet", "a", "web-rs"),
    ("StatefulSet", "a", "db"),
    ("DaemonSet", "kube-system", "calico-node"),
    ("CronJob", "b", "cj"),
    ("Job", "b", "cj-1"),
    ("ConfigMap", "kube-system", "coredns"),
    ("ConfigMap", "kube-system", "netdiag-node-resolv-conf"),
)

_API_VERSIONS = {
    "Namespace": "v1", "Node": "v1", "Pod": "v1", "Service": "v1", "ConfigMap": "v1",
    "EndpointSlice": "discovery.k8s.io/v1", "NetworkPolicy": "networking.k8s.io/v1",
    "Deployment": "apps/v1", "ReplicaSet": "apps/v1", "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1", "CronJob": "batch/v1", "Job": "batch/v1",
}  # fmt: skip


def query_key(kind: str, name: str) -> str:
    """The watch query an object of ``kind`` arrives on (as in ``kubeapi.plan()``)."""
    for q in kubeapi.plan():
        if q.resource.kind == kind and q.name in (None, name):
            return q.key
    raise AssertionError(kind)


def _owner(kind: str, name: str) -> list[Obj]:
    return [{"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": True}]


def _template(app: str, v: int) -> Obj:
    ports = [{"containerPort": 8080 + v % 2, "name": "http"}]
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "c", "image": "example/app", "ports": ports}]},
    }


def pod(ns: str, name: str, v: int) -> Obj:
    meta: Obj = {"name": name, "namespace": ns, "labels": {"app": ("web", "db")[v % 2]}}
    if v % 3 == 1:
        meta["ownerReferences"] = _owner("StatefulSet", "db")
    elif v != 5:
        meta["ownerReferences"] = _owner("ReplicaSet", "web-rs")
    spec: Obj = {"nodeName": ("n1", "n2")[v % 2], **_template("x", v)["spec"]}
    if ns == "kube-system":
        spec["containers"][0]["image"] = ("calico/node:v3", "flannel:v1")[v % 2]
    status: Obj = {"phase": "Succeeded" if v == 5 else "Running"}
    if v == 6:
        spec["hostNetwork"] = True  # no IP: the node's address, when the node is known
    elif v == 4:
        status["podIP"] = "10.0.0.999"  # refused: a warning, the pod is left out
    elif v != 3:  # v == 3: pending, no IP yet -> a synthetic IP
        status["podIP"] = f"10.1.{v}.{len(name)}"
    if v == 7:
        spec["subdomain"], spec["hostname"] = "web", name
    return {"metadata": meta, "spec": spec, "status": status}


def service(ns: str, name: str, v: int) -> Obj:
    spec: Obj = {"clusterIP": f"10.96.0.{10 + v}", "ports": [{"port": 80, "targetPort": "http"}]}
    if v % 4 == 1:
        spec["selector"] = {"app": "web"}
    elif v % 4 == 2:
        spec["selector"] = {"app": "db"}
        spec["publishNotReadyAddresses"] = True
    elif v == 3:
        spec["clusterIP"] = "None"
    elif v == 7:
        spec = {"type": "ExternalName"}  # no externalName: refused with a warning
    return {"metadata": {"name": name, "namespace": ns}, "spec": spec}


def other(kind: str, ns: str, name: str, v: int) -> Obj:
    meta: Obj = {"name": name, **({"namespace": ns} if ns else {})}
    if kind == "Namespace":
        meta["labels"] = {"env": ("prod", "dev")[v % 2]} if v % 3 else {}
        return {"metadata": meta}
    if kind == "Node":
        taints = [{"key": "gpu", "effect": "NoSchedule"}] if v % 2 else []
        return {"metadata": meta, "spec": {"taints": taints},
                "status": {"addresses": [{"address": f"192.168.0.{v + 1}"}]}}  # fmt: skip
    if kind == "EndpointSlice":
        meta["labels"] = {"kubernetes.io/service-name": "web"}
        eps = [{"addresses": [f"10.1.0.{i}"], "targetRef": {"kind": "Pod", "name": f"p{i}"}}
               for i in range(v % 3)]  # fmt: skip
        return {"metadata": meta, "addressType": "IPv4", "endpoints": eps,
                "ports": [{"port": 8080, "name": ""}]}  # fmt: skip
    if kind == "NetworkPolicy":
        cidr = "10.0.0.0/33" if v == 7 else "10.0.0.0/8"  # /33: refused with a warning
        spec = {"podSelector": {"matchLabels": {"app": ("web", "db")[v % 2]}},
                "ingress": [{"from": [{"ipBlock": {"cidr": cidr}}]}]}  # fmt: skip
        return {"metadata": meta, "spec": spec}
    if kind == "ConfigMap":
        key = "Corefile" if name == "coredns" else "resolv.conf"
        text = (COREFILE, BAD_COREFILE, "")[v % 3] if key == "Corefile" else f"search s{v}.\n"
        return {"metadata": meta, "data": {key: text}}
    return workload(kind, meta, v)


def workload(kind: str, meta: Obj, v: int) -> Obj:
    spec: Obj = {"replicas": v % 3, "template": _template(meta["name"], v)}
    if kind == "ReplicaSet" and v % 2:
        # The same pods' top-level owner changes without the pods changing.
        meta["ownerReferences"] = _owner("Deployment", ("web", "web2")[v % 4 // 2])
    elif kind == "Job" and v % 2:
        meta["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "cj"}]
    elif kind == "StatefulSet":
        spec["serviceName"] = "db"
    elif kind == "CronJob":
        spec = {"jobTemplate": {"spec": {"template": _template("cj", v)}}}
    elif kind == "DaemonSet" and v % 2:
        meta["name"] = "node-local-dns"  # same key in the store: a rename, like a bad edit
    return {"metadata": meta, "spec": spec}


def make(ident: Ident, v: int) -> Obj:
    """A fresh object (as a watch event decodes one) for ``ident``, variant ``v``."""
    kind, ns, name = ident
    if kind == "Pod":
        obj = pod(ns, name, v)
    elif kind == "Service":
        obj = service(ns, name, v)
    else:
        obj = other(kind, ns, name, v)
    obj["metadata"].setdefault("name", name)
    return {"apiVersion": _API_VERSIONS[kind], "kind": kind, **obj}


def origins(snap: ClusterSnapshot) -> list[str]:
    groups = (snap.namespaces, snap.pods, snap.services, snap.endpoint_slices,
              snap.network_policies, snap.nodes, snap.workloads)  # fmt: skip
    return [o.origin for g in groups for o in g]


def assert_same(store: Store, builder: SnapshotBuilder) -> ClusterSnapshot:
    full = build_snapshot(list(store.objects()), source="t", incomplete=("x",))
    new = builder.build(store.objects(), source="t", incomplete=("x",))
    assert new == full
    assert new.warnings == full.warnings
    assert new.skipped_kinds == full.skipped_kinds
    assert new.incomplete == full.incomplete
    assert origins(new) == origins(full)
    return new


Event = tuple[Ident, str, int]
events = st.tuples(
    st.sampled_from(UNIVERSE), st.sampled_from(["MODIFIED", "DELETED"]), st.integers(0, 7)
)
relists = st.tuples(
    st.sampled_from(sorted({i[0] for i in UNIVERSE})),
    st.dictionaries(st.sampled_from(UNIVERSE), st.integers(0, 7), max_size=6),
)
bursts = st.lists(st.one_of(events, relists), min_size=1, max_size=5)


def apply(store: Store, item: Event | tuple[str, dict[Ident, int]]) -> Store:
    if len(item) == 3:
        ident, type_, v = item
        return store.apply(query_key(ident[0], ident[2]), type_, make(ident, v))[0]
    kind, chosen = item
    by_key: dict[str, list[Obj]] = {}
    for ident, v in chosen.items():
        if ident[0] == kind:
            by_key.setdefault(query_key(kind, ident[2]), []).append(make(ident, v))
    for key in {query_key(kind, i[2]) for i in UNIVERSE if i[0] == kind}:
        store = store.relist(key, by_key.get(key, []))[0]
    return store


@settings(max_examples=300, deadline=None)
@given(
    initial=st.dictionaries(st.sampled_from(UNIVERSE), st.integers(0, 7)),
    sequence=st.lists(bursts, min_size=1, max_size=8),
)
def test_every_burst_equals_a_full_rebuild(
    initial: dict[Ident, int], sequence: list[list[Any]]
) -> None:
    lists: dict[str, list[Obj]] = {q.key: [] for q in kubeapi.plan()}
    for ident, v in initial.items():
        lists[query_key(ident[0], ident[2])].append(make(ident, v))
    store = Store.from_lists(lists)
    builder = SnapshotBuilder()
    assert_same(store, builder)
    for burst in sequence:
        for item in burst:
            store = apply(store, item)
        assert_same(store, builder)


def test_only_changed_objects_are_parsed_again() -> None:
    lists: dict[str, list[Obj]] = {q.key: [] for q in kubeapi.plan()}
    for ident in UNIVERSE:
        lists[query_key(ident[0], ident[2])].append(make(ident, 0))
    store = Store.from_lists(lists)
    builder = SnapshotBuilder()
    first = assert_same(store, builder)
    assert builder.parsed_last == len(UNIVERSE)
    ident: Ident = ("Pod", "a", "p1")
    store, _ = store.apply(query_key("Pod", "p1"), "MODIFIED", make(ident, 2))
    second = assert_same(store, builder)
    assert builder.parsed_last == 1
    assert second != first
    store, _ = store.apply(query_key("Pod", "p1"), "DELETED", make(ident, 2))
    assert_same(store, builder)
    assert builder.parsed_last == 0


def test_unchanged_pods_are_the_same_objects_between_builds() -> None:
    """Pods whose owner is rewritten (ReplicaSet -> Deployment) are reused, not copied.

    Later snapshot comparisons (``new != old`` in the watch, the matrix diff)
    then short-cut on identity instead of comparing every pod field by field.
    """
    lists: dict[str, list[Obj]] = {q.key: [] for q in kubeapi.plan()}
    for ident in UNIVERSE:
        lists[query_key(ident[0], ident[2])].append(
            make(ident, 1 if ident[0] == "ReplicaSet" else 0)
        )
    store = Store.from_lists(lists)
    builder = SnapshotBuilder()
    first = assert_same(store, builder)
    owned = [p for p in first.pods if p.owner is not None and p.owner.kind == "Deployment"]
    assert owned, "the fixture has pods whose top-level owner is a Deployment"
    store, _ = store.apply(query_key("Pod", "p1"), "MODIFIED", make(("Pod", "a", "p1"), 2))
    second = assert_same(store, builder)
    again = {p.key: p for p in second.pods}
    assert all(again[p.key] is p for p in owned if p.key != "a/p1")


def test_a_pod_whose_top_level_owner_changes_without_the_pod_changing() -> None:
    """The ReplicaSet moves to another Deployment: the unchanged pod's owner follows."""
    store = Store.from_lists({q.key: [] for q in kubeapi.plan()})
    builder = SnapshotBuilder()
    ident: Ident = ("ReplicaSet", "a", "web-rs")
    store, _ = store.apply(query_key("Pod", "p0"), "ADDED", make(("Pod", "a", "p0"), 0))
    owners = []
    for v in (1, 3, 0, 7):  # owned by web, by web2, by nobody, by web2
        store, _ = store.apply(query_key("ReplicaSet", "web-rs"), "MODIFIED", make(ident, v))
        (p0,) = assert_same(store, builder).pods
        owners.append(p0.owner.name if p0.owner else "")
    assert owners == ["web", "web2", "web-rs", "web2"]
