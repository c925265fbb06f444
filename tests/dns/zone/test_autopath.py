"""CoreDNS ``autopath @kubernetes``: Corefile detection, the zone's answers, the
trace, and netdiag's real server answering by the client's source IP (checked
with dnspython and real ``dig`` over loopback)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from netdiag.cluster.corefile import parse_corefile
from netdiag.cluster.model import (
    ClusterDNS,
    ClusterSnapshot,
    CorefileKubernetes,
    Namespace,
    Pod,
    Service,
    ServicePort,
)
from netdiag.dns.records import Rcode, Record
from netdiag.dns.resolver.trace import trace_name
from netdiag.dns.server.loop import DnsServer
from netdiag.dns.zone.cluster import ClusterZone
from netdiag.dns.zone.upstream import UpstreamZone
from tests.helpers import require_tool, run_cli

COREFILE = """.:53 {
    errors
    autopath @kubernetes
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods verified
       fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
}
"""
K8S = CorefileKubernetes(zones=("cluster.local",), pods="verified", autopath=True)
PORTS = (ServicePort(port=80, name="http"),)


def snapshot(k8s: CorefileKubernetes = K8S) -> ClusterSnapshot:
    return ClusterSnapshot(
        namespaces=(Namespace(name="default"), Namespace(name="kube-system")),
        pods=(
            # The client the real-server tests send from (loopback is a pod here).
            Pod(namespace="default", name="client", ips=("127.0.0.1",)),
            Pod(
                namespace="default",
                name="node-agent",
                ips=("127.0.0.3",),
                host_network=True,
                dns_policy="ClusterFirstWithHostNet",
            ),
        ),
        services=(
            Service(namespace="default", name="six", cluster_ips=("10.96.6.66",), ports=PORTS),
            Service(namespace="kube-system", name="six", cluster_ips=("10.96.7.77",), ports=PORTS),
            Service(
                namespace="kube-system", name="kube-dns", cluster_ips=("10.96.0.10",), ports=PORTS
            ),
        ),
        dns=ClusterDNS(dns_ips=("10.96.0.10",), kubernetes=k8s),
    )


def zone(k8s: CorefileKubernetes = K8S) -> ClusterZone:
    records = [
        Record(name="baidu.com.", type="SOA", ttl=60, data="ns.baidu.com. h.baidu.com. 1 2 3 4 5"),
        Record(name="baidu.com.", type="A", ttl=60, data="39.156.66.10"),
    ]
    return ClusterZone(snapshot(k8s), UpstreamZone.build(records, source="test"))


def test_corefile_autopath_needs_the_kubernetes_form_in_the_same_server_block() -> None:
    block = parse_corefile(COREFILE)
    assert block is not None and block.autopath and block.pods == "verified"
    as_file = parse_corefile(COREFILE.replace("@kubernetes", "/etc/resolv.conf"))
    assert as_file is not None and not as_file.autopath
    elsewhere = parse_corefile(
        COREFILE.replace("    autopath @kubernetes\n", "")
        + "other:53 {\n  autopath @kubernetes\n}\n"
    )
    assert elsewhere is not None and not elsewhere.autopath


def test_zone_completes_the_search_path_with_a_cname() -> None:
    answer = zone().query("baidu.com.default.svc.cluster.local.", "A", "default")
    assert answer.rcode is Rcode.NOERROR
    assert [(r.type, r.name, r.data) for r in answer.answers] == [
        ("CNAME", "baidu.com.default.svc.cluster.local.", "baidu.com."),
        ("A", "baidu.com.", "39.156.66.10"),
    ]
    # svc.<zone> comes second: the other namespace's service, through a CNAME.
    other = zone().query("six.kube-system.default.svc.cluster.local.", "A", "default")
    assert [r.data for r in other.answers] == ["six.kube-system.svc.cluster.local.", "10.96.7.77"]


def test_zone_leaves_other_questions_and_total_misses_alone() -> None:
    z = zone()
    # Not under the client's first search element: the plugin chain as usual.
    assert z.query("baidu.com.svc.cluster.local.", "A", "default").rcode is Rcode.NXDOMAIN
    # Under another namespace's element: not this client's path.
    assert z.query("baidu.com.kube-system.svc.cluster.local.", "A", "default").rcode is (
        Rcode.NXDOMAIN
    )
    # Everything NXDOMAIN: the first reply goes back as is.
    assert z.query("nope.default.svc.cluster.local.", "A", "default").rcode is Rcode.NXDOMAIN
    # No client (dns query, a non-pod source): no autopath.
    assert z.query("baidu.com.default.svc.cluster.local.", "A").rcode is Rcode.NXDOMAIN


def test_nodata_stops_the_walk_without_a_cname() -> None:
    # six.default.svc... has A only: the AAAA question stops at its NODATA.
    answer = zone().query("six.default.svc.cluster.local.", "AAAA", "default")
    assert answer.rcode is Rcode.NOERROR and answer.answers == ()


def test_autopath_needs_pods_verified() -> None:
    insecure = replace(K8S, pods="insecure")
    z = zone(insecure)
    assert not z.autopath
    assert z.query("baidu.com.default.svc.cluster.local.", "A", "default").rcode is (Rcode.NXDOMAIN)
    trace = trace_name(snapshot(insecure), "baidu.com", namespace="default", zone=z)
    assert trace.cost.queries == 8 and trace.queries[0].rcode is Rcode.NXDOMAIN
    assert any("needs 'pods verified'" in n for n in trace.notes)


def test_trace_from_a_pod_costs_one_round_trip() -> None:
    trace = trace_name(snapshot(), "baidu.com", namespace="default", zone=zone())
    assert [(q.name, q.type) for q in trace.queries] == [
        ("baidu.com.default.svc.cluster.local.", "A"),
        ("baidu.com.default.svc.cluster.local.", "AAAA"),
    ]
    assert trace.resolved and trace.cost.nxdomains == 0
    assert trace.target is not None and trace.target.kind == "external"
    assert any("autopath" in n and "pods in default" in n for n in trace.notes)
    for resolver in ("musl", "go"):
        other = trace_name(
            snapshot(), "baidu.com", namespace="default", resolver=resolver, zone=zone()
        )
        assert other.resolved and other.cost.queries == 2, resolver


def test_no_autopath_for_a_hostnetwork_pod() -> None:
    trace = trace_name(snapshot(), "baidu.com", pod="default/node-agent", zone=zone())
    assert trace.cost.queries > 2 and trace.queries[0].rcode is Rcode.NXDOMAIN
    assert any("hostNetwork pod" in n for n in trace.notes)


def test_no_autopath_for_a_given_resolv_conf() -> None:
    from netdiag.dns.resolver.resolvconf import parse

    conf = parse("nameserver 10.96.0.10\nsearch default.svc.cluster.local\noptions ndots:5\n")
    trace = trace_name(snapshot(), "baidu.com", namespace="default", resolv_conf=conf, zone=zone())
    assert trace.queries[0].rcode is Rcode.NXDOMAIN
    assert any("given resolv.conf" in n for n in trace.notes)


@pytest.fixture(scope="module")
def server() -> Iterator[DnsServer]:
    with DnsServer(zone(), [("127.0.0.1", 0)], cache=True) as s:
        yield s


@pytest.mark.system
def test_real_server_answers_a_pod_source_with_autopath(server: DnsServer) -> None:
    import dns.message
    import dns.query

    host, port = server.addresses[0]
    q = dns.message.make_query("baidu.com.default.svc.cluster.local.", "A")
    from_pod = dns.query.udp(q, host, port=port, timeout=3, source="127.0.0.1")
    assert [rr.to_text().split()[-1] for rr in from_pod.answer] == ["baidu.com.", "39.156.66.10"]
    # Another source is not a pod: no autopath (the cached reply is per namespace).
    other = dns.query.udp(q, host, port=port, timeout=3, source="127.0.0.2")
    assert other.rcode() == dns.rcode.NXDOMAIN
    again = dns.query.udp(q, host, port=port, timeout=3, source="127.0.0.1")
    assert len(again.answer) == 2


@pytest.mark.system
def test_real_dig_sees_the_cname(server: DnsServer) -> None:
    dig = require_tool("dig")
    host, port = server.addresses[0]
    out = subprocess.run(
        [
            dig,
            f"@{host}",
            "-p",
            str(port),
            "-b",
            "127.0.0.1",
            "+time=2",
            "+tries=1",
            "+noall",
            "+answer",
            "baidu.com.default.svc.cluster.local",
            "A",
        ],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    assert "CNAME baidu.com." in out.replace("\t", " ") and "39.156.66.10" in out


@pytest.mark.system
def test_live_trace_against_the_server_matches_the_model(server: DnsServer, tmp_path: Path) -> None:
    """`resolve --backend live` from the pod's address sends what the model predicts."""
    host, port = server.addresses[0]
    model = trace_name(snapshot(), "baidu.com", pod="default/client", zone=zone())
    conf = tmp_path / "resolv.conf"
    conf.write_text(
        "nameserver 10.96.0.10\n"
        "search default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
    )
    args = ["resolve", "baidu.com", "--resolv-conf", str(conf), "-o", "json"]
    result = run_cli([*args, "--nameserver", f"{host}:{port}"])
    assert result.exit_code == 0, result.stderr
    live = [(q["name"], q["type"]) for q in json.loads(result.stdout)["queries"]]
    assert live == [(q.name, q.type) for q in model.queries]


def test_no_autopath_behind_nodelocal_dnscache() -> None:
    behind = replace(snapshot(), dns=replace(snapshot().dns, nodelocal_ip="169.254.20.10"))
    z = ClusterZone(behind, zone().upstream)
    trace = trace_name(behind, "baidu.com", namespace="default", zone=z)
    assert trace.queries[0].rcode is Rcode.NXDOMAIN
    assert any("NodeLocal DNSCache (169.254.20.10)" in n for n in trace.notes)
