"""NodeLocal DNSCache and egress policy: the rule that allows the kube-dns pods
does not allow the cache.

With NodeLocal DNSCache a pod's DNS packets go to a hostNetwork cache on its
node — at the link-local address (IPVS mode, kubelet ``--cluster-dns``) or at
the kube-dns ClusterIP the cache binds in iptables mode, where no DNAT to the
CoreDNS pods happens (kubernetes/website ``tasks/administer-cluster/nodelocaldns.md``).
A podSelector/namespaceSelector peer never matches that destination; only an
ipBlock covering the address does (kubernetes/kubernetes#70555,
projectcalico/calico#3795). The finding names the exact ipBlock to add.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.meta import Protocol
from netdiag.cluster.model import Pod
from netdiag.dns.resolver.kubelet import pod_resolv_conf
from netdiag.policy.endpoints import Endpoint, pod_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.namereach import POLICES_HOST_TRAFFIC
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Direction, Verdict

NODELOCAL_DNS_BLOCKED = Check(
    id="ND-DNS-009",
    severity=Severity.ERROR,
    title="NodeLocal DNSCache blocked by egress policy",
    help="Behind NodeLocal DNSCache pods send DNS to a hostNetwork cache on their node: "
    "only an ipBlock for that address (UDP and TCP 53) allows it.",
)
CHECKS = (NODELOCAL_DNS_BLOCKED,)

_FIX_YAML = """\
egress:
  - to:
{blocks}    ports:
      - {{protocol: UDP, port: 53}}
      - {{protocol: TCP, port: 53}}
"""


def run(ctx: AuditContext) -> Iterator[Finding]:
    nl = ctx.snapshot.dns.nodelocal
    if nl is None:
        return
    ev = Evaluator(ctx.snapshot)
    # Pods selected by the same egress policies, sending DNS to the same cache
    # addresses, get the same answer: one finding per group.
    groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[Pod]] = {}
    for pod in ctx.pods():
        if pod.host_network:
            continue
        keys = tuple(p.key for p in ev.selecting(pod, Direction.EGRESS))
        if not keys:
            continue
        servers = pod_resolv_conf(ctx.snapshot, pod).resolv_conf.nameservers
        cached = tuple(s for s in servers if nl.intercepts(s))
        if cached:
            groups.setdefault((pod.namespace, keys, cached), []).append(pod)
    kube_dns = ctx.snapshot.service("kube-system", "kube-dns")
    for (ns, policies, cached), pods in sorted(groups.items(), key=lambda kv: kv[1][0].key):
        pod = pods[0]
        evidence = list(_blocked(ev, pod, cached))
        if not evidence:
            continue
        if kube_dns is not None:
            udp = ev.connection(pod_endpoint(pod), kube_dns, PortSet.of(Protocol.UDP, 53))
            if udp.verdict is Verdict.ALLOWED:
                evidence.append(
                    "egress to the kube-dns pods on UDP 53 is allowed, but the pods' "
                    "packets never reach them: the node cache answers first"
                )
        severity = None
        if not any(p in POLICES_HOST_TRAFFIC for p in ctx.snapshot.cni.plugins):
            severity = Severity.WARNING
            evidence.append(
                "the CNI is not known to apply egress policy to a pod's traffic to its "
                "own node: implementation-defined (Calico, Canal and Cilium do)"
            )
        cidrs = [f"{a}/{128 if ':' in a else 32}" for a in cached]
        names = ", ".join(sorted(p.name for p in pods)[:5]) + (
            f" (+{len(pods) - 5} more)" if len(pods) > 5 else ""
        )
        blocks = "".join(f"      - ipBlock: {{cidr: {c}}}\n" for c in cidrs)
        yield Finding(
            check=NODELOCAL_DNS_BLOCKED,
            message=(
                f"pods in {ns} ({names}) send DNS to NodeLocal DNSCache at "
                f"{', '.join(cached)} ({nl.mode} mode), which their egress policy "
                "does not allow: DNS breaks"
            ),
            objects=(
                *(f"Pod {p.key}" for p in pods[:20]),
                *(f"NetworkPolicy {p}" for p in policies),
                "DaemonSet kube-system/node-local-dns",
            ),
            evidence=tuple(evidence),
            fix=(
                f"Add to {policies[0]} an egress rule to ipBlock "
                f"{', '.join(cidrs)} on UDP and TCP 53 (a pod selector for the kube-dns "
                "pods does not match the node cache)."
            ),
            fix_yaml=_FIX_YAML.format(blocks=blocks),
            origins=(pod.origin,),
            severity=severity,
        )


def _blocked(ev: Evaluator, pod: Pod, addresses: tuple[str, ...]) -> Iterator[str]:
    src = pod_endpoint(pod)
    for address in addresses:
        dst = Endpoint(
            text=f"{address} (NodeLocal DNSCache)", network=ipaddress.ip_network(address)
        )
        for proto in (Protocol.UDP, Protocol.TCP):
            side = ev.side(src, dst, Direction.EGRESS, PortSet.of(proto, 53))
            if side.ports.is_empty:
                miss = side.nearest_miss
                why = f"; nearest rule: {miss.reason}" if miss is not None else ""
                yield (
                    f"{proto.value} 53 to {address}: isolated by {', '.join(side.policies)}{why}"
                )
