"""The bundled demo cluster: the seed article's scenario, usable from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from netdiag.sources.demo import demo_upstream_zone, load_demo

ROOT = Path(__file__).resolve().parents[2]


def test_tke_six_six_six_in_two_namespaces_with_different_ips() -> None:
    snap = load_demo()
    default = snap.service("default", "tke-six-six-six")
    system = snap.service("kube-system", "tke-six-six-six")
    assert default is not None and system is not None
    assert default.cluster_ips != system.cluster_ips
    for svc in (default, system):
        (slice_,) = snap.slices_for(svc)
        assert slice_.endpoints and all(e.ready for e in slice_.endpoints)


def test_kube_dns_and_corefile() -> None:
    snap = load_demo()
    kube_dns = snap.service("kube-system", "kube-dns")
    assert kube_dns is not None and kube_dns.cluster_ips == ("10.96.0.10",)
    assert [(p.name, p.port, p.protocol.value) for p in kube_dns.ports] == [
        ("dns", 53, "UDP"),
        ("dns-tcp", 53, "TCP"),
        ("metrics", 9153, "TCP"),
    ]
    assert len(snap.slices_for(kube_dns)[0].endpoints) == 2
    dns = snap.dns
    assert dns.dns_ips == ("10.96.0.10",) and dns.corefile_present
    assert (dns.kubernetes.pods, dns.kubernetes.ttl) == ("insecure", 30)
    assert dns.kubernetes.fallthrough == ("in-addr.arpa", "ip6.arpa")
    # One node search domain: the pod search line has 3 cluster entries + this one.
    assert "search localdomain" in dns.node_resolv_conf
    assert "nameserver" in dns.node_resolv_conf


def test_apps_policies_and_cni() -> None:
    snap = load_demo()
    assert {ns.name for ns in snap.namespaces} >= {"default", "kube-system", "shop", "monitoring"}
    names = {p.key for p in snap.network_policies}
    assert "shop/default-deny" in names and "shop/allow-dns-egress" in names
    deny = next(p for p in snap.network_policies if p.name == "default-deny")
    assert deny.pod_selector.is_empty and deny.effective_policy_types == {"Ingress", "Egress"}
    assert any(
        peer.ip_block
        for p in snap.network_policies
        for r in p.ingress + p.egress
        for peer in r.peers
    )
    assert snap.cni.enforces_network_policy is True
    assert any(p.synthetic_ip for p in snap.pods) and any(not p.synthetic_ip for p in snap.pods)
    db = [p for p in snap.pods if p.namespace == "shop" and p.name.startswith("db-")]
    assert [(p.hostname, p.subdomain) for p in db] == [("db-0", "db"), ("db-1", "db")]
    assert any(s.type == "ExternalName" for s in snap.services)
    gpu = next(n for n in snap.nodes if n.taints)
    assert gpu.labels.get("nvidia.com/gpu.present") == "true"
    assert snap.warnings == () and snap.skipped_kinds == ()


def test_upstream_zone_parses_with_dnspython() -> None:
    import dns.rdatatype
    import dns.zone

    zone = dns.zone.from_text(demo_upstream_zone(), origin=".", relativize=False)

    def rrset(name: str, rtype: str) -> list[str]:
        node = zone.get_rdataset(name, rtype)
        return sorted(r.to_text() for r in node) if node else []

    assert rrset("baidu.com.", "A") and rrset("baidu.com.", "AAAA")
    assert rrset("www.baidu.com.", "CNAME") == ["www.a.shifen.com."]
    assert rrset("www.a.shifen.com.", "A") and rrset("www.a.shifen.com.", "AAAA")
    assert rrset(".", "SOA") and rrset("gateway.localdomain.", "A") == ["10.0.0.1"]
    assert zone.get_node("baidu.com.localdomain.") is None  # NXDOMAIN, authoritatively


def test_demo_works_from_another_directory(tmp_path: Path) -> None:
    code = (
        "from netdiag.sources.demo import load_demo, demo_upstream_zone;"
        "s = load_demo(); print(len(s.pods), 'baidu.com.' in demo_upstream_zone())"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split()[1] == "True" and int(out.stdout.split()[0]) > 10
