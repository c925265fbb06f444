"""ND-DNS-009: NodeLocal DNSCache and egress policies that allow only the kube-dns pods."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from netdiag.audit.findings import Severity
from netdiag.audit.run import run_audit
from netdiag.cluster.model import CNIInfo
from netdiag.sources.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "reachname"


def _findings(mode: str, cni: CNIInfo | None = None):  # type: ignore[no-untyped-def]
    snap = load_manifests([str(ROOT / "_cluster"), str(ROOT / f"nodelocal-{mode}")])
    if cni is not None:
        snap = replace(snap, cni=cni)
    return [f for f in run_audit(snap) if f.check.id == "ND-DNS-009"]


def test_ipvs_mode_names_the_link_local_ipblock() -> None:
    (finding,) = _findings("ipvs")
    # admin has the ipBlock already: only the pods the rule misses are named.
    # 42 of app's 43 pods (client, web, big-0..39): not admin.
    assert "(+37 more)" in finding.message and "Pod app/admin" not in finding.objects
    assert "169.254.20.10 (ipvs mode)" in finding.message
    assert "ipBlock: {cidr: 169.254.20.10/32}" in finding.fix_yaml
    assert finding.effective_severity is Severity.ERROR  # Calico polices it


def test_iptables_mode_names_the_cluster_ip_the_pods_send_to() -> None:
    (finding,) = _findings("iptables")
    assert "ipBlock: {cidr: 10.96.0.10/32}" in finding.fix_yaml
    assert any("kube-dns pods on UDP 53 is allowed" in e for e in finding.evidence)


def test_without_a_cni_that_polices_host_traffic_it_is_a_warning() -> None:
    (finding,) = _findings("ipvs", CNIInfo())
    assert finding.effective_severity is Severity.WARNING
    assert any("implementation-defined" in e for e in finding.evidence)
