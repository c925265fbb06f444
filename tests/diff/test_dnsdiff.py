"""DNS outcomes compared per namespace: shadowing, names that stop resolving, query cost."""

from __future__ import annotations

from dataclasses import replace

from netdiag.app.session import Session
from netdiag.app.source import Source
from netdiag.cluster.model import PodDNSConfig
from netdiag.cluster.whatif import Change, apply_change, parse_ref
from netdiag.diff.dnsdiff import diff_dns
from netdiag.dns.resolver.trace import trace_name
from netdiag.sources.demo import load_demo


def demo_zones(old: object, new: object) -> tuple[object, object]:
    """Both sides' zones as the application layer builds them (the demo's upstream)."""
    before = Session(Source(), old)  # type: ignore[arg-type]
    return before.zone(), before.with_snapshot(new).zone()  # type: ignore[arg-type]


def test_a_service_named_like_an_external_domain_shadows_it() -> None:
    snap = load_demo()
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "baidu", "namespace": "com"},
        "spec": {"clusterIP": "10.96.77.77", "ports": [{"port": 80}]},
    }
    after = apply_change(snap, Change(apply=((svc, "svc.yaml"),)))
    diff = diff_dns(snap, after, zones=demo_zones(snap, after))  # type: ignore[arg-type]
    shadowed = [c for c in diff.changes if c.kind == "shadowed" and c.name == "baidu.com"]
    assert shadowed, diff.changes
    (c,) = shadowed
    assert c.before.target == "external" and c.after.target == "service com/baidu"
    assert c.after.addresses == ("10.96.77.77",)
    # Every ClusterFirst pod walks the search path into the new Service; hostNetwork
    # pods use the node's resolver (kubelet: ClusterFirst falls back to Default).
    toolbox = trace_name(snap, "baidu.com", pod="default/toolbox")
    assert toolbox.resolv_conf.ndots == 5 and "default/toolbox" in c.pods
    host = [p.key for p in snap.pods if p.host_network]
    assert host and not set(host) & set(c.pods)


def test_deleting_a_service_stops_its_name_resolving() -> None:
    snap = load_demo()
    after = apply_change(snap, Change(delete=(parse_ref("svc/default/tke-six-six-six"),)))
    diff = diff_dns(snap, after, zones=demo_zones(snap, after))  # type: ignore[arg-type]
    stopped = {
        (c.name, ns) for c in diff.changes if c.kind == "stopped-resolving" for ns in c.namespaces
    }
    assert ("tke-six-six-six", "default") in stopped
    assert ("tke-six-six-six.default", "shop") in stopped
    # kube-system has its own tke-six-six-six: its pods still resolve the short name.
    assert ("tke-six-six-six", "kube-system") not in stopped


def test_lowering_ndots_changes_only_the_cost_of_external_names() -> None:
    snap = load_demo()
    pod = snap.pod("default", "toolbox")
    assert pod is not None
    cheap = replace(pod, dns_config=PodDNSConfig(options=(("ndots", "1"),)))
    after = replace(snap, pods=tuple(cheap if p is pod else p for p in snap.pods))
    diff = diff_dns(snap, after, zones=demo_zones(snap, after))  # type: ignore[arg-type]
    mine = [c for c in diff.changes if "default/toolbox" in c.pods]
    baidu = [c for c in mine if c.name == "baidu.com"]
    assert [c.kind for c in baidu] == ["cost"]
    assert baidu[0].after.queries < baidu[0].before.queries
    assert baidu[0].after.addresses == baidu[0].before.addresses
    # Nothing changed for the other pods of the namespace.
    assert all(c.pods == ("default/toolbox",) for c in mine)


def test_nothing_changed_nothing_traced() -> None:
    snap = load_demo()
    diff = diff_dns(snap, snap, zones=demo_zones(snap, snap))  # type: ignore[arg-type]
    assert diff.changes == () and diff.traced == 0


def test_a_deployment_rolled_out_with_ndots_1_only_changes_cost() -> None:
    snap = load_demo()
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {"labels": {"app": "api"}},
                "spec": {
                    "containers": [{"name": "api", "image": "api:2"}],
                    "dnsConfig": {"options": [{"name": "ndots", "value": "1"}]},
                },
            },
        },
    }
    after = apply_change(snap, Change(apply=((deployment, "api.yaml"),)))
    assert not {p.key for p in after.pods if p.owner and p.owner.name == "api"} & {
        p.key for p in snap.pods
    }, "the rollout gives the pods new names"
    diff = diff_dns(snap, after, zones=demo_zones(snap, after))  # type: ignore[arg-type]
    baidu = [c for c in diff.changes if c.name == "baidu.com"]
    assert [c.kind for c in baidu] == ["cost"]
    assert all(p.startswith("shop/api-") for p in baidu[0].pods)
    assert baidu[0].after.queries < baidu[0].before.queries
