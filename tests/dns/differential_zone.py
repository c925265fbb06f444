"""The zone the differential tests serve: a tiny cluster plus test domains
whose names answer NXDOMAIN, NODATA, SERVFAIL or nothing on purpose."""

from __future__ import annotations

from typing import Any

from netdiag.cluster.model import ClusterDNS, ClusterSnapshot, Namespace, Service, ServicePort
from netdiag.dns.records import Rcode, Record

DOMAINS = ("ok.test", "nx.test", "nodata.test", "sf.test", "slow.test", "example.test", "baidu.com")


def _soa(apex: str) -> Record:
    return Record(
        name=f"{apex}.",
        type="SOA",
        ttl=60,
        data=f"ns.{apex}. hostmaster.{apex}. 1 3600 600 86400 5",
    )


RECORDS = [
    *(_soa(d) for d in DOMAINS),
    Record(name="www.ok.test.", type="A", ttl=60, data="198.18.1.1"),
    Record(name="www.ok.test.", type="AAAA", ttl=60, data="2001:db8::1:1"),
    Record(name="v4.ok.test.", type="A", ttl=60, data="198.18.1.4"),
    Record(name="alias.ok.test.", type="CNAME", ttl=60, data="www.ok.test."),
    # Exists without A/AAAA: NODATA for getaddrinfo.
    Record(name="www.nodata.test.", type="TXT", ttl=60, data='"no address here"'),
    Record(name="baidu.com.", type="A", ttl=60, data="220.181.38.148"),
    Record(name="baidu.com.", type="AAAA", ttl=60, data="2400:da00::dbf:0:100"),
    Record(name="a.b.c.d.e.example.test.", type="A", ttl=60, data="198.18.5.5"),
    Record(name="a.b.example.test.", type="A", ttl=60, data="198.18.2.2"),
    # 40 A records: over 512 bytes, so a UDP reply without EDNS is truncated (TC).
    *(Record(name="big.ok.test.", type="A", ttl=60, data=f"198.18.9.{i}") for i in range(1, 41)),
    # 90 A records (1,469 bytes): over Go's 1,232-byte EDNS payload too.
    *(Record(name="huge.ok.test.", type="A", ttl=60, data=f"198.18.10.{i}") for i in range(1, 91)),
    # 30 A records (509 bytes): fits 512, but many addresses for getaddrinfo.
    *(Record(name="mid.ok.test.", type="A", ttl=60, data=f"198.18.11.{i}") for i in range(1, 31)),
    # 25 and 26 A records: the most and one more than fit getaddrinfo's first
    # 1,024-byte buffer (40-byte gaih_addrtuple each, the name after the first).
    *(Record(name="a25.ok.test.", type="A", ttl=60, data=f"198.18.13.{i}") for i in range(1, 26)),
    *(Record(name="a26.ok.test.", type="A", ttl=60, data=f"198.18.14.{i}") for i in range(1, 27)),
    # 20 AAAA records (592 bytes): truncated without EDNS, few addresses.
    *(
        Record(name="v6many.ok.test.", type="AAAA", ttl=60, data=f"2001:db8::12:{i:x}")
        for i in range(1, 21)
    ),
]
FAULTS = {
    "www.sf.test.": Rcode.SERVFAIL,
    "www.slow.test.": Rcode.TIMEOUT,
    "www.refused.test.": Rcode.REFUSED,
}


PORTS = (ServicePort(port=80, name="http"),)


def differential_snapshot() -> ClusterSnapshot:
    return ClusterSnapshot(
        namespaces=(Namespace(name="default"), Namespace(name="kube-system")),
        services=(
            Service(
                namespace="default",
                name="tke-six-six-six",
                cluster_ips=("10.96.6.66",),
                ports=PORTS,
            ),
            Service(
                namespace="kube-system",
                name="tke-six-six-six",
                cluster_ips=("10.96.7.77",),
                ports=PORTS,
            ),
            Service(
                namespace="kube-system", name="kube-dns", cluster_ips=("10.96.0.10",), ports=PORTS
            ),
        ),
        dns=ClusterDNS(dns_ips=("10.96.0.10",)),
    )


def differential_zone() -> Any:
    from netdiag.dns.zone.cluster import ClusterZone
    from netdiag.dns.zone.upstream import UpstreamZone

    upstream = UpstreamZone.build(RECORDS, faults=FAULTS, source="differential")
    return ClusterZone(differential_snapshot(), upstream)
