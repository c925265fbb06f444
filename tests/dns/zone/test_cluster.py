"""The cluster zone against CoreDNS's kubernetes plugin and the DNS spec 1.1.0."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer
from netdiag.dns.zone.builders import reverse_to_ip
from netdiag.dns.zone.cluster import ClusterZone
from tests.dns.zonefixtures import snapshot, upstream

Z = "cluster.local."


@pytest.fixture(scope="module")
def zone() -> ClusterZone:
    return ClusterZone(snapshot(), upstream())


def data(zone: ClusterZone, name: str, rtype: str = "A") -> list[str]:
    return [r.data for r in zone.query(name, rtype).answers]


def rcode(zone: ClusterZone, name: str, rtype: str = "A") -> Rcode:
    return zone.query(name, rtype).rcode


def test_clusterip_service_answers_its_ip(zone: ClusterZone) -> None:
    answer = zone.query("web.default.svc.cluster.local", "A")
    assert answer.rcode is Rcode.NOERROR and answer.authoritative
    assert [str(r) for r in answer.answers] == ["web.default.svc.cluster.local. 30 IN A 10.96.0.20"]
    assert answer.target == Target(kind="service", namespace="default", name="web")


def test_same_short_name_in_two_namespaces_are_different_answers(zone: ClusterZone) -> None:
    assert data(zone, "web.other.svc.cluster.local") == ["10.96.1.20"]


def test_other_family_is_nodata_with_soa(zone: ClusterZone) -> None:
    answer = zone.query("web.default.svc.cluster.local", "AAAA")
    assert answer.is_nodata
    assert [r.type for r in answer.authority] == ["SOA"]
    assert answer.authority[0].data.startswith("ns.dns.cluster.local. hostmaster.cluster.local.")


def test_dual_stack_answers_by_family(zone: ClusterZone) -> None:
    assert data(zone, "dual.default.svc.cluster.local", "A") == ["10.96.0.21"]
    assert data(zone, "dual.default.svc.cluster.local", "AAAA") == ["fd00:96::21"]
    assert zone.query("v6only.default.svc.cluster.local", "A").is_nodata
    assert data(zone, "v6only.default.svc.cluster.local", "AAAA") == ["fd00:96::22"]


def test_clusterip_without_endpoints_still_answers(zone: ClusterZone) -> None:
    assert data(zone, "empty.default.svc.cluster.local") == ["10.96.0.23"]


def test_ignore_empty_service_makes_it_nxdomain() -> None:
    z = ClusterZone(snapshot(ignore_empty_service=True))
    assert rcode(z, "empty.default.svc.cluster.local") is Rcode.NXDOMAIN
    assert data(z, "web.default.svc.cluster.local") == ["10.96.0.20"]


def test_clusterip_without_ports_is_nxdomain(zone: ClusterZone) -> None:
    # findServices sets err = nil only inside the loop over svc.Ports.
    assert rcode(zone, "noports.default.svc.cluster.local") is Rcode.NXDOMAIN


def test_headless_answers_ready_endpoints_only(zone: ClusterZone) -> None:
    assert data(zone, "db.default.svc.cluster.local") == ["10.244.1.10", "10.244.1.11"]


def test_headless_without_endpoints_is_nxdomain(zone: ClusterZone) -> None:
    assert rcode(zone, "nohosts.default.svc.cluster.local") is Rcode.NXDOMAIN
    assert rcode(zone, "nohosts.default.svc.cluster.local", "AAAA") is Rcode.NXDOMAIN


def test_publish_not_ready_addresses(zone: ClusterZone) -> None:
    assert data(zone, "pnr.default.svc.cluster.local") == ["10.244.1.30"]


def test_endpoint_hostname_record(zone: ClusterZone) -> None:
    answer = zone.query("db-0.db.default.svc.cluster.local", "A")
    assert [r.data for r in answer.answers] == ["10.244.1.10"]
    assert answer.target == Target(kind="pod", namespace="default", name="db-0")


def test_endpoint_without_hostname_is_reachable_by_dashed_ip(zone: ClusterZone) -> None:
    assert data(zone, "10-244-1-11.db.default.svc.cluster.local") == ["10.244.1.11"]
    assert rcode(zone, "db-1.db.default.svc.cluster.local") is Rcode.NXDOMAIN


def test_endpoint_pod_names_option() -> None:
    z = ClusterZone(snapshot(endpoint_pod_names=True))
    assert data(z, "db-1.db.default.svc.cluster.local") == ["10.244.1.11"]


def test_hostname_needs_subdomain_equal_to_service_name(zone: ClusterZone) -> None:
    # Spec 1.1.0 §2.4.1: the pod's subdomain ("nomatch") is not the service name.
    assert rcode(zone, "stray.elsewhere.other.svc.cluster.local") is Rcode.NXDOMAIN
    assert data(zone, "10-244-2-5.elsewhere.other.svc.cluster.local") == ["10.244.2.5"]


def test_srv_for_named_port(zone: ClusterZone) -> None:
    answer = zone.query("_http._tcp.web.default.svc.cluster.local", "SRV")
    assert [r.data for r in answer.answers] == ["0 100 80 web.default.svc.cluster.local."]
    assert [(r.name, r.data) for r in answer.additional] == [
        ("web.default.svc.cluster.local.", "10.96.0.20")
    ]


def test_srv_protocol_must_match(zone: ClusterZone) -> None:
    assert data(zone, "_dns._udp.web.default.svc.cluster.local", "SRV") == [
        "0 100 53 web.default.svc.cluster.local."
    ]
    assert rcode(zone, "_dns._tcp.web.default.svc.cluster.local", "SRV") is Rcode.NXDOMAIN
    assert rcode(zone, "_nope._tcp.web.default.svc.cluster.local", "SRV") is Rcode.NXDOMAIN


def test_plain_srv_lists_every_port_with_shared_weight(zone: ClusterZone) -> None:
    assert data(zone, "web.default.svc.cluster.local", "SRV") == [
        "0 50 80 web.default.svc.cluster.local.",
        "0 50 53 web.default.svc.cluster.local.",
    ]


def test_headless_srv_targets_endpoint_names(zone: ClusterZone) -> None:
    answer = zone.query("_pg._tcp.db.default.svc.cluster.local", "SRV")
    assert [r.data for r in answer.answers] == [
        "0 50 5432 db-0.db.default.svc.cluster.local.",
        "0 50 5432 10-244-1-11.db.default.svc.cluster.local.",
    ]
    assert [r.data for r in answer.additional] == ["10.244.1.10", "10.244.1.11"]


def test_srv_skips_portless_endpoints_but_a_answers(zone: ClusterZone) -> None:
    assert zone.query("portless.default.svc.cluster.local", "SRV").is_nodata
    assert data(zone, "portless.default.svc.cluster.local") == ["10.244.1.40"]


def test_externalname_is_a_cname_chased_into_the_upstream(zone: ClusterZone) -> None:
    answer = zone.query("ext.default.svc.cluster.local", "A")
    assert [(r.type, r.data) for r in answer.answers] == [
        ("CNAME", "www.baidu.com."),
        ("CNAME", "www.a.shifen.com."),
        ("A", "110.242.68.3"),
    ]
    assert answer.target == Target(kind="service", namespace="default", name="ext")


def test_externalname_cname_query_and_srv(zone: ClusterZone) -> None:
    assert data(zone, "ext.default.svc.cluster.local", "CNAME") == ["www.baidu.com."]
    assert zone.query("ext.default.svc.cluster.local", "SRV").is_nodata


def test_externalname_with_port_protocol_or_sub_labels_is_nxdomain(zone: ClusterZone) -> None:
    # coredns/coredns plugin/kubernetes/kubernetes.go findServices: an ExternalName
    # Service is skipped when the query carries an endpoint, port or protocol label.
    for name, rtype in (
        ("_http._tcp.ext.default.svc.cluster.local", "SRV"),
        ("_http._tcp.ext.default.svc.cluster.local", "A"),
        ("sub.sub.ext.default.svc.cluster.local", "CNAME"),
        ("sub.ext.default.svc.cluster.local", "A"),
    ):
        assert rcode(zone, name, rtype) is Rcode.NXDOMAIN, (name, rtype)
    assert data(zone, "ext.default.svc.cluster.local", "CNAME") == ["www.baidu.com."]


def test_built_names_keep_the_query_spelling_of_the_zone(zone: ClusterZone) -> None:
    # coredns/coredns plugin/kubernetes/handler.go:
    # zone = qname[len(qname)-len(zone):] // maintain case of original query
    srv = zone.query("_http._tcp.web.default.svc.cLuStEr.LoCaL", "SRV")
    assert [r.data for r in srv.answers] == ["0 100 80 web.default.svc.cLuStEr.LoCaL."]
    assert [r.name for r in srv.additional] == ["web.default.svc.cLuStEr.LoCaL."]
    (soa,) = zone.query("missing.default.svc.Cluster.Local", "A").authority
    assert soa.name == "Cluster.Local."
    assert soa.data.startswith("ns.dns.Cluster.Local. hostmaster.Cluster.Local. ")
    ns = zone.query("CLUSTER.LOCAL", "NS")
    assert [(r.name, r.data) for r in ns.answers] == [("CLUSTER.LOCAL.", "ns.dns.CLUSTER.LOCAL.")]
    # An ExternalName's target is copied from the Service, not built from the zone.
    assert data(zone, "ext.default.svc.Cluster.Local", "CNAME") == ["www.baidu.com."]
    # The lower-case answer is unchanged (and memoised apart from the respelled one).
    plain = zone.query("_http._tcp.web.default.svc.cluster.local", "SRV")
    assert [r.data for r in plain.answers] == ["0 100 80 web.default.svc.cluster.local."]


def test_externalname_with_an_ip_is_nxdomain(zone: ClusterZone) -> None:
    assert rcode(zone, "extip.default.svc.cluster.local") is Rcode.NXDOMAIN


def test_externalname_into_the_cluster_zone(zone: ClusterZone) -> None:
    assert data(zone, "extin.default.svc.cluster.local") == [
        "web.default.svc.cluster.local.",
        "10.96.0.20",
    ]
    # backend_lookup.go drops the CNAME when the in-zone target has no records.
    assert zone.query("extgone.default.svc.cluster.local", "A").is_nodata


def test_externalname_to_an_unknown_outside_name_keeps_the_cname(zone: ClusterZone) -> None:
    answer = zone.query("extmiss.default.svc.cluster.local", "A")
    assert answer.rcode is Rcode.NOERROR
    assert [r.data for r in answer.answers] == ["missing.example.net."]


def test_dns_version_txt(zone: ClusterZone) -> None:
    answer = zone.query("dns-version.cluster.local", "TXT")
    assert [(r.data, r.ttl) for r in answer.answers] == [('"1.1.0"', 28800)]
    assert rcode(zone, "dns-version.cluster.local", "A") is Rcode.NXDOMAIN


def test_apex_soa_and_ns(zone: ClusterZone) -> None:
    soa = zone.query("cluster.local", "SOA").answers
    assert [r.data for r in soa] == [
        "ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30"
    ]
    ns = zone.query("cluster.local.", "NS")
    assert [r.data for r in ns.answers] == ["ns.dns.cluster.local."]
    assert [r.data for r in ns.additional] == ["10.96.0.10"]
    assert data(zone, "ns.dns.cluster.local") == ["10.96.0.10"]
    # ClusterDNS.dns_ips are the kube-dns Service's ClusterIPs.
    assert zone.query("ns.dns.cluster.local", "A").target == Target(
        kind="service", namespace="kube-system", name="kube-dns"
    )


@pytest.mark.parametrize(
    "name",
    ["cluster.local", "svc.cluster.local", "pod.cluster.local", "default.svc.cluster.local"],
)
def test_empty_non_terminals_are_nodata(zone: ClusterZone, name: str) -> None:
    assert zone.query(name, "A").is_nodata


@pytest.mark.parametrize(
    "name",
    [
        "nope.default.svc.cluster.local",
        "web.nosuchns.svc.cluster.local",
        "nosuchns.svc.cluster.local",
        "baidu.com.cluster.local",  # label before the zone is neither svc nor pod
        "baidu.com.svc.cluster.local",  # namespace "com" does not exist
        "baidu.com.default.svc.cluster.local",  # endpoint "baidu" of service "com"
        "a.b.c.web.default.svc.cluster.local",  # too many labels
        "*.default.svc.cluster.local",  # wildcards removed in CoreDNS 1.9.0
    ],
)
def test_names_that_do_not_exist_are_nxdomain(zone: ClusterZone, name: str) -> None:
    answer = zone.query(name, "A")
    assert answer.rcode is Rcode.NXDOMAIN and answer.authoritative
    assert [r.name for r in answer.authority] == [Z]


def test_names_are_case_insensitive(zone: ClusterZone) -> None:
    assert data(zone, "WEB.Default.SVC.Cluster.Local.") == ["10.96.0.20"]
    assert data(zone, "DB-0.DB.default.svc.cluster.local") == ["10.244.1.10"]


def test_other_types_on_existing_names_are_nodata(zone: ClusterZone) -> None:
    for rtype in ("MX", "TXT", "CAA", "SOA", "NS"):
        assert zone.query("web.default.svc.cluster.local", rtype).is_nodata, rtype
    assert rcode(zone, "nope.default.svc.cluster.local", "MX") is Rcode.NXDOMAIN


def test_pods_insecure_answers_any_dashed_ip_in_an_existing_namespace(zone: ClusterZone) -> None:
    answer = zone.query("10-244-1-20.default.pod.cluster.local", "A")
    assert [r.data for r in answer.answers] == ["10.244.1.20"]
    assert answer.target == Target(kind="pod", namespace="default", name="web-7f9")
    assert data(zone, "1-2-3-4.default.pod.cluster.local") == ["1.2.3.4"]
    assert rcode(zone, "1-2-3-4.nosuchns.pod.cluster.local") is Rcode.NXDOMAIN
    assert rcode(zone, "not-an-ip.default.pod.cluster.local") is Rcode.NXDOMAIN
    assert data(zone, "fd00--20.default.pod.cluster.local", "AAAA") == ["fd00::20"]


def test_pods_verified_needs_the_pod_in_that_namespace() -> None:
    z = ClusterZone(snapshot(pods="verified"))
    assert data(z, "10-244-1-20.default.pod.cluster.local") == ["10.244.1.20"]
    assert rcode(z, "10-244-1-20.other.pod.cluster.local") is Rcode.NXDOMAIN
    assert rcode(z, "1-2-3-4.default.pod.cluster.local") is Rcode.NXDOMAIN


def test_pods_disabled_is_nxdomain() -> None:
    z = ClusterZone(snapshot(pods="disabled"))
    assert rcode(z, "10-244-1-20.default.pod.cluster.local") is Rcode.NXDOMAIN
    # findPods checks the mode before the (empty) pod name.
    assert rcode(z, "default.pod.cluster.local") is Rcode.NXDOMAIN
    assert ClusterZone(snapshot()).query("default.pod.cluster.local", "A").is_nodata


def test_ptr_for_service_and_endpoint_ips(zone: ClusterZone) -> None:
    assert data(zone, "20.0.96.10.in-addr.arpa", "PTR") == ["web.default.svc.cluster.local."]
    assert data(zone, "10.1.244.10.in-addr.arpa.", "PTR") == ["db-0.db.default.svc.cluster.local."]
    v6 = "1.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.0.d.f.ip6.arpa."
    assert data(zone, v6, "PTR") == ["dual.default.svc.cluster.local."]


def test_ptr_unknown_ip_falls_through_to_the_upstream() -> None:
    z = ClusterZone(snapshot())
    answer = z.query("4.3.2.1.in-addr.arpa", "PTR")
    assert answer.rcode is Rcode.NXDOMAIN and not answer.authoritative  # from forward
    strict = ClusterZone(snapshot(fallthrough=None))
    assert strict.query("4.3.2.1.in-addr.arpa", "PTR").authoritative


def test_namespaces_option_hides_other_namespaces() -> None:
    z = ClusterZone(snapshot(namespaces=("default",)))
    assert data(z, "web.default.svc.cluster.local") == ["10.96.0.20"]
    assert rcode(z, "web.other.svc.cluster.local") is Rcode.NXDOMAIN
    assert rcode(z, "20.1.96.10.in-addr.arpa", "PTR") is Rcode.NXDOMAIN


def test_ttl_option() -> None:
    z = ClusterZone(snapshot(ttl=5))
    assert [r.ttl for r in z.query("web.default.svc.cluster.local", "A").answers] == [5]


def test_custom_zone_name() -> None:
    z = ClusterZone(snapshot(zones=("corp.example",)))
    assert data(z, "web.default.svc.corp.example") == ["10.96.0.20"]
    # cluster.local is now an outside name: the upstream (none) answers.
    assert not z.query("web.default.svc.cluster.local", "A").authoritative


def test_outside_names_go_to_the_upstream(zone: ClusterZone) -> None:
    assert sorted(data(zone, "baidu.com")) == ["110.242.68.66", "39.156.66.10"]
    answer = zone.query("baidu.com", "A")
    assert not answer.authoritative
    assert answer.target == Target(kind="external", name="baidu.com.")


def test_without_upstream_the_assumption_is_stated() -> None:
    z = ClusterZone(snapshot())
    assert z.assumption == "no upstream zone given: names outside cluster.local answer NXDOMAIN"
    assert rcode(z, "baidu.com") is Rcode.NXDOMAIN
    assert "baidu.com" in ClusterZone(snapshot(), upstream()).assumption


def test_forwarder_is_used_for_names_outside_every_zone() -> None:
    from netdiag.dns.records import Record, ZoneAnswer

    asked: list[tuple[str, str]] = []

    def forwarder(name: str, rtype: str) -> ZoneAnswer:
        asked.append((name, rtype))
        rec = Record(name=name, type="A", ttl=1, data="192.0.2.1")
        return ZoneAnswer(rcode=Rcode.NOERROR, answers=(rec,), authoritative=False)

    z = ClusterZone(snapshot(), upstream(), forwarder=forwarder, forwarder_label="192.0.2.53:53")
    assert data(z, "example.org") == ["192.0.2.1"]
    assert data(z, "baidu.com") != ["192.0.2.1"]  # the zone file answers its own names
    assert asked == [("example.org.", "A")]
    assert "forwarded to 192.0.2.53:53" in z.assumption


def test_reverse_to_ip() -> None:
    assert reverse_to_ip("4.3.2.1.in-addr.arpa.") == "1.2.3.4"
    assert reverse_to_ip("3.2.1.in-addr.arpa.") is None
    assert reverse_to_ip("x.3.2.1.in-addr.arpa.") is None
    assert reverse_to_ip("1.0." + "0." * 30 + "ip6.arpa.") == "::1"


def test_answers_are_memoised_and_stable(zone: ClusterZone) -> None:
    first = zone.query("web.default.svc.cluster.local", "A")
    assert zone.query("web.default.svc.cluster.local.", "a") is first


def test_faults_override_names_in_and_outside_the_cluster_zone() -> None:
    faults = {"web.default.svc.cluster.local": Rcode.SERVFAIL, "baidu.com.": Rcode.TIMEOUT}
    z = ClusterZone(snapshot(), upstream(), faults=faults)
    assert rcode(z, "WEB.default.svc.cluster.local") is Rcode.SERVFAIL
    assert rcode(z, "baidu.com", "AAAA") is Rcode.TIMEOUT
    assert data(z, "db.default.svc.cluster.local") == ["10.244.1.10", "10.244.1.11"]


def test_engine_modules_do_not_import_dnspython() -> None:
    import subprocess
    import sys

    code = (
        "import sys, netdiag.dns.zone.cluster, "
        "netdiag.dns.zone.upstream, netdiag.dns.zone.kubeindex;"
        "print(sorted(m for m in sys.modules if m == 'dns' or m.startswith('dns.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _caseless(answer: ZoneAnswer) -> tuple[object, ...]:
    def section(records: tuple[Record, ...]) -> tuple[tuple[str, ...], ...]:
        return tuple((r.name.lower(), r.type, str(r.ttl), r.data.lower()) for r in records)

    return (
        answer.rcode,
        answer.authoritative,
        answer.target,
        section(answer.answers),
        section(answer.authority),
        section(answer.additional),
    )


_LABELS = ["web", "db", "db-0", "default", "other", "svc", "pod", "_http", "_tcp", "ext", "x", "*"]


@given(
    labels=st.lists(st.sampled_from(_LABELS), max_size=6),
    rtype=st.sampled_from(["A", "AAAA", "SRV", "TXT", "CNAME", "MX", "PTR"]),
    flips=st.lists(st.booleans(), min_size=80, max_size=80),
)
@settings(max_examples=300, deadline=None)
def test_properties_of_cluster_zone_answers(
    labels: list[str], rtype: str, flips: list[bool]
) -> None:
    zone = _PROPERTY_ZONE
    name = ".".join([*labels, "cluster.local."])
    answer = zone.query(name, rtype)
    # Case never matters (spec 1.1.0 §2.1: names are case-insensitive), though
    # names built from the zone keep the query's spelling of it (handler.go).
    mixed = "".join(c.upper() if f else c for c, f in zip(name, flips * 2, strict=False))
    assert _caseless(zone.query(mixed, rtype)) == _caseless(answer)
    # Every name under the zone is answered authoritatively, NOERROR or NXDOMAIN.
    assert answer.authoritative
    assert answer.rcode in (Rcode.NOERROR, Rcode.NXDOMAIN)
    if not answer.answers:  # negative answers carry the zone's SOA
        assert [r.type for r in answer.authority] == ["SOA"]
    if answer.rcode is Rcode.NXDOMAIN:
        assert not answer.answers
        # An NXDOMAIN name has no records of any type either.
        assert all(zone.query(name, t).rcode is Rcode.NXDOMAIN for t in ("A", "AAAA", "MX"))
    for rec in answer.answers:
        assert rec.type in (rtype, "CNAME"), rec


_PROPERTY_ZONE = ClusterZone(snapshot(), upstream())


def test_ns_is_named_after_the_services_holding_the_coredns_pods() -> None:
    # coredns/coredns plugin/kubernetes/ns.go nsAddrs: the Services whose
    # endpoints hold CoreDNS's own pod IP (here kube-dns and, with NodeLocal
    # DNSCache, kube-dns-upstream); ns.dns.<zone> only when none does.
    from pathlib import Path

    from netdiag.sources.manifests import load_manifests

    root = Path(__file__).resolve().parents[3] / "fixtures" / "reachname"
    z = ClusterZone(load_manifests([str(root / "_cluster"), str(root / "nodelocal-ipvs")]))
    ns = z.query("cluster.local", "NS")
    assert [r.data for r in ns.answers] == [
        "kube-dns.kube-system.svc.cluster.local.",
        "kube-dns-upstream.kube-system.svc.cluster.local.",
    ]
    assert [(r.name, r.data) for r in ns.additional] == [
        ("kube-dns.kube-system.svc.cluster.local.", "10.96.0.10"),
        ("kube-dns-upstream.kube-system.svc.cluster.local.", "10.96.0.11"),
    ]
    # The fallback name is then not a name at all.
    assert z.query("ns.dns.cluster.local", "A").rcode is Rcode.NXDOMAIN


def test_ns_falls_back_to_ns_dns_without_coredns_endpoints(zone: ClusterZone) -> None:
    ns = zone.query("cluster.local", "NS")
    assert [r.data for r in ns.answers] == ["ns.dns.cluster.local."]
    assert data(zone, "ns.dns.cluster.local") == ["10.96.0.10"]


def test_an_unparseable_name_is_formerr_and_the_root_is_not(zone: ClusterZone) -> None:
    # musl's corrupt "name.." query (a "." search entry) cannot be parsed.
    assert rcode(zone, "www..") is Rcode.FORMERR
    assert rcode(zone, ".www") is Rcode.FORMERR
    assert rcode(zone, ".", "NS") is not Rcode.FORMERR
