"""CoreDNS ``autopath @kubernetes``: the server completes the client's search path.

Pure. Sources: coredns/coredns ``plugin/autopath/autopath.go`` (``ServeDNS``,
``firstInSearchPath``, ``cnamer``) and ``plugin/kubernetes/autopath.go``
(``AutoPath``), summarised in ``docs/dns-ecosystem.md`` §2.2:

* The kubernetes plugin builds the client's search path from the *source IP*:
  the Running pod with that IP gives the namespace (so ``pods verified`` is
  required, and a hostNetwork pod or a NodeLocal DNSCache in between hides
  the pod), giving ``<ns>.svc.<zone>``, ``svc.<zone>``, ``<zone>``, then ``""``.
  (CoreDNS also appends the search domains of its *own* resolv.conf before
  ``""``; a snapshot does not hold them, so they are not modelled.)
* Only a question at or under the first element triggers it. The server then
  asks ``base + "." + element`` for each element in order; NXDOMAIN and error
  rcodes move on, anything else (an answer, or NODATA) is returned with a
  CNAME from the asked name to the answer's owner prepended.
* When every element gives NXDOMAIN the first reply goes back unchanged and
  the client walks its own search list (more work, not less).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netdiag.dns.records import Rcode, Record, ZoneAnswer
from netdiag.dns.resolver.resolvconf import ResolvConf

#: Rcodes after which the autopath plugin tries the next element
#: (``plugin.ClientWrite`` is false for them, and NXDOMAIN is skipped explicitly).
_NEXT = (Rcode.NXDOMAIN, Rcode.SERVFAIL, Rcode.REFUSED, Rcode.FORMERR, Rcode.NOTIMP)


def search_path(namespace: str, zone: str) -> tuple[str, ...]:
    """``Kubernetes.AutoPath``: the path for a client pod in ``namespace``."""
    if zone == ".":
        return (f"{namespace}.svc.", "svc.", ".", "")
    return (f"{namespace}.svc.{zone}", f"svc.{zone}", zone, "")


def complete(
    qname: str,
    rtype: str,
    namespace: str,
    zone: str,
    ask: Callable[[str, str], ZoneAnswer],
) -> ZoneAnswer | None:
    """The autopath reply to ``qname`` from a pod in ``namespace``, or ``None``
    when the question is not under the client's first search element (then the
    query goes down the plugin chain as usual). ``ask`` answers without autopath.
    """
    path = search_path(namespace, zone)
    first = path[0]
    if not qname.endswith("." + first) or qname == first:
        return None
    base = qname[: -len(first) - 1]
    replies = []
    for element in path:
        name = f"{base}.{element}" if element else f"{base}."
        reply = ask(name, rtype)
        replies.append(reply)
        if reply.rcode in _NEXT or reply.rcode is Rcode.TIMEOUT:
            continue
        return _cnamer(reply, qname)
    return replies[0]


def _cnamer(reply: ZoneAnswer, original: str) -> ZoneAnswer:
    """``cnamer``: a CNAME from the asked name to the first answer owned by another name."""
    for record in reply.answers:
        if record.name.lower() == original.lower():
            continue
        cname = Record(name=original, type="CNAME", ttl=record.ttl, data=record.name)
        return ZoneAnswer(
            rcode=reply.rcode,
            answers=(cname, *reply.answers),
            authority=reply.authority,
            additional=reply.additional,
            authoritative=reply.authoritative,
            target=reply.target,
        )
    return reply


def autopath_client(
    zone: Any, conf: ResolvConf, namespace: str, host_network: bool, given_conf: bool
) -> tuple[str | None, str]:
    """(the namespace autopath completes for, or None; the note saying why) for a
    pod in ``namespace`` using ``conf``, when ``zone`` has autopath configured.

    CoreDNS finds the client pod by the packet's source IP: that needs ``pods
    verified``, a pod-network IP (not hostNetwork) and the cluster DNS Service
    as nameserver (a NodeLocal DNSCache in between asks with its own address).
    """
    if not zone.autopath:
        return None, (
            "CoreDNS autopath is configured but needs 'pods verified' (the Corefile "
            f"has pods {zone.pods_mode}): no effect"
        )
    if zone.nodelocal_ip:
        return None, (
            f"CoreDNS autopath: NodeLocal DNSCache ({zone.nodelocal_ip}) asks CoreDNS with its "
            "own address, so the pod is never found: no effect"
        )
    if given_conf:
        return None, "CoreDNS autopath: not applied to a given resolv.conf (no client pod)"
    if host_network:
        return None, "CoreDNS autopath: a hostNetwork pod asks with the node's IP: no effect"
    if not set(conf.nameservers) & set(zone.dns_ips):
        return None, (
            f"CoreDNS autopath: nameserver {', '.join(conf.nameservers)} is not the cluster "
            "DNS Service, so CoreDNS does not see the pod's IP: no effect"
        )
    return namespace, (
        f"CoreDNS autopath: the server completes the search path for pods in {namespace} "
        "and answers the first candidate with a CNAME (autopath @kubernetes, pods verified)"
    )
