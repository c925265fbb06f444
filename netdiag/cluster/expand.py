"""Workloads without pods become pods from their template; pods get synthetic IPs. Pure.

Synthetic IPs are deterministic: SHA-256 of ``ns/name`` picks an address in
100.64.0.0/10 (RFC 6598 shared address space, never a real pod network in the
demo or fixtures); collisions probe forward, so every pod gets a distinct one.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import replace

from netdiag.cluster import fields as f
from netdiag.cluster.model import Node, OwnerRef, Pod, Taint, Toleration, Workload
from netdiag.cluster.parse_pod import parse_pod_spec
from netdiag.limits import DEFAULTS, LimitError, Limits

SYNTHETIC_NETWORK = ipaddress.IPv4Network("100.64.0.0/10")


def top_level_owner(
    namespace: str, owner: OwnerRef | None, workloads: dict[tuple[str, str, str], Workload]
) -> OwnerRef | None:
    """Follow controller references up: ReplicaSet -> Deployment, Job -> CronJob.

    When the ReplicaSet (or Job) itself is not in the snapshot, a Deployment (or
    CronJob) whose name is its name minus the last ``-suffix`` is taken as owner
    (the controllers name them ``<parent>-<hash>``).
    """
    seen = 0
    while owner is not None and seen < 8:
        seen += 1
        wl = workloads.get((namespace, owner.kind, owner.name))
        if wl is not None:
            if wl.owner is None:
                return owner
            owner = wl.owner
            continue
        parent_kind = {"ReplicaSet": "Deployment", "Job": "CronJob"}.get(owner.kind)
        if parent_kind and "-" in owner.name:
            parent = owner.name.rsplit("-", 1)[0]
            if (namespace, parent_kind, parent) in workloads:
                return OwnerRef(kind=parent_kind, name=parent)
        return owner
    return owner


def expand_workloads(
    workloads: Sequence[Workload],
    pods: Sequence[Pod],
    nodes: Sequence[Node],
    limits: Limits = DEFAULTS,
) -> list[Pod]:
    """Pods for every top-level workload that has none in ``pods``.

    Raises:
        LimitError: a workload asks for more than ``limits.workload_pods`` replicas,
            or all of them for more than ``limits.synthetic_pods`` pods.
    """
    index = {(w.namespace, w.kind, w.name): w for w in workloads}
    owned = {(p.namespace, p.owner.kind, p.owner.name) for p in pods if p.owner is not None}
    out: list[Pod] = []
    for wl in workloads:
        parent = top_level_owner(wl.namespace, wl.owner, index)
        if parent is not None and (wl.namespace, parent.kind, parent.name) in index:
            continue  # a ReplicaSet of a Deployment, a Job of a CronJob: the parent expands
        if (wl.namespace, wl.kind, wl.name) in owned:
            continue
        where = f"{wl.origin}: {wl.kind} {wl.namespace}/{wl.name}"
        if wl.replicas > limits.workload_pods:
            raise LimitError("workload_pods", where, f"spec.replicas {wl.replicas}", limits)
        out.extend(_pods_of(wl, nodes))
        if len(out) > limits.synthetic_pods:
            raise LimitError("synthetic_pods", where, f"{len(out)} pods", limits)
    return out


def _pods_of(wl: Workload, nodes: Sequence[Node]) -> Iterable[Pod]:
    template = wl.template
    meta = f.mapping(template, "metadata", "")
    spec = f.mapping(template, "spec", "")
    base = parse_pod_spec(spec, meta, namespace=wl.namespace, name=wl.name, path="")
    owner = OwnerRef(kind=wl.kind, name=wl.name)
    base = replace(base, owner=owner, synthetic=True, synthetic_ip=True)
    if wl.kind == "StatefulSet":
        for i in range(wl.replicas):
            name = f"{wl.name}-{i}"
            # StatefulSet pods get hostname = pod name, subdomain = spec.serviceName.
            yield replace(base, name=name, hostname=name, subdomain=wl.service_name)
    elif wl.kind == "DaemonSet":
        if not nodes:
            yield replace(base, name=f"{wl.name}-0")
        for node in nodes:
            if _schedulable(base, node):
                yield replace(base, name=f"{wl.name}-{node.name}", node_name=node.name)
    else:
        for i in range(wl.replicas):
            yield replace(base, name=f"{wl.name}-{_suffix(wl, i)}")


def _schedulable(pod: Pod, node: Node) -> bool:
    """nodeSelector matches and every NoSchedule/NoExecute taint is tolerated."""
    if any(node.labels.get(k) != v for k, v in pod.node_selector.items()):
        return False
    for taint in node.taints:
        if taint.effect == "PreferNoSchedule":
            continue
        if not any(_tolerates(t, taint) for t in pod.tolerations):
            return False
    return True


def _tolerates(tol: Toleration, taint: Taint) -> bool:
    # core/v1 Toleration.ToleratesTaint: empty key + Exists tolerates everything.
    if tol.effect and tol.effect != taint.effect:
        return False
    if not tol.key:
        return tol.operator == "Exists"
    if tol.key != taint.key:
        return False
    return tol.operator == "Exists" or tol.value == taint.value


def _suffix(wl: Workload, i: int) -> str:
    """A stable, readable stand-in for the controller's random suffix."""
    digest = hashlib.sha256(f"{wl.namespace}/{wl.kind}/{wl.name}/{i}".encode()).hexdigest()
    return f"netdiag{i}-{digest[:5]}"


def assign_synthetic_ips(pods: Sequence[Pod], nodes: Sequence[Node] = ()) -> list[Pod]:
    """Give every pod without an IP a distinct, deterministic one (``synthetic_ip``).

    A hostNetwork pod on a known node uses the node's first address instead: that
    is the address its traffic comes from, and it is not invented.
    """
    used = {ip for p in pods for ip in p.ips}
    node_ips = {n.name: ip for n in nodes if (ip := _first_ip(n.addresses))}
    out: list[Pod] = []
    for pod in sorted(pods, key=lambda p: (p.namespace, p.name)):
        if pod.ips:
            out.append(pod)
            continue
        if pod.host_network and pod.node_name in node_ips:
            out.append(replace(pod, ips=(node_ips[pod.node_name],), synthetic_ip=False))
            continue
        ip = _synthetic_ip(pod.key, used)
        used.add(ip)
        out.append(replace(pod, ips=(ip,), synthetic_ip=True))
    return out


def _synthetic_ip(key: str, used: set[str]) -> str:
    size = SYNTHETIC_NETWORK.num_addresses
    base = int(SYNTHETIC_NETWORK.network_address)
    offset = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % size
    for step in range(size):
        n = (offset + step) % size
        if n in (0, size - 1):
            continue  # network and broadcast addresses
        ip = str(ipaddress.IPv4Address(base + n))
        if ip not in used:
            return ip
    raise ValueError("synthetic address space exhausted")


def _first_ip(addresses: Sequence[str]) -> str:
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            continue
        return address
    return ""
