"""NodeLocal DNSCache detection: the DaemonSet's -localip, the ConfigMap's Corefile
(kubernetes/kubernetes cluster/addons/dns/nodelocaldns/nodelocaldns.yaml), the mode."""

from __future__ import annotations

from pathlib import Path

from netdiag.cluster.model import ClusterSnapshot
from netdiag.cluster.nodelocal import default_corefile, local_ips, nodelocal_cache, parse_zones
from netdiag.cluster.serialize import dump_json
from netdiag.dns.resolver.kubelet import pod_resolv_conf
from netdiag.sources.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "reachname"


def _snap(mode: str) -> ClusterSnapshot:
    return load_manifests([str(ROOT / "_cluster"), str(ROOT / f"nodelocal-{mode}")])


def test_iptables_mode_binds_the_cluster_ip_and_pods_keep_it() -> None:
    snap = _snap("iptables")
    nl = snap.dns.nodelocal
    assert nl is not None and nl.mode == "iptables"
    assert nl.binds == ("169.254.20.10", "10.96.0.10")
    assert nl.intercepts("10.96.0.10") and snap.dns.nodelocal_ip == "169.254.20.10"
    pod = snap.pod("app", "client")
    assert pod is not None
    assert pod_resolv_conf(snap, pod).resolv_conf.nameservers == ("10.96.0.10",)


def test_ipvs_mode_gives_pods_the_link_local_address() -> None:
    snap = _snap("ipvs")
    nl = snap.dns.nodelocal
    assert nl is not None and nl.mode == "ipvs" and nl.binds == ("169.254.20.10",)
    assert not nl.intercepts("10.96.0.10")
    pod = snap.pod("app", "client")
    assert pod is not None
    conf = pod_resolv_conf(snap, pod)
    assert conf.resolv_conf.nameservers == ("169.254.20.10",)
    assert "IPVS" in conf.origin


def test_placeholders_are_substituted_as_node_cache_does() -> None:
    snap = _snap("ipvs")
    nl = snap.dns.nodelocal
    assert nl is not None
    cluster = nl.zone_for("web.app.svc.cluster.local.")
    assert cluster is not None and cluster.zone == "cluster.local"
    # __PILLAR__CLUSTER__DNS__: the ClusterIP of -upstreamsvc kube-dns-upstream.
    assert cluster.forward == ("10.96.0.11",) and cluster.force_tcp
    assert (cluster.success_ttl, cluster.denial_ttl) == (30, 5)
    root = nl.zone_for("example.com.")
    assert root is not None and root.zone == "." and root.forward == ("/etc/resolv.conf",)
    assert (root.success_ttl, root.denial_ttl) == (30, 30) and not root.force_tcp
    reverse = nl.zone_for("10.0.96.10.in-addr.arpa.")
    assert reverse is not None and reverse.zone == "in-addr.arpa"


def test_unsubstituted_localip_and_missing_configmap_are_assumed_and_said() -> None:
    nl = nodelocal_cache(
        ["-localip", "__PILLAR__LOCAL__DNS__,__PILLAR__DNS__SERVER__"],
        "",
        cluster_domain="cluster.local",
        kube_dns_ips=("10.96.0.10",),
        service_ips={},
    )
    assert nl.local_ip == "169.254.20.10" and nl.mode == "iptables"
    assert nl.binds == ("169.254.20.10", "10.96.0.10")
    assert len(nl.notes) == 3
    # Without kube-dns-upstream, the cluster zone forwards to kube-dns itself.
    zone = nl.zone_for("a.cluster.local")
    assert zone is not None and zone.forward == ("10.96.0.10",)


def test_cache_without_ttl_uses_the_plugin_maxima() -> None:
    (z,) = parse_zones("example.org {\n  cache\n  forward . 1.1.1.1\n}\n")
    assert (z.success_ttl, z.denial_ttl, z.forward) == (3600, 1800, ("1.1.1.1",))


def test_localip_forms() -> None:
    assert local_ips(["-localip=169.254.25.10,10.96.0.10"]) == ("169.254.25.10", "10.96.0.10")
    assert local_ips(["--localip", "169.254.20.10"]) == ("169.254.20.10",)
    assert local_ips(["-conf", "/etc/Corefile"]) == ()


def test_default_corefile_has_the_upstream_blocks() -> None:
    zones = [z.zone for z in parse_zones(default_corefile())]
    assert zones == ["__pillar__dns__domain__", "in-addr.arpa", "ip6.arpa", "."]


def test_snapshot_round_trip_keeps_the_corefile(tmp_path: Path) -> None:
    snap = _snap("iptables")
    out = tmp_path / "out.json"
    out.write_text(dump_json(snap))
    again = load_manifests([str(out)])
    assert again.dns.nodelocal == snap.dns.nodelocal
    assert again.dns.nodelocal is not None and again.dns.nodelocal.corefile


def test_hostile_localip_values_fall_back_with_a_note() -> None:
    nl = nodelocal_cache(
        ["-localip", "not-an-ip\x1b[31m,10.96.0.10,also bad"],
        "x {\n cache {\n",  # unterminated blocks: read as far as they go
        cluster_domain="cluster.local",
        kube_dns_ips=("10.96.0.10",),
        service_ips={},
    )
    assert nl.local_ip == "169.254.20.10" and nl.binds == ("169.254.20.10", "10.96.0.10")
    assert any("not an address" in n for n in nl.notes)
    assert any("ignored" in n for n in nl.notes)
