"""The one change that fixes a blocked hop of ``reach SRC NAME``, as a NetworkPolicy rule. Pure.

Text for the user and a YAML rule (an ``egress``/``ingress`` list item) to add
to the policy that decided the denial: the nearest miss's policy on the egress
side, the destination's first isolating policy on the ingress side. Ports are
the ones the policy sees: after DNAT, a Service's targetPort (trap 7).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from netdiag.cluster.meta import Protocol
from netdiag.cluster.model import ClusterSnapshot, Pod
from netdiag.dns.resolver.dnspath import DnsServer
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import ConnectionVerdict, Direction, PathVerdict, Verdict


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def rule_yaml(direction: Direction, peer: str, ports: list[tuple[str, int | None]]) -> str:
    key = "to" if direction is Direction.EGRESS else "from"
    lines = [f"- {key}:", f"  - {peer}", "  ports:"]
    for proto, port in ports:
        lines.append(f"  - protocol: {proto}" + (f"\n    port: {port}" if port is not None else ""))
    return "\n".join(lines) + "\n"


def pod_peer(namespace: str, labels: Mapping[str, str]) -> str:
    """A peer selecting pods with ``labels`` in ``namespace`` (by its automatic name label)."""
    ns = f"{{matchLabels: {{kubernetes.io/metadata.name: {namespace}}}}}"
    if not labels:
        return f"namespaceSelector: {ns}"
    pods = ", ".join(f"{k}: {v}" for k, v in sorted(labels.items()))
    return f"namespaceSelector: {ns}\n    podSelector: {{matchLabels: {{{pods}}}}}"


def dns_fix(
    snapshot: ClusterSnapshot,
    pod: Pod,
    *,
    server: DnsServer,
    protocol: Protocol,
    behind: str,
    verdict: Verdict,
    connection: ConnectionVerdict,
) -> tuple[str, str]:
    """The rule that lets ``pod``'s DNS through a blocked hop to ``server``.

    ``behind``: the hop is NodeLocal DNSCache's forward to CoreDNS (from the node).
    """
    both: list[tuple[str, int | None]] = [("UDP", 53), ("TCP", 53)]
    if server.kind == "nodelocal":
        cidr = cidr_of(server.address)
        return (
            f"allow egress from {pod.key} to ipBlock {cidr} (NodeLocal DNSCache) on UDP and "
            "TCP 53: no pod selector matches a hostNetwork cache on the node",
            rule_yaml(Direction.EGRESS, f"ipBlock: {{cidr: {cidr}}}", both),
        )
    if behind:
        path = next((p for p in connection.paths if p.verdict is not Verdict.ALLOWED), None)
        policies = path.ingress.policies if path is not None else ()
        address = path.src.rsplit("(", 1)[-1].rstrip(")") if path is not None else ""
        cidr = cidr_of(address) if is_ip(address) else "<the nodes' addresses>"
        proto = protocol.value
        return (
            f"add to {policies[0] if policies else 'the CoreDNS ingress policy'} an ingress "
            f"rule allowing ipBlock {cidr} (the node cache) on {proto} 53",
            rule_yaml(Direction.INGRESS, f"ipBlock: {{cidr: {cidr}}}", [(proto, 53)]),
        )
    path = next((p for p in connection.paths if p.verdict is verdict), None)
    if path is None:
        return f"{server.address}: " + "; ".join(connection.notes), ""
    what = f"the pods behind service {server.service.key}" if server.service else ""
    return path_fix(snapshot, pod, path, both, what=what)


def path_fix(
    snapshot: ClusterSnapshot,
    pod: Pod,
    path: PathVerdict,
    ports: list[tuple[str, int | None]],
    also: tuple[str, ...] = (),
    *,
    what: str = "",
) -> tuple[str, str]:
    """The rule to add on the side that denies ``path`` (ports after DNAT: trap 7);
    ``also``: further external addresses of the name the same rule must allow."""
    port_text = ", ".join(f"{p} {n}" if n is not None else f"every {p} port" for p, n in ports)
    if path.egress.ports.is_empty or path.egress.unknown:
        side = path.egress
        miss = side.nearest_miss
        policy = (
            miss.policy
            if miss is not None and miss.rule >= 0
            else (side.policies[0] if side.policies else f"a policy selecting {pod.key}")
        )
        ns, _, name = path.dst.partition("/")
        dst_pod = snapshot.pod(ns, name) if name else None
        if dst_pod is not None:
            peer = pod_peer(dst_pod.namespace, dst_pod.labels)
        else:
            cidrs = [cidr_of(a.split(" ", 1)[0]) for a in (*also, path.dst)]
            cidrs = list(dict.fromkeys(cidrs))
            peer = "\n  - ".join(f"ipBlock: {{cidr: {c}}}" for c in cidrs)
            return (
                f"add to {policy} an egress rule allowing {', '.join(cidrs)} on {port_text}",
                rule_yaml(Direction.EGRESS, peer, ports),
            )
        return (
            f"add to {policy} an egress rule allowing {what or path.dst} on {port_text}",
            rule_yaml(Direction.EGRESS, peer, ports),
        )
    side = path.ingress
    policy = side.policies[0] if side.policies else f"a policy selecting {path.dst}"
    return (
        f"add to {policy} an ingress rule allowing {pod.key} on {port_text}",
        rule_yaml(Direction.INGRESS, pod_peer(pod.namespace, pod.labels), ports),
    )


def cidr_of(address: str) -> str:
    return f"{address}/{128 if ':' in address else 32}"


def target_ports(path: PathVerdict, query: PortSet | None) -> list[tuple[str, int | None]]:
    """The ports the policy sees: a Service backend's targetPort, else the question's."""
    if path.service_port is not None and path.via:
        proto = next(p for p, _ in path.service_port.items())
        tail = path.via.rsplit(":", 1)[-1]  # "service … → ns/pod:8080" (Evaluator)
        if tail.isdigit():
            return [(proto.value, int(tail))]
    if query is None:
        return [("TCP", None)]
    return [(proto.value, lo) for proto, rng in query.items() for lo, _hi in rng] or [("TCP", None)]


__all__ = ["cidr_of", "dns_fix", "is_ip", "path_fix", "pod_peer", "rule_yaml", "target_ports"]
