"""snapshot_from_objects: lists, namespaces, expansion, synthetic IPs, slices, DNS, CNI."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.meta import NAMESPACE_NAME_LABEL
from netdiag.cluster.model import OwnerRef
from netdiag.errors import ManifestError


def build(*objs: dict[str, Any], keep_going: bool = False) -> Any:
    return snapshot_from_objects(
        [(o, f"t.yaml (document {i})") for i, o in enumerate(objs, 1)],
        source="test",
        keep_going=keep_going,
    )


def deployment(name: str, ns: str = "app", replicas: int = 2, **spec: Any) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}
                    ],
                    **spec,
                },
            },
        },
    }


def pod(name: str, ns: str = "app", ip: str | None = None, **meta: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": {"containers": [{"name": "c"}]},
    }
    if ip:
        obj["status"] = {"phase": "Running", "podIP": ip}
    return obj


def service(name: str, ns: str = "app", **spec: Any) -> dict[str, Any]:
    return {"kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def test_typed_lists_give_their_kind_to_items() -> None:
    snap = build(
        {"kind": "PodList", "items": [pod("a", ip="10.0.0.1") | {"kind": None}]},
        {
            "kind": "List",
            "items": [{"kind": "NamespaceList", "items": [{"metadata": {"name": "x"}}]}],
        },
    )
    assert [p.name for p in snap.pods] == ["a"]
    assert snap.namespace("x") is not None and snap.namespace("x").declared


def test_unknown_kinds_are_counted_and_skipped() -> None:
    snap = build(
        {"kind": "Secret", "metadata": {"name": "s"}},
        {"kind": "Secret"},
        {"kind": "Ingress", "metadata": {"name": "i"}},
    )
    assert snap.skipped_kinds == (("Ingress", 1), ("Secret", 2))


def test_referenced_namespaces_exist_undeclared_with_automatic_label() -> None:
    snap = build(pod("a", ns="ghost", ip="10.0.0.1"))
    ns = snap.namespace("ghost")
    assert ns is not None and not ns.declared
    assert ns.labels == {NAMESPACE_NAME_LABEL: "ghost"}


def test_deployment_expands_with_distinct_synthetic_ips() -> None:
    snap = build(deployment("web", replicas=3))
    pods = snap.pods
    assert len(pods) == 3
    assert all(p.synthetic and p.synthetic_ip for p in pods)
    assert all(p.owner == OwnerRef(kind="Deployment", name="web") for p in pods)
    ips = {p.ips[0] for p in pods}
    assert len(ips) == 3
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("100.64.0.0/10") for ip in ips)
    # Deterministic: the same input gives the same pods and IPs.
    assert build(deployment("web", replicas=3)).pods == pods


def test_workload_with_pods_is_not_expanded_and_owner_is_top_level() -> None:
    rs = {
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-5d9",
            "namespace": "app",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}],
        },
        "spec": {"replicas": 1, "template": {"spec": {"containers": []}}},
    }
    owned = pod(
        "web-5d9-abc",
        ip="10.0.0.7",
        ownerReferences=[{"kind": "ReplicaSet", "name": "web-5d9", "controller": True}],
    )
    snap = build(deployment("web"), rs, owned)
    assert [p.name for p in snap.pods] == ["web-5d9-abc"]
    assert snap.pods[0].owner == OwnerRef(kind="Deployment", name="web")
    assert not snap.pods[0].synthetic_ip


def test_owner_by_name_prefix_when_replicaset_missing() -> None:
    owned = pod(
        "web-5d9-abc",
        ip="10.0.0.7",
        ownerReferences=[{"kind": "ReplicaSet", "name": "web-5d9", "controller": True}],
    )
    snap = build(deployment("web"), owned)
    assert snap.pods[0].owner == OwnerRef(kind="Deployment", name="web")
    assert len(snap.pods) == 1


def test_statefulset_ordinals_hostname_subdomain() -> None:
    sts = {
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "app"},
        "spec": {
            "replicas": 2,
            "serviceName": "db-hl",
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": []}},
        },
    }
    snap = build(sts)
    assert [(p.name, p.hostname, p.subdomain) for p in snap.pods] == [
        ("db-0", "db-0", "db-hl"),
        ("db-1", "db-1", "db-hl"),
    ]


def test_daemonset_one_pod_per_schedulable_node() -> None:
    nodes = [
        {
            "kind": "Node",
            "metadata": {"name": "n1"},
            "status": {
                "addresses": [
                    {"type": "Hostname", "address": "n1"},
                    {"type": "InternalIP", "address": "10.9.0.1"},
                ]
            },
        },
        {
            "kind": "Node",
            "metadata": {"name": "gpu"},
            "spec": {"taints": [{"key": "gpu", "effect": "NoSchedule"}]},
        },
    ]
    ds = {
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "kube-system"},
        "spec": {"template": {"spec": {"hostNetwork": True, "containers": []}}},
    }
    tolerant = {
        "kind": "DaemonSet",
        "metadata": {"name": "all", "namespace": "kube-system"},
        "spec": {"template": {"spec": {"tolerations": [{"operator": "Exists"}], "containers": []}}},
    }
    snap = build(*nodes, ds, tolerant)
    assert [p.name for p in snap.pods] == ["agent-n1", "all-gpu", "all-n1"]
    agent = snap.pods[0]
    # hostNetwork: the node's address, not an invented one.
    assert agent.ips == ("10.9.0.1",) and not agent.synthetic_ip and agent.synthetic
    assert build(ds).pods[0].name == "agent-0"  # no nodes: one pod


def test_cronjob_expands_from_job_template_once() -> None:
    cj = {
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "b"},
        "spec": {
            "schedule": "@daily",
            "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}},
        },
    }
    job = {
        "kind": "Job",
        "metadata": {
            "name": "nightly-123",
            "namespace": "b",
            "ownerReferences": [{"kind": "CronJob", "name": "nightly", "controller": True}],
        },
        "spec": {"template": {"spec": {"containers": []}}},
    }
    snap = build(cj, job)
    assert len(snap.pods) == 1
    assert snap.pods[0].owner == OwnerRef(kind="CronJob", name="nightly")


def test_pod_without_status_ip_gets_synthetic_ip() -> None:
    snap = build(pod("bare"), pod("real", ip="10.0.0.9"))
    bare, real = snap.pods
    assert bare.synthetic_ip and not bare.synthetic and bare.ips
    assert not real.synthetic_ip


def test_derived_slices_ready_hostname_named_target_ports() -> None:
    objs = [
        service(
            "db",
            clusterIP="None",
            selector={"app": "db"},
            ports=[{"port": 5432, "targetPort": "pg", "name": "pg"}],
        ),
        {
            "kind": "Pod",
            "metadata": {"name": "db-0", "namespace": "app", "labels": {"app": "db"}},
            "spec": {
                "hostname": "db-0",
                "subdomain": "db",
                "containers": [{"name": "c", "ports": [{"containerPort": 5432, "name": "pg"}]}],
            },
            "status": {"podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "True"}]},
        },
        {
            "kind": "Pod",
            "metadata": {"name": "db-1", "namespace": "app", "labels": {"app": "db"}},
            "spec": {
                "hostname": "db-1",
                "subdomain": "other",
                "containers": [{"name": "c", "ports": [{"containerPort": 6432, "name": "pg"}]}],
            },
            "status": {"podIP": "10.0.0.2", "conditions": [{"type": "Ready", "status": "False"}]},
        },
        {
            "kind": "Pod",
            "metadata": {"name": "done", "namespace": "app", "labels": {"app": "db"}},
            "spec": {},
            "status": {"podIP": "10.0.0.3", "phase": "Succeeded"},
        },
    ]
    snap = build(*objs)
    slices = snap.slices_for(snap.service("app", "db"))
    assert all(s.derived for s in slices)
    by_port = {s.ports[0].port: s for s in slices}
    assert set(by_port) == {5432, 6432}  # targetPort names resolve per pod
    ep0 = by_port[5432].endpoints[0]
    assert (ep0.addresses, ep0.ready, ep0.hostname, ep0.target_pod) == (
        ("10.0.0.1",),
        True,
        "db-0",
        "db-0",
    )
    ep1 = by_port[6432].endpoints[0]
    assert (ep1.ready, ep1.hostname) == (False, "")  # subdomain differs: no hostname


def test_publish_not_ready_addresses() -> None:
    snap = build(
        service("s", selector={"app": "x"}, publishNotReadyAddresses=True, ports=[{"port": 80}]),
        {
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "app", "labels": {"app": "x"}},
            "spec": {},
            "status": {"podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "False"}]},
        },
    )
    assert snap.endpoint_slices[0].endpoints[0].ready


def test_endpoint_slices_win_over_legacy_endpoints() -> None:
    eps = {
        "kind": "Endpoints",
        "metadata": {"name": "s", "namespace": "app"},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}],
    }
    slice_ = {
        "kind": "EndpointSlice",
        "metadata": {
            "name": "s-x",
            "namespace": "app",
            "labels": {"kubernetes.io/service-name": "s"},
        },
        "endpoints": [{"addresses": ["10.0.0.2"]}],
        "ports": [{"port": 80}],
    }
    snap = build(service("s", ports=[{"port": 80}]), eps, slice_)
    assert [s.name for s in snap.endpoint_slices] == ["s-x"]
    assert [s.name for s in build(service("s", ports=[{"port": 80}]), eps).endpoint_slices] == ["s"]


def test_cluster_dns_from_objects() -> None:
    corefile = ".:53 {\n kubernetes corp.local in-addr.arpa {\n  pods verified\n }\n}\n"
    snap = build(
        {
            "kind": "ConfigMap",
            "metadata": {"name": "coredns", "namespace": "kube-system"},
            "data": {"Corefile": corefile},
        },
        {
            "kind": "ConfigMap",
            "metadata": {"name": "netdiag-node-resolv-conf", "namespace": "kube-system"},
            "data": {"resolv.conf": "search lan\nnameserver 10.0.0.2\n"},
        },
        service(
            "kube-dns",
            ns="kube-system",
            clusterIPs=["10.96.0.10", "fd00::a"],
            clusterIP="10.96.0.10",
        ),
        {
            "kind": "DaemonSet",
            "metadata": {"name": "node-local-dns", "namespace": "kube-system"},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": "c", "args": ["-localip=169.254.25.10,10.96.0.10"]}]
                    }
                }
            },
        },
    )
    dns = snap.dns
    assert dns.cluster_domain == "corp.local" and dns.corefile_present
    assert dns.kubernetes.pods == "verified"
    assert dns.dns_ips == ("10.96.0.10", "fd00::a")
    assert dns.nodelocal_ip == "169.254.25.10"
    assert dns.node_resolv_conf.startswith("search lan")


def test_cluster_dns_defaults() -> None:
    dns = build().dns
    assert not dns.corefile_present and dns.kubernetes.pods == "insecure"
    assert dns.dns_ips == () and dns.nodelocal_ip is None and dns.cluster_domain == "cluster.local"


def test_bad_corefile_is_a_manifest_error() -> None:
    cm = {
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": ".:53 {\n kubernetes {\n  pods maybe\n }\n}\n"},
    }
    with pytest.raises(
        ManifestError, match=r"ConfigMap kube-system/coredns: data.Corefile: line 3"
    ):
        build(cm)
    assert not build(cm, keep_going=True).dns.corefile_present


def ds(name: str, image: str) -> dict[str, Any]:
    return {
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}},
    }


@pytest.mark.parametrize(
    ("objs", "plugins", "enforces"),
    [
        ([ds("kube-flannel-ds", "flannel/flannel:v0.25")], ("flannel",), False),
        ([ds("canal", "calico/node:v3"), ds("x", "flannel/flannel")], ("canal",), True),
        ([ds("calico-node", "calico/node:v3.28")], ("calico",), True),
        ([ds("cilium", "quay.io/cilium/cilium:v1.16")], ("cilium",), True),
        ([ds("weave-net", "weaveworks/weave-kube")], ("weave",), True),
        ([ds("kube-proxy", "registry.k8s.io/kube-proxy")], (), None),
    ],
)
def test_cni_detection(
    objs: list[dict[str, Any]], plugins: tuple[str, ...], enforces: bool | None
) -> None:
    cni = build(*objs).cni
    assert (cni.plugins, cni.enforces_network_policy) == (plugins, enforces)


def test_keep_going_reports_bad_objects_and_loads_the_rest() -> None:
    bad = service("bad", ports=[{"port": "http"}])
    with pytest.raises(ManifestError, match="Service app/bad: spec.ports"):
        build(bad, pod("ok", ip="10.0.0.1"))
    snap = build(
        bad,
        pod("ok", ip="10.0.0.1"),
        {"kind": "List", "items": [{"metadata": {}}]},
        keep_going=True,
    )
    assert [p.name for p in snap.pods] == ["ok"]
    assert len(snap.warnings) == 2
    assert snap.warnings[0].startswith("t.yaml (document 1): Service app/bad: spec.ports[0].port:")
    assert "items[0]: object has no 'kind'" in snap.warnings[1]


def test_everything_is_sorted() -> None:
    snap = build(
        pod("b", ns="z", ip="10.0.0.1"),
        pod("a", ns="z", ip="10.0.0.2"),
        pod("c", ns="a", ip="10.0.0.3"),
        service("y"),
        service("x"),
    )
    assert [p.key for p in snap.pods] == ["a/c", "z/a", "z/b"]
    assert [s.name for s in snap.services] == ["x", "y"]
    assert [n.name for n in snap.namespaces] == ["a", "app", "z"]


def test_nodelocal_localip_forms() -> None:
    def nodelocal(container: dict[str, Any]) -> str | None:
        ds = {
            "kind": "DaemonSet",
            "metadata": {"name": "node-local-dns", "namespace": "kube-system"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", **container}]}}},
        }
        return build(ds).dns.nodelocal_ip

    assert nodelocal({"args": ["-localip", "169.254.20.11,10.96.0.10"]}) == "169.254.20.11"
    assert nodelocal({"command": ["/node-cache", "--localip=169.254.20.12"]}) == "169.254.20.12"
    assert nodelocal({}) == "169.254.20.10"  # the nodelocaldns.yaml default
    with pytest.raises(ManifestError, match=r"containers\[0\].args: must be a list"):
        nodelocal({"args": "-localip 1.2.3.4"})


def test_expansion_limited_to_namespaces() -> None:
    objs = [(deployment("web", ns="shop"), "a"), (deployment("coredns", ns="kube-system"), "b")]
    snap = snapshot_from_objects(objs, source="t", expand_namespaces={"shop"})
    assert {p.namespace for p in snap.pods} == {"shop"}
    assert len(snap.workloads) == 2
