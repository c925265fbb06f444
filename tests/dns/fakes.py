"""Hand-made cluster and zone for the resolver engine tests.

Independent of the dnszone engineer's ClusterZone on purpose: these tests hold
the *resolver* algorithms, so the zone must be trivially predictable.
"""

from __future__ import annotations

from collections.abc import Mapping

from netdiag.cluster.model import (
    ClusterDNS,
    ClusterSnapshot,
    Namespace,
    Pod,
    PodDNSConfig,
    Service,
)
from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer

KUBE_SEARCH = "default.svc.cluster.local svc.cluster.local cluster.local localdomain"
KUBE_RESOLV = f"nameserver 10.96.0.10\nsearch {KUBE_SEARCH}\noptions ndots:5\n"


class FakeZone:
    """``name -> {rtype: data}``; names not listed are NXDOMAIN; ``faults`` force an rcode."""

    def __init__(
        self,
        data: Mapping[str, Mapping[str, tuple[str, ...]]],
        faults: Mapping[str, Rcode] | None = None,
        targets: Mapping[str, Target] | None = None,
    ) -> None:
        self.data = {k.lower(): v for k, v in data.items()}
        self.faults = {k.lower(): v for k, v in (faults or {}).items()}
        self.targets = dict(targets or {})
        self.calls = 0

    def query(self, name: str, rtype: str) -> ZoneAnswer:
        self.calls += 1
        key = name.lower()
        if key in self.faults:
            return ZoneAnswer(rcode=self.faults[key])
        if key not in self.data:
            return ZoneAnswer(rcode=Rcode.NXDOMAIN)
        answers = tuple(
            Record(name=key, type=rtype, ttl=5, data=d) for d in self.data[key].get(rtype, ())
        )
        return ZoneAnswer(rcode=Rcode.NOERROR, answers=answers, target=self.targets.get(key))


def demo_like_snapshot(
    node_resolv_conf: str = "nameserver 10.0.0.2\nsearch localdomain\n",
) -> ClusterSnapshot:
    return ClusterSnapshot(
        namespaces=(Namespace(name="default"), Namespace(name="kube-system")),
        services=(
            Service(namespace="default", name="tke-six-six-six", cluster_ips=("10.96.6.66",)),
            Service(namespace="kube-system", name="tke-six-six-six", cluster_ips=("10.96.7.77",)),
            Service(namespace="kube-system", name="kube-dns", cluster_ips=("10.96.0.10",)),
        ),
        pods=(
            Pod(namespace="default", name="web", ips=("10.244.0.5",)),
            Pod(namespace="default", name="host", host_network=True),
            Pod(
                namespace="default",
                name="hostdns",
                host_network=True,
                dns_policy="ClusterFirstWithHostNet",
            ),
            Pod(
                namespace="default",
                name="tuned",
                dns_config=PodDNSConfig(
                    options=(("ndots", "2"), ("single-request-reopen", None)),
                    searches=("extra.example",),
                ),
            ),
        ),
        dns=ClusterDNS(dns_ips=("10.96.0.10",), node_resolv_conf=node_resolv_conf),
    )


def demo_like_zone() -> FakeZone:
    return FakeZone(
        {
            "tke-six-six-six.default.svc.cluster.local.": {"A": ("10.96.6.66",)},
            "tke-six-six-six.kube-system.svc.cluster.local.": {"A": ("10.96.7.77",)},
            "baidu.com.": {"A": ("220.181.38.148",), "AAAA": ("2400:da00::dbf:0:100",)},
            # Empty non-terminals answer NODATA like CoreDNS does.
            "svc.cluster.local.": {},
            "default.svc.cluster.local.": {},
        },
        targets={
            "tke-six-six-six.default.svc.cluster.local.": Target(
                kind="service", namespace="default", name="tke-six-six-six"
            ),
            "tke-six-six-six.kube-system.svc.cluster.local.": Target(
                kind="service", namespace="kube-system", name="tke-six-six-six"
            ),
        },
    )
