"""CoreDNS configuration that silently does nothing: ``autopath @kubernetes``.

``plugin/kubernetes/autopath.go``: the kubernetes plugin only builds a client's
search path when it keeps a pod cache (``pods verified``, "if pods != verified
... expect worked as normal without autopath function") and can find the
Running pod with the packet's source IP. Behind NodeLocal DNSCache the source
is the node-local cache, so CoreDNS never sees a pod IP (coredns/coredns#4308,
docs/dns-ecosystem.md §2.2). Either way every pod still walks its whole
search list: the feature costs CoreDNS memory (a pod watch) and saves nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity

AUTOPATH_INEFFECTIVE = Check(
    id="ND-DNS-008",
    severity=Severity.WARNING,
    title="CoreDNS autopath is configured but cannot work",
    help="autopath @kubernetes needs 'pods verified' and pod source IPs (no NodeLocal DNSCache).",
)
CHECKS = (AUTOPATH_INEFFECTIVE,)


def run(ctx: AuditContext) -> Iterator[Finding]:
    dns = ctx.snapshot.dns
    k8s = dns.kubernetes
    if not k8s.autopath:
        return
    objects = ("ConfigMap kube-system/coredns",)
    if k8s.pods != "verified":
        yield Finding(
            check=AUTOPATH_INEFFECTIVE,
            message=f"autopath @kubernetes with 'pods {k8s.pods}': CoreDNS never completes a "
            "search path, every pod still pays its whole search walk",
            objects=objects,
            evidence=(f"Corefile kubernetes block: pods {k8s.pods}", "autopath @kubernetes"),
            fix="Set 'pods verified' in the kubernetes block (CoreDNS then watches every pod: "
            "more memory, (Pods+Services)/250 + 56 MB) or remove autopath.",
        )
    elif dns.nodelocal_ip:
        yield Finding(
            check=AUTOPATH_INEFFECTIVE,
            message=f"autopath @kubernetes behind NodeLocal DNSCache ({dns.nodelocal_ip}): "
            "CoreDNS sees the cache's address, not the pod's, so it never completes a search path",
            objects=(*objects, "DaemonSet kube-system/node-local-dns"),
            evidence=(f"NodeLocal DNSCache listens on {dns.nodelocal_ip}",),
            fix="Drop autopath (NodeLocal's cache already absorbs the search walk's NXDOMAINs) "
            "or lower ndots in the pods' dnsConfig.",
        )
