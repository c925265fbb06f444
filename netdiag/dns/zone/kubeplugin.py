"""CoreDNS's ``kubernetes`` plugin itself: the answers it builds for names in
its zones (``handler.go`` dispatch by qtype, ``parse.go`` name shapes,
``kubernetes.go`` ``Records``/``findServices``/``findPods``, ``reverse.go``, and
the record builders of ``plugin/backend_lookup.go``).

Pure (stdlib + our modules). :class:`~netdiag.dns.zone.cluster.ClusterZone`
builds the state below from a snapshot and owns the entry point (memo, faults,
autopath, fallthrough, the upstream); the documented choices are listed there.
"""

from __future__ import annotations

from netdiag.dns.records import Rcode, Record, Target, ZoneAnswer
from netdiag.dns.zone.builders import (
    Item,
    absolute,
    is_name,
    port_matches,
    reverse_to_ip,
    srv_records,
    strip_underscore,
)
from netdiag.dns.zone.kubeindex import NO_PORT, KubeIndex, SvcEntry, canonical_ip

#: The schema version ``dns-version.<zone>`` TXT answers (spec §2.1).
DNS_SCHEMA_VERSION = "1.1.0"
REVERSE_ZONES = ("in-addr.arpa.", "ip6.arpa.")
#: ``len(previousRecords) > 7`` in backend_lookup.go stops CNAME chains.
_MAX_CHAIN = 8


def under(name: str, zone: str) -> bool:
    """``name`` is ``zone`` or below it (``.`` holds every name)."""
    return zone == "." or name == zone or name.endswith("." + zone)


class KubernetesPlugin:
    """The plugin's answers for its ``zones``; a subclass sets these attributes
    and provides :meth:`outside` (the next plugin, for ExternalName targets)."""

    #: Longest first: plugin.Zones.Matches picks the longest zone containing the name.
    zones: tuple[str, ...]
    primary_zone: str
    ttl: int
    pods_mode: str
    ignore_empty_service: bool
    index: KubeIndex
    exposed: frozenset[str]
    dns_ips: tuple[str, ...]

    def outside(self, qname: str, rtype: str) -> ZoneAnswer:
        """The next plugin's answer for a name outside the cluster zones."""
        raise NotImplementedError

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
        ns_name = "ns.dns." + zone
        ns = Record(name=zone, type="NS", ttl=self.ttl, data=ns_name)
        glue = tuple(
            Record(name=ns_name, type="AAAA" if ":" in ip else "A", ttl=self.ttl, data=ip)
            for ip in self.dns_ips
        )
        return ZoneAnswer(rcode=Rcode.NOERROR, answers=(ns,), additional=glue)

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
        if base == "ns.dns" and self.dns_ips:
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
            # A CNAME only when externalName is a name, not an IP (coredns#2324).
            if endpoint or not svc.external_name or canonical_ip(svc.external_name):
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
