"""A hand-built snapshot and upstream zone exercising every record kind."""

from __future__ import annotations

from dataclasses import replace

from netdiag.cluster.meta import Protocol
from netdiag.cluster.model import (
    ClusterDNS,
    ClusterSnapshot,
    CorefileKubernetes,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Namespace,
    Pod,
    Service,
    ServicePort,
)
from netdiag.dns.zone.upstream import UpstreamZone, parse_zone_text

UPSTREAM_TEXT = """\
$TTL 600
$ORIGIN baidu.com.
@       IN SOA ns1.baidu.com. dns.baidu.com. 2026113001 3600 900 86400 300
@       IN NS  ns1.baidu.com.
@       IN A   110.242.68.66
@       IN A   39.156.66.10
ns1     IN A   110.242.68.134
www     IN CNAME www.a.shifen.com.
deep.sub IN TXT "x"
$ORIGIN shifen.com.
@       IN SOA ns1.shifen.com. dns.shifen.com. 1 3600 900 86400 300
www.a   IN A   110.242.68.3
*.wild  IN A   10.9.9.9
"""

KUBEADM = CorefileKubernetes(
    zones=("cluster.local", "in-addr.arpa", "ip6.arpa"),
    pods="insecure",
    ttl=30,
    fallthrough=("in-addr.arpa", "ip6.arpa"),
)


def _svc(name: str, ns: str = "default", **kw: object) -> Service:
    return Service(namespace=ns, name=name, **kw)  # type: ignore[arg-type]


def _slice(svc: str, *endpoints: Endpoint, ports: tuple[EndpointPort, ...] = (), **kw: object):
    return EndpointSlice(
        namespace=str(kw.pop("namespace", "default")),
        name=f"{svc}-abc",
        service_name=svc,
        endpoints=endpoints,
        ports=ports,
        **kw,  # type: ignore[arg-type]
    )


HTTP = ServicePort(port=80, name="http")
PG = EndpointPort(port=5432, name="pg")


def snapshot(**corefile: object) -> ClusterSnapshot:
    kubernetes = replace(KUBEADM, **corefile)  # type: ignore[arg-type]
    return ClusterSnapshot(
        namespaces=(
            Namespace(name="default"),
            Namespace(name="kube-system"),
            Namespace(name="other"),
        ),
        pods=(
            Pod(
                namespace="default",
                name="db-0",
                ips=("10.244.1.10",),
                hostname="db-0",
                subdomain="db",
            ),
            Pod(namespace="default", name="db-1", ips=("10.244.1.11",)),
            Pod(namespace="default", name="web-7f9", ips=("10.244.1.20", "fd00::20")),
            Pod(
                namespace="other",
                name="stray",
                ips=("10.244.2.5",),
                hostname="stray",
                subdomain="nomatch",
            ),
        ),
        services=(
            _svc(
                "web",
                cluster_ips=("10.96.0.20",),
                ports=(HTTP, ServicePort(port=53, name="dns", protocol=Protocol.UDP)),
            ),
            _svc("dual", cluster_ips=("10.96.0.21", "fd00:96::21"), ports=(HTTP,)),
            _svc("v6only", cluster_ips=("fd00:96::22",), ports=(HTTP,)),
            _svc("empty", cluster_ips=("10.96.0.23",), ports=(HTTP,)),
            _svc("noports", cluster_ips=("10.96.0.24",)),
            _svc("db", headless=True, ports=(ServicePort(port=5432, name="pg"),)),
            _svc("nohosts", headless=True),
            _svc("pnr", headless=True, publish_not_ready_addresses=True),
            _svc("portless", headless=True),
            _svc("ext", type="ExternalName", external_name="www.baidu.com"),
            _svc("extip", type="ExternalName", external_name="1.2.3.4"),
            _svc("extin", type="ExternalName", external_name="web.default.svc.cluster.local"),
            _svc("extgone", type="ExternalName", external_name="gone.default.svc.cluster.local"),
            _svc("extmiss", type="ExternalName", external_name="missing.example.net"),
            _svc("web", "other", cluster_ips=("10.96.1.20",), ports=(HTTP,)),
            _svc("elsewhere", "other", headless=True),
            _svc(
                "kube-dns",
                "kube-system",
                cluster_ips=("10.96.0.10",),
                ports=(ServicePort(port=53, name="dns", protocol=Protocol.UDP),),
            ),
        ),
        endpoint_slices=(
            _slice(
                "web",
                Endpoint(addresses=("10.244.1.20",), target_pod="web-7f9"),
                ports=(EndpointPort(port=8080, name="http"),),
            ),
            _slice(
                "db",
                Endpoint(addresses=("10.244.1.10",), hostname="db-0", target_pod="db-0"),
                Endpoint(addresses=("10.244.1.11",), target_pod="db-1"),
                Endpoint(addresses=("10.244.1.12",), ready=False),
                ports=(PG,),
            ),
            _slice("pnr", Endpoint(addresses=("10.244.1.30",), ready=False)),
            _slice("portless", Endpoint(addresses=("10.244.1.40",))),
            _slice(
                "elsewhere",
                Endpoint(addresses=("10.244.2.5",), hostname="stray", target_pod="stray"),
                namespace="other",
                derived=True,
            ),
        ),
        dns=ClusterDNS(dns_ips=("10.96.0.10",), kubernetes=kubernetes),
    )


def upstream() -> UpstreamZone:
    return parse_zone_text(UPSTREAM_TEXT, filename="upstream.zone")
