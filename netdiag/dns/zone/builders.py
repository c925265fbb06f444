"""Record-building helpers of the cluster zone (coredns ``plugin/backend_lookup.go``).

Pure.
"""

from __future__ import annotations

import ipaddress

from netdiag.dns.records import Record, Target
from netdiag.dns.zone.kubeindex import NO_PORT, canonical_ip

# An item is CoreDNS's ``msg.Service``: (key domain, host ip-or-name, port, target).
Item = tuple[str, str, int, Target]


def absolute(name: str) -> str:
    """Lower-case, absolute (trailing dot) form of a DNS name."""
    name = name.lower()
    return name if name.endswith(".") else name + "."


def srv_records(
    qname: str, items: list[Item], ttl: int
) -> tuple[tuple[Record, ...], tuple[Record, ...]]:
    """plugin.SRV: priority 0, weight ``floor(100 / n)`` over all n items (min 1)."""
    if not items:
        return (), ()
    weight = max(1, 100 // len(items))
    records: list[Record] = []
    extra: list[Record] = []
    seen_srv: set[tuple[str, int]] = set()
    seen_addr: set[tuple[str, str]] = set()
    for key, ip, port, _ in items:
        if port == NO_PORT:
            continue
        target = absolute(key)
        if (target, port) not in seen_srv:
            seen_srv.add((target, port))
            data = f"0 {weight} {port} {target}"
            records.append(Record(name=qname, type="SRV", ttl=ttl, data=data))
        if (target, ip) not in seen_addr:
            seen_addr.add((target, ip))
            rtype = "AAAA" if ":" in ip else "A"
            extra.append(Record(name=target, type=rtype, ttl=ttl, data=ip))
    return tuple(records), tuple(extra)


def is_name(host: str) -> bool:
    return canonical_ip(host) is None


def strip_underscore(label: str) -> str:
    return label[1:] if label.startswith("_") else label


def port_matches(port: str, protocol: str, name: str, proto: str) -> bool:
    """matchPortAndProtocol: an empty port or protocol in the query is a wildcard."""
    return (not port or port == name) and (not protocol or protocol == proto)


def reverse_to_ip(qname: str) -> str | None:
    """``4.3.2.1.in-addr.arpa.`` → ``1.2.3.4``; nibble ``ip6.arpa`` names → IPv6; else None."""
    labels = qname.rstrip(".").split(".")
    if qname.endswith(".in-addr.arpa.") and len(labels) == 6:
        return canonical_ip(".".join(reversed(labels[:4])))
    if qname.endswith(".ip6.arpa.") and len(labels) == 34:
        nibbles = "".join(reversed(labels[:32]))
        if all(len(n) == 1 for n in labels[:32]):
            try:
                return str(ipaddress.IPv6Address(int(nibbles, 16)))
            except ValueError:
                return None
    return None
