"""The cluster zone: what CoreDNS's ``kubernetes`` plugin answers for a snapshot.

Pure (stdlib + our modules): the entry point (memo, faults, autopath,
fallthrough, the upstream) and the plugin's answers. Follows coredns/coredns ``plugin/kubernetes``
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
from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer
from netdiag.dns.zone.autopath import complete
from netdiag.dns.zone.builders import (
    Item,
    absolute,
    is_name,
    port_matches,
    reverse_to_ip,
    srv_records,
    strip_underscore,
)
from netdiag.dns.zone.case import respell_zone
from netdiag.dns.zone.kubeindex import NO_PORT, KubeIndex, SvcEntry, canonical_ip
from netdiag.dns.zone.upstream import UpstreamZone

__all__ = ["ClusterZone", "Forwarder"]

#: The schema version ``dns-version.<zone>`` TXT answers (spec §2.1).
DNS_SCHEMA_VERSION = "1.1.0"
REVERSE_ZONES = ("in-addr.arpa.", "ip6.arpa.")
#: ``len(previousRecords) > 7`` in backend_lookup.go stops CNAME chains.
_MAX_CHAIN = 8

_MEMO_LIMIT = 200_000

#: A real upstream: ``(name, rtype) -> ZoneAnswer`` (see netdiag.dns.zone.forward).
Forwarder = Callable[[str, str], ZoneAnswer]


DNS_SCHEMA_VERSION = "1.1.0"
REVERSE_ZONES = ("in-addr.arpa.", "ip6.arpa.")
#: ``len(previousRecords) > 7`` in backend_lookup.go stops CNAME chains.
_MAX_CHAIN = 8


def _coredns_services(index: KubeIndex) -> tuple[tuple[str, str], ...]:
    dns = index.services.get(("kube-system", "kube-dns"))
    if dns is None or not dns.endpoints:
        return ()
    local = dns.endpoints[0].ip
    return tuple(
        key
        for key, svc in sorted(index.services.items())
        if svc.kind != "ExternalName" and any(ep.ip == local for ep in svc.endpoints)
    )


def under(name: str, zone: str) -> bool:
    """``name`` is ``zone`` or below it (``.`` holds every name)."""
    return zone == "." or name == zone or name.endswith("." + zone)


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


class ClusterZone:
    """Answers ``(name, rtype)`` for the cluster zone, then the upstream.

    The cluster zone is CoreDNS's ``kubernetes`` plugin (``handler.go`` dispatch by
    qtype, ``parse.go`` name shapes, ``kubernetes.go`` ``Records``/``findServices``/
    ``findPods``, ``reverse.go``); names outside it and ExternalName targets go to the
    next plugin (:meth:`outside`: the upstream zone file, a real server, or NXDOMAIN).
    """

    #: Longest first: plugin.Zones.Matches picks the longest zone containing the name.
    zones: tuple[str, ...]
    primary_zone: str
    ttl: int
    pods_mode: str
    ignore_empty_service: bool
    index: KubeIndex
    exposed: frozenset[str]
    dns_ips: tuple[str, ...]

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
        if ".." in name or (name.startswith(".") and name != "."):
            # Not a name a valid message can carry (musl's corrupt "name.."
            # query): the server cannot parse the question.
            return ZoneAnswer(rcode=Rcode.FORMERR, authoritative=False)
        if client is not None and self.autopath:
            qname = absolute(name)
            zone = self.zone_of(qname)
            if zone is not None:
                done = complete(qname, rtype.upper(), client.lower(), zone, self.query)
                if done is not None:
                    return done
        key = (absolute(name), rtype.upper())
        answer = self._memo.get(key)
        if answer is None:
            answer = self._resolve(key[0], key[1], ())
            if self.forwarder is None:
                if len(self._memo) >= _MEMO_LIMIT:
                    self._memo.clear()
                self._memo[key] = answer
        if name != name.lower():
            zone = self.zone_of(key[0])
            if zone is not None:
                answer = respell_zone(answer, name, zone)
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

    def zone_of(self, qname: str) -> str | None:
        """The kubernetes-plugin zone that owns ``qname`` (longest match), if any."""
        for zone in self.zones:
            if under(qname, zone):
                return zone
        return None

    def _kubernetes(
        self, qname: str, rtype: str, zone: str, chain: tuple[Record, ...]
    ) -> ZoneAnswer | None:
        """handler.go ServeDNS for one zone; None means a name error (NXDOMAIN)."""
        if zone.endswith(REVERSE_ZONES) and qname != zone:
            return self._reverse(qname, rtype, zone)
        if rtype in ("SOA", "NS") and qname == zone:
            return self._apex(rtype, zone)
        if rtype == "TXT" and qname == "dns-version." + zone:
            txt = Record(name=qname, type="TXT", ttl=28800, data=f'"{DNS_SCHEMA_VERSION}"')
            return ZoneAnswer(rcode=Rcode.NOERROR, answers=(txt,))
        items = self._records(qname, zone)
        if items is None:
            return None
        target = items[0][3] if items else self._target_of(qname, zone)
        if rtype in ("A", "AAAA"):
            answers = self._addresses(qname, rtype, items, chain)
            return self._positive(answers, zone, target)
        if rtype == "SRV":
            answers, extra = srv_records(qname, [i for i in items if not is_name(i[1])], self.ttl)
            return self._positive(answers, zone, target, extra)
        if rtype == "CNAME":
            cnames = tuple(
                Record(name=qname, type="CNAME", ttl=self.ttl, data=absolute(host))
                for _, host, _, _ in items
                if is_name(host)
            )
            return self._positive(cnames[:1], zone, target)
        return self._positive((), zone, target)

    def _positive(
        self,
        answers: tuple[Record, ...],
        zone: str,
        target: Target | None,
        extra: tuple[Record, ...] = (),
    ) -> ZoneAnswer:
        if not answers:  # NODATA: NOERROR, empty answer, SOA in authority
            return ZoneAnswer(rcode=Rcode.NOERROR, authority=(self._soa(zone),), target=target)
        return ZoneAnswer(rcode=Rcode.NOERROR, answers=answers, additional=extra, target=target)

    def _negative(self, rcode: Rcode, zone: str) -> ZoneAnswer:
        return ZoneAnswer(rcode=rcode, authority=(self._soa(zone),))

    def _soa(self, zone: str) -> Record:
        # plugin.SOA: ns.dns.<zone>, hostmaster.<zone>, refresh 7200, retry 1800,
        # expire 86400, minimum = ttl; the record's own TTL is min(ttl, 300).
        data = f"ns.dns.{zone} hostmaster.{zone} 1 7200 1800 86400 {self.ttl}"
        return Record(name=zone, type="SOA", ttl=min(self.ttl, 300), data=data)

    def _apex(self, rtype: str, zone: str) -> ZoneAnswer:
        if rtype == "SOA":
            return ZoneAnswer(rcode=Rcode.NOERROR, answers=(self._soa(zone),))
        addrs = self._ns_addrs(zone)
        names = dict.fromkeys(name for name, _ in addrs)
        ns = tuple(Record(name=zone, type="NS", ttl=self.ttl, data=n) for n in names)
        glue = tuple(
            Record(name=name, type="AAAA" if ":" in ip else "A", ttl=self.ttl, data=ip)
            for name, ip in addrs
        )
        return ZoneAnswer(rcode=Rcode.NOERROR, answers=ns, additional=glue)

    def _ns_addrs(self, zone: str) -> list[tuple[str, str]]:
        """ns.go ``nsAddrs``: the Services whose endpoints hold CoreDNS's own pod IP.

        A ClusterIP Service gives ``svc.ns.svc.<zone>`` with its ClusterIP, a
        headless one ``host.svc.ns.svc.<zone>`` per endpoint address. Only when
        none holds it does CoreDNS fall back to ``ns.dns.<zone>`` with its own
        address; netdiag, which does not know which pod answers, takes CoreDNS's
        pod IP to be the first endpoint of kube-system/kube-dns and the fallback
        address to be the kube-dns ClusterIP.
        """
        out: list[tuple[str, str]] = []
        for key in self.coredns_services:
            svc = self.index.services[key]
            base = f"{svc.name}.{svc.namespace}.svc.{zone}"
            if svc.kind == "headless":
                out.extend((f"{ep.hostname}.{base}", ep.ip) for ep in svc.endpoints)
            elif svc.cluster_ips:
                out.append((base, svc.cluster_ips[0]))
        return out or [(f"ns.dns.{zone}", ip) for ip in self.dns_ips]

    @property
    def coredns_services(self) -> tuple[tuple[str, str], ...]:
        """Keys of the Services whose endpoints hold CoreDNS's pod IP."""
        cached: tuple[tuple[str, str], ...] | None = getattr(self, "_coredns_services", None)
        if cached is None:
            cached = self._coredns_services = _coredns_services(self.index)
        return cached

    def _target_of(self, qname: str, zone: str) -> Target | None:
        segs = qname[: -len(zone) - 1].split(".") if qname != zone else []
        if len(segs) >= 3 and segs[-1] == "svc" and (segs[-2], segs[-3]) in self.index.services:
            return Target(kind="service", namespace=segs[-2], name=segs[-3])
        return None

    def _records(self, qname: str, zone: str) -> list[Item] | None:
        """kubernetes.go ``Records`` + parse.go ``parseRequest``: items, or None (name error)."""
        base = qname[: -len(zone) - 1] if qname != zone else ""
        if base in ("", "svc", "pod"):
            return []  # apex and the svc/pod subtrees exist without records: NODATA
        if base == "ns.dns" and self.dns_ips and not self.coredns_services:
            # Services(): ns.dns.<zone> exists only as nsAddrs' fallback name.
            kube_dns = Target(kind="service", namespace="kube-system", name="kube-dns")
            return [(base, ip, NO_PORT, kube_dns) for ip in self.dns_ips]
        segs = base.split(".")
        if segs[-1] not in ("svc", "pod") or len(segs) > 5:
            return None  # errInvalidRequest: not svc/pod, or too many labels
        namespace = segs[-2]
        if namespace not in self.exposed:
            return None  # errNsNotExposed
        if len(segs) == 2:
            # The namespace exists: NODATA — except under pod.<zone> with
            # ``pods disabled``, where findPods fails before looking at the name.
            if segs[-1] == "pod" and self.pods_mode not in ("insecure", "verified"):
                return None
            return []
        if segs[-1] == "pod":
            return self._find_pod(segs[-3], namespace, zone)
        endpoint = segs[0] if len(segs) == 4 else ""
        port = protocol = ""
        if len(segs) == 5:  # _port._protocol.service.namespace.svc
            port, protocol = strip_underscore(segs[0]), strip_underscore(segs[1])
        entry = self.index.services.get((namespace, segs[-3]))
        if entry is None:
            return None
        return self._find_services(entry, endpoint, port, protocol, zone)

    def _find_pod(self, podname: str, namespace: str, zone: str) -> list[Item] | None:
        """kubernetes.go ``findPods`` for ``pods insecure|verified|disabled``."""
        if self.pods_mode not in ("insecure", "verified"):
            return None
        if podname.count("-") == 3 and "--" not in podname:
            text = podname.replace("-", ".")
        else:
            text = podname.replace("-", ":")
        ip = canonical_ip(text)
        if ip is None:
            return None
        pod = self.index.pods_by_ip.get((namespace, ip))
        if self.pods_mode == "verified" and pod is None:
            return None
        key = f"{podname}.{namespace}.pod.{zone}"
        return [(key, ip, NO_PORT, Target(kind="pod", namespace=namespace, name=pod or podname))]

    def _find_services(
        self, svc: SvcEntry, endpoint: str, port: str, protocol: str, zone: str
    ) -> list[Item] | None:
        """kubernetes.go ``findServices`` for one Service."""
        target = Target(kind="service", namespace=svc.namespace, name=svc.name)
        if self.ignore_empty_service and svc.kind == "ClusterIP" and not svc.endpoints:
            return None
        if svc.kind == "ExternalName":
            # A CNAME only when externalName is a name, not an IP (coredns#2324);
            # findServices skips an ExternalName Service when the query has an
            # endpoint label or port/protocol labels (``_http._tcp.ext…`` SRV,
            # ``a.b.ext…``): "External services do not have endpoints, nor can we
            # accept port/protocol pseudo subdomains" -> NXDOMAIN.
            if endpoint or port or protocol:
                return None
            if not svc.external_name or canonical_ip(svc.external_name):
                return None
            return [(f"{svc.name}.{svc.namespace}.svc.{zone}", svc.external_name, 0, target)]
        items: list[Item] = []
        if svc.kind == "headless" or endpoint:
            for ep in svc.endpoints:
                if endpoint and endpoint != ep.hostname:
                    continue
                key = f"{ep.hostname}.{svc.name}.{svc.namespace}.svc.{zone}"
                ep_target = target
                if endpoint and ep.pod:
                    ep_target = Target(kind="pod", namespace=svc.namespace, name=ep.pod)
                for p in ep.ports:
                    if port_matches(port, protocol, p.name, p.protocol):
                        items.append((key, ep.ip, p.port, ep_target))
            return items or None
        for p in svc.ports:
            if port_matches(port, protocol, p.name, p.protocol):
                key = f"{svc.name}.{svc.namespace}.svc.{zone}"
                items.extend((key, ip, p.port, target) for ip in svc.cluster_ips)
        return items or None

    # -- record builders (plugin/backend_lookup.go) --------------------------

    def _addresses(
        self, qname: str, rtype: str, items: list[Item], chain: tuple[Record, ...]
    ) -> tuple[Record, ...]:
        out: list[Record] = []
        seen: set[str] = set()
        for _, host, _, _ in items:
            if is_name(host):
                out.extend(self._chase(qname, rtype, host, chain))
                continue
            if ("." in host) != (rtype == "A") or host in seen:
                continue
            seen.add(host)
            out.append(Record(name=qname, type=rtype, ttl=self.ttl, data=host))
        return tuple(out)

    def _chase(
        self, qname: str, rtype: str, host: str, chain: tuple[Record, ...]
    ) -> tuple[Record, ...]:
        """ExternalName: CNAME, then the target in-zone or through the upstream.

        backend_lookup.go ``A``: an in-zone target is looked up recursively and
        the CNAME is kept only when that yields records; an outside target goes
        to the upstream and the CNAME is kept with whatever it answered (even
        nothing: the response stays NOERROR).
        """
        target = absolute(host)
        cname = Record(name=qname, type="CNAME", ttl=self.ttl, data=target)
        if target == qname or len(chain) >= _MAX_CHAIN or cname in chain:
            return ()
        zone = self.zone_of(target)
        if zone is not None:
            items = self._records(target, zone)
            if not items:
                return ()
            nxt = self._addresses(target, rtype, items, (*chain, cname))
            return (cname, *nxt) if nxt else ()
        return (cname, *self.outside(target, rtype).answers)

    # -- reverse zones (reverse.go) ------------------------------------------

    def _reverse(self, qname: str, rtype: str, zone: str) -> ZoneAnswer | None:
        ip = reverse_to_ip(qname)
        if rtype != "PTR" or ip is None:
            return None  # Records: reverse names are errNoItems
        names, target = self._ptr_names(ip)
        if not names:
            return None
        answers = tuple(Record(name=qname, type="PTR", ttl=self.ttl, data=n) for n in names)
        return ZoneAnswer(rcode=Rcode.NOERROR, answers=answers, target=target)

    def _ptr_names(self, ip: str) -> tuple[list[str], Target | None]:
        """serviceRecordForIP: the first Service with that ClusterIP, else every endpoint."""
        svc = self.index.service_ptr.get(ip)
        zone = self.primary_zone
        if svc is not None and svc[0] in self.exposed:
            svc_target = Target(kind="service", namespace=svc[0], name=svc[1])
            return [f"{svc[1]}.{svc[0]}.svc.{zone}"], svc_target
        names = [
            f"{host}.{name}.{ns}.svc.{zone}"
            for host, name, ns in self.index.endpoint_ptr.get(ip, ())
            if ns in self.exposed
        ]
        target: Target | None = None
        for ns in sorted({ns for _, _, ns in self.index.endpoint_ptr.get(ip, ())}):
            pod = self.index.pods_by_ip.get((ns, ip))
            if pod is not None and ns in self.exposed:
                target = Target(kind="pod", namespace=ns, name=pod)
                break
        return names, target
