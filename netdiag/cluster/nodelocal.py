"""NodeLocal DNSCache: where it listens, which mode it runs in, and where it forwards. Pure.

The add-on (kubernetes/kubernetes ``cluster/addons/dns/nodelocaldns/nodelocaldns.yaml``)
is a hostNetwork DaemonSet ``node-local-dns`` running ``k8s-dns-node-cache``
with ``-localip LINK_LOCAL[,KUBE_DNS_CLUSTER_IP]`` and a Corefile in the
ConfigMap ``kube-system/node-local-dns``:

* the cluster zone: ``cache { success 9984 30; denial 9984 5 }`` and
  ``forward . __PILLAR__CLUSTER__DNS__ { force_tcp }``;
* ``in-addr.arpa`` / ``ip6.arpa``: ``cache 30``, the same forward;
* ``.``: ``cache 30``, ``forward . __PILLAR__UPSTREAM__SERVERS__`` (the node's
  resolv.conf: names outside the cluster bypass CoreDNS).

The ``__PILLAR__`` placeholders are substituted either by whoever installs it
(``__PILLAR__LOCAL__DNS__``, ``__PILLAR__DNS__DOMAIN__``, ``__PILLAR__DNS__SERVER__``)
or by node-cache at start (``__PILLAR__CLUSTER__DNS__`` = the ClusterIP of
``-upstreamsvc``, usually ``kube-dns-upstream``; ``__PILLAR__UPSTREAM__SERVERS__``
= the node's resolv.conf).

Modes (kubernetes/website ``tasks/administer-cluster/nodelocaldns.md``): with
kube-proxy in **iptables** mode the cache binds both the link-local address and
the kube-dns ClusterIP, so pods keep ``nameserver <ClusterIP>`` and the node
answers it without DNAT; in **IPVS** mode it cannot bind the ClusterIP (IPVS
owns it), ``,__PILLAR__DNS__SERVER__`` is removed and kubelet's
``--cluster-dns`` must be the link-local address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The add-on's default link-local listen address (nodelocaldns.yaml, the docs).
DEFAULT_LOCAL_IP = "169.254.20.10"
#: The ConfigMap holding the node cache's Corefile.
NODELOCAL_CONFIGMAP = ("kube-system", "node-local-dns")
#: ``-upstreamsvc`` default in the upstream manifest.
DEFAULT_UPSTREAM_SERVICE = "kube-dns-upstream"
#: CoreDNS ``cache``: without a TTL, success answers are kept up to 3600 s and
#: denials up to 1800 s (plugin/cache/README.md).
CACHE_MAX_SUCCESS = 3600
CACHE_MAX_DENIAL = 1800


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeLocalZone:
    """One server block of the node cache's Corefile."""

    #: ``cluster.local``, ``in-addr.arpa``, ``.``… (lower case, no trailing dot).
    zone: str
    #: ``forward . TARGETS``: addresses, ``/etc/resolv.conf``, or a placeholder.
    forward: tuple[str, ...] = ()
    force_tcp: bool = False
    #: Longest TTL the cache keeps a positive answer for (seconds); 0 = no cache.
    success_ttl: int = 0
    #: Longest TTL the cache keeps NXDOMAIN/NODATA for (seconds).
    denial_ttl: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeLocalCache:
    """NodeLocal DNSCache as the snapshot shows it."""

    #: The link-local address it listens on (the first ``-localip``).
    local_ip: str
    #: Every address it binds (``-localip``): the link-local one, plus the
    #: kube-dns ClusterIP in iptables mode.
    binds: tuple[str, ...]
    #: ``iptables`` (it also answers the kube-dns ClusterIP) or ``ipvs``
    #: (pods must be given the link-local address as nameserver).
    mode: str
    zones: tuple[NodeLocalZone, ...] = ()
    #: The Corefile as read from the ConfigMap; empty when it was not in the
    #: snapshot (the upstream manifest's shape is assumed).
    corefile: str = ""
    notes: tuple[str, ...] = ()

    def intercepts(self, address: str) -> bool:
        """The node cache answers packets to ``address`` itself (no DNAT)."""
        return address in self.binds

    def zone_for(self, name: str) -> NodeLocalZone | None:
        """The server block answering ``name`` (longest zone match, as CoreDNS picks)."""
        qname = name.lower().rstrip(".")
        best: NodeLocalZone | None = None
        for z in self.zones:
            if z.zone == "." or qname == z.zone or qname.endswith("." + z.zone):
                if best is None or best.zone == "." or len(z.zone) > len(best.zone):
                    best = z
        return best


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _placeholder(text: str) -> bool:
    return "__PILLAR__" in text


