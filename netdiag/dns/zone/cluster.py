"""The cluster zone: what CoreDNS's ``kubernetes`` plugin answers for a snapshot.

Pure (stdlib + our modules). The entry point is here (memo, faults, autopath,
fallthrough, the upstream); the plugin's answers are in
:mod:`netdiag.dns.zone.kubeplugin`. Follows coredns/coredns ``plugin/kubernetes``
(``handler.go`` dispatch by qtype, ``parse.go`` name shapes, ``kubernetes.go``
``Records``/``findServices``/``findPods``, ``reverse.go``) and
``plugin/backend_lookup.go`` (A/AAAA/SRV/PTR building, CNAME chasing), and the
Kubernetes DNS specification 1.1.0 (kubernetes/dns ``docs/specification.md``).

Documented choices where CoreDNS versions differ or the model has no data:

* Query types the plugin does not build (MX, CAA, ANY, …), TXT other than
  ``dns-version``, and SOA/NS below the apex answer NODATA when the name
  exists (a "fake A lookup", handler.go ``default``) and NXDOMAIN otherwise.
* Wildcard labels (``*``) were removed in CoreDNS 1.9.0 (coredns/coredns#5019):
  ``*`` is an ordinary label here, so wildcard queries answer NXDOMAIN.
* The SOA serial is fixed at 1 (CoreDNS uses the API's last-modified time).
* The API is always "synced": no SERVFAIL before the first list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from netdiag.cluster.model import ClusterSnapshot
from netdiag.dns.records import Rcode, Record, ZoneAnswer
from netdiag.dns.zone.autopath import complete
from netdiag.dns.zone.builders import absolute
from netdiag.dns.zone.kubeindex import KubeIndex, canonical_ip
from netdiag.dns.zone.kubeplugin import REVERSE_ZONES, KubernetesPlugin, under
from netdiag.dns.zone.upstream import UpstreamZone

__all__ = ["ClusterZone", "Forwarder"]

_MEMO_LIMIT = 200_000

#: A real upstream: ``(name, rtype) -> ZoneAnswer`` (see netdiag.dns.zone.forward).
Forwarder = Callable[[str, str], ZoneAnswer]


def _client_namespaces(snapshot: ClusterSnapshot) -> dict[str, str]:
    """``podWithIP``: the Running pod with the packet's source IP names the
    client's namespace (hostNetwork pods share the node's IP: left out)."""
    return {
        ip: pod.namespace
        for pod in snapshot.pods
        if pod.phase == "Running" and not pod.host_network
        for ip in map(canonical_ip, pod.ips)
        if ip
    }


class ClusterZone(KubernetesPlugin):
    """Answers ``(name, rtype)`` for the cluster zone, then the upstream."""

    def __init__(
        self,
        snapshot: ClusterSnapshot,
        upstream: UpstreamZone | None = None,
        *,
        forwarder: Forwarder | None = None,
        forwarder_label: str = "",
        faults: Mapping[str, Rcode] | None = None,
    ) -> None:
        """``faults`` (name → SERVFAIL/REFUSED/NXDOMAIN/TIMEOUT) override any name,
        in the cluster zone or outside it: for tests of what resolvers do when a
        search candidate fails (``TIMEOUT`` = the server sends nothing)."""
        k8s = snapshot.dns.kubernetes
        zones = [absolute(z) for z in k8s.zones] or [absolute(snapshot.dns.cluster_domain)]
        # plugin.Zones.Matches picks the longest zone containing the name.
        self.zones: tuple[str, ...] = tuple(sorted(set(zones), key=len, reverse=True))
        forward = [z for z in zones if not z.endswith(REVERSE_ZONES)]
        self.primary_zone = forward[0] if forward else absolute(snapshot.dns.cluster_domain)
        self.ttl = k8s.ttl
        self.pods_mode = k8s.pods
        self.ignore_empty_service = k8s.ignore_empty_service
        self.autopath_configured = k8s.autopath
        self.nodelocal_ip = snapshot.dns.nodelocal_ip
        self.client_namespaces = _client_namespaces(snapshot) if self.autopath_configured else {}
        fall = k8s.fallthrough
        self.fallthrough = None if fall is None else tuple(map(absolute, fall))
        self.upstream = upstream
        self.forwarder = forwarder
        self.index = KubeIndex(snapshot, endpoint_pod_names=k8s.endpoint_pod_names)
        configured = {n.lower() for n in k8s.namespaces}
        self.exposed = frozenset(
            ns for ns in self.index.namespaces if not configured or ns in configured
        )
        self.dns_ips = tuple(ip for ip in map(canonical_ip, snapshot.dns.dns_ips) if ip)
        self.assumption = self._assumption(forwarder_label)
        self._memo: dict[tuple[str, str], ZoneAnswer] = {}
        self.faults = {absolute(n): rcode for n, rcode in (faults or {}).items()}

    def _assumption(self, forwarder_label: str) -> str:
        forward = [z for z in self.zones if not z.endswith(REVERSE_ZONES)] or [self.primary_zone]
        cluster = ", ".join(sorted(z.rstrip(".") for z in forward))
        if self.forwarder is not None:
            return f"names outside {cluster} are forwarded to {forwarder_label or 'the upstream'}"
        if self.upstream is None or not self.upstream.apexes:
            return f"no upstream zone given: names outside {cluster} answer NXDOMAIN"
        source = (
            f"upstream zone {self.upstream.source}" if self.upstream.source else "upstream zone"
        )
        if "." in self.upstream.apexes:
            return (
                f"names outside {cluster} are answered from the {source} "
                "(authoritative from the root: names it does not list answer NXDOMAIN)"
            )
        apexes = ", ".join(sorted(a.rstrip(".") for a in self.upstream.apexes))
        return (
            f"names outside {cluster} are answered from the {source} ({apexes}); "
            "names outside those zones answer NXDOMAIN"
        )

    # -- entry point ---------------------------------------------------------

    @property
    def autopath(self) -> bool:
        """``autopath @kubernetes`` is configured and can work (``pods verified``)."""
        return self.autopath_configured and self.pods_mode == "verified"

    def namespace_of(self, client_ip: str) -> str | None:
        """The namespace autopath completes for a packet from ``client_ip``, if any."""
        if not self.autopath:
            return None
        ip = canonical_ip(client_ip)
        return self.client_namespaces.get(ip) if ip else None

    def query(self, name: str, rtype: str, client: str | None = None) -> ZoneAnswer:
        """The answer CoreDNS (then its upstream) would give to ``name``/``rtype``;
        ``client`` is the namespace of the asking pod, for ``autopath``."""
        if client is not None and self.autopath:
            qname = absolute(name)
            zone = self.zone_of(qname)
            if zone is not None:
                done = complete(qname, rtype.upper(), client.lower(), zone, self.query)
                if done is not None:
                    return done
        key = (absolute(name), rtype.upper())
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        answer = self._resolve(key[0], key[1], ())
        if self.forwarder is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = answer
        return answer

    def _resolve(self, qname: str, rtype: str, chain: tuple[Record, ...]) -> ZoneAnswer:
        fault = self.faults.get(qname)
        if fault is not None:
            return ZoneAnswer(rcode=fault, authoritative=fault is not Rcode.TIMEOUT)
        zone = self.zone_of(qname)
        if zone is not None:
            answer = self._kubernetes(qname, rtype, zone, chain)
            if answer is not None:
                return answer
            # IsNameError: fall through to the next plugin only when configured.
            if not self._falls_through(qname):
                return self._negative(Rcode.NXDOMAIN, zone)
        return self.outside(qname, rtype)

    def _falls_through(self, qname: str) -> bool:
        if self.fallthrough is None:
            return False
        return not self.fallthrough or any(under(qname, z) for z in self.fallthrough)

    def outside(self, qname: str, rtype: str) -> ZoneAnswer:
        """The next plugin (``forward``): the upstream zone, a real server, or NXDOMAIN."""
        if self.upstream is not None:
            answer = self.upstream.query(qname, rtype)
            if answer is not None:
                return answer
        if self.forwarder is not None:
            return self.forwarder(qname, rtype)
        return ZoneAnswer(rcode=Rcode.NXDOMAIN, authoritative=False)