def local_ips(args: Sequence[str]) -> tuple[str, ...]:
    """Addresses of ``-localip A,B`` / ``-localip=A,B`` (placeholders kept)."""
    for i, arg in enumerate(args):
        if arg.lstrip("-").startswith("localip"):
            value = arg.split("=", 1)[1] if "=" in arg else "".join(args[i + 1 : i + 2])
            return tuple(v.strip() for v in value.split(",") if v.strip())
    return ()


def _arg(args: Sequence[str], name: str) -> str:
    for i, arg in enumerate(args):
        if arg.lstrip("-").startswith(name):
            return arg.split("=", 1)[1] if "=" in arg else "".join(args[i + 1 : i + 2])
    return ""


def nodelocal_cache(
    args: Sequence[str],
    corefile: str,
    *,
    cluster_domain: str,
    kube_dns_ips: tuple[str, ...],
    service_ips: Mapping[str, tuple[str, ...]],
) -> NodeLocalCache:
    """The node cache described by its container ``args`` and Corefile.

    ``service_ips``: kube-system Service name → ClusterIPs, to substitute
    ``__PILLAR__CLUSTER__DNS__`` as node-cache does from ``-upstreamsvc``.
    """
    notes: list[str] = []
    binds = local_ips(args)
    local = binds[0] if binds else ""
    if not local or _placeholder(local):
        notes.append(f"-localip not substituted: assumed {DEFAULT_LOCAL_IP}")
        local = DEFAULT_LOCAL_IP
    elif not _is_ip(local):
        notes.append(f"-localip {local[:64]!r} is not an address: assumed {DEFAULT_LOCAL_IP}")
        local = DEFAULT_LOCAL_IP
    rest = tuple(b for b in binds[1:] if b)
    if any(b == "__PILLAR__DNS__SERVER__" for b in rest):
        rest = tuple(b for b in rest if b != "__PILLAR__DNS__SERVER__") + kube_dns_ips
        notes.append("-localip lists __PILLAR__DNS__SERVER__: read as the kube-dns ClusterIP")
    bad = [b for b in rest if not _is_ip(b)]
    if bad:
        notes.append(
            f"-localip entries that are not addresses ignored: {', '.join(map(repr, bad))[:120]}"
        )
        rest = tuple(b for b in rest if _is_ip(b))
    mode = "iptables" if rest else "ipvs"
    upstream_svc = _arg(args, "upstreamsvc") or DEFAULT_UPSTREAM_SERVICE
    cluster_dns = service_ips.get(upstream_svc, ()) or kube_dns_ips
    text = corefile or default_corefile()
    if not corefile:
        notes.append(
            "ConfigMap kube-system/node-local-dns not in the snapshot: "
            "assumed the upstream nodelocaldns.yaml Corefile"
        )
    subst = {
        "__PILLAR__DNS__DOMAIN__": cluster_domain.rstrip("."),
        "__PILLAR__LOCAL__DNS__": local,
        "__PILLAR__DNS__SERVER__": " ".join(kube_dns_ips),
        "__PILLAR__CLUSTER__DNS__": " ".join(cluster_dns),
        "__PILLAR__UPSTREAM__SERVERS__": "/etc/resolv.conf",
    }
    for key, value in subst.items():
        text = text.replace(key, value)
    return NodeLocalCache(
        local_ip=local,
        binds=(local, *rest),
        mode=mode,
        zones=parse_zones(text),
        corefile=corefile,
        notes=tuple(notes),
    )


def default_corefile() -> str:
    """The upstream manifest's Corefile (placeholders unsubstituted)."""
    forward = "forward . __PILLAR__CLUSTER__DNS__ {\n        force_tcp\n    }"
    bind = "bind __PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__"
    blocks = [
        f"__PILLAR__DNS__DOMAIN__:53 {{\n    cache {{\n        success 9984 30\n"
        f"        denial 9984 5\n    }}\n    {bind}\n    {forward}\n}}",
        f"in-addr.arpa:53 {{\n    cache 30\n    {bind}\n    {forward}\n}}",
        f"ip6.arpa:53 {{\n    cache 30\n    {bind}\n    {forward}\n}}",
        f".:53 {{\n    cache 30\n    {bind}\n    forward . __PILLAR__UPSTREAM__SERVERS__\n}}",
    ]
    return "\n".join(blocks) + "\n"


def _words(text: str) -> list[list[str]]:
    """Logical lines of a Corefile: comments dropped, braces lines of their own."""
    out: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].replace("{", " { ").replace("}", " } ")
        current: list[str] = []
        for word in line.split():
            if word == "}":
                if current:
                    out.append(current)
                out.append(["}"])
                current = []
            elif word == "{":
                current.append(word)
                out.append(current)
                current = []
            else:
                current.append(word)
        if current:
            out.append(current)
    return out


def parse_zones(text: str) -> tuple[NodeLocalZone, ...]:
    """Server blocks with their ``cache`` and ``forward`` settings (best effort:
    a Corefile that does not parse yields what was read before the problem)."""
    zones: list[NodeLocalZone] = []
    lines = _words(text)
    i = 0
    while i < len(lines):
        words = lines[i]
        i += 1
        if words[-1] != "{" or len(words) < 2:
            continue
        names = [
            w.split("://", 1)[-1].rsplit(":", 1)[0].rstrip(".").lower() or "." for w in words[:-1]
        ]
        settings: dict[str, object] = {}
        depth = 1
        while i < len(lines) and depth:
            line = lines[i]
            i += 1
            if line == ["}"]:
                depth -= 1
                continue
            if depth == 1 and line[0] == "cache":
                i = _cache(lines, i, line, settings)
            elif depth == 1 and line[0] == "forward":
                settings["forward"] = tuple(line[2:-1] if line[-1] == "{" else line[2:])
                if line[-1] == "{":
                    while i < len(lines) and lines[i] != ["}"]:
                        if lines[i][0] == "force_tcp":
                            settings["force_tcp"] = True
                        i += 1
                    i += 1
            elif line[-1] == "{":
                depth += 1
        for name in names:
            zones.append(NodeLocalZone(zone=name, **settings))  # type: ignore[arg-type]
    return tuple(zones)


def _cache(lines: list[list[str]], i: int, line: list[str], settings: dict[str, object]) -> int:
    """``cache [TTL] [ZONES]`` with an optional ``{ success CAP TTL; denial CAP TTL }``."""
    ttl = int(line[1]) if len(line) > 1 and line[1].isdigit() else None
    success = denial = ttl
    if line[-1] == "{":
        while i < len(lines) and lines[i] != ["}"]:
            words = lines[i]
            if words[0] in ("success", "denial") and len(words) >= 3 and words[2].isdigit():
                if words[0] == "success":
                    success = int(words[2])
                else:
                    denial = int(words[2])
            i += 1
        i += 1
    settings["success_ttl"] = CACHE_MAX_SUCCESS if success is None else success
    settings["denial_ttl"] = CACHE_MAX_DENIAL if denial is None else denial
    return i


__all__ = [
    "DEFAULT_LOCAL_IP",
    "NODELOCAL_CONFIGMAP",
    "NodeLocalCache",
    "NodeLocalZone",
    "default_corefile",
    "local_ips",
    "nodelocal_cache",
    "parse_zones",
]
