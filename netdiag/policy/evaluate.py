"""Evaluate and explain one connection: egress of the source AND ingress of the destination.

networking.k8s.io/v1 NetworkPolicy semantics (docs/architecture.md traps 1–9): a pod is
isolated in a direction only by policies of its own namespace that select it
and whose effective policyTypes name that direction; then a connection is
allowed if any rule of any of those policies allows it (rules and policies
OR, trap 2); a connection needs both the source's egress and the
destination's ingress.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from netdiag.cluster.model import ClusterSnapshot, Service
from netdiag.policy.endpoints import (
    Endpoint,
    backend_pods,
    pod_endpoint,
    resolve_endpoint,
    service_backends,
)
from netdiag.policy.ports import ALL, PortSet
from netdiag.policy.side import SideEvaluator, open_side
from netdiag.policy.verdict import (
    ConnectionVerdict,
    Direction,
    PathVerdict,
    Verdict,
    combine,
    summarise,
)


class Evaluator(SideEvaluator):
    """Compiled policies and lookup tables for one snapshot; ask it many questions.

    One side (``selecting``, ``side``, ``peer_miss``) comes from
    :class:`~netdiag.policy.side.SideEvaluator`; the connections are here.
    """

    # -- connections ------------------------------------------------------------
    def pods(
        self, src: Endpoint, dst: Endpoint, query: PortSet = ALL, via: str = ""
    ) -> PathVerdict:
        if src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key:
            # Trap 8: a pod can always reach itself (NetworkPolicy does not apply to loopback).
            note = "a pod can always connect to itself"
            return PathVerdict(
                src=src.text,
                dst=dst.text,
                verdict=Verdict.ALLOWED,
                ports=query,
                egress=open_side(Direction.EGRESS, src.text, query, note),
                ingress=open_side(Direction.INGRESS, dst.text, query, note),
                via=via,
            )
        egress = self.side(src, dst, Direction.EGRESS, query)
        ingress = self.side(dst, src, Direction.INGRESS, query)
        verdict, ports = combine(egress, ingress)
        return PathVerdict(
            src=src.text,
            dst=dst.text,
            verdict=verdict,
            ports=ports,
            egress=egress,
            ingress=ingress,
            via=via,
        )

    def connection(
        self, src: Endpoint | Service, dst: Endpoint | Service, query: PortSet | None = None
    ) -> ConnectionVerdict:
        """Evaluate a connection; Services are judged per backend after DNAT (trap 7)."""
        notes = list(self.snapshot_notes())
        if isinstance(src, Service):
            src_eps = [pod_endpoint(p) for p in backend_pods(self.snapshot, src)]
            notes.append(f"source service {src.key}: judged from each backend pod")
        else:
            src_eps = [src]
        if isinstance(dst, Service):
            return self._to_service(_text(src), src_eps, dst, query, notes)
        paths = tuple(self.pods(s, dst, query if query is not None else ALL) for s in src_eps)
        return summarise(_text(src), dst.text, query, paths, notes)

    def _to_service(
        self,
        src_text: str,
        srcs: list[Endpoint],
        svc: Service,
        query: PortSet | None,
        notes: list[str],
    ) -> ConnectionVerdict:
        backends = service_backends(self.snapshot, svc, None)
        paths = []
        for src in srcs:
            for b in backends:
                sp = b.service_port
                if query is not None and not query.contains(sp.protocol, sp.port):
                    continue
                via = f"service {svc.key} port {sp.port}/{sp.protocol.value} → {b.pod.key}:"
                if b.target_port is None:
                    notes.append(
                        f"{b.pod.key} has no container port named {sp.target_port!r} "
                        f"({sp.protocol.value})"
                    )
                    continue
                via += str(b.target_port)
                path = self.pods(
                    src, pod_endpoint(b.pod), PortSet.of(sp.protocol, b.target_port), via
                )
                path = replace(path, service_port=PortSet.of(sp.protocol, sp.port))
                paths.append(self._clusterip_ipblock(path, src, svc))
        if not backends:
            notes.append(f"service {svc.key} has no ready backends: connections fail")
        elif not paths:
            notes.append(f"service {svc.key} has no port matching {query}")
        return summarise(src_text, svc.key, query, tuple(paths), notes)

    def _clusterip_ipblock(self, path: PathVerdict, src: Endpoint, svc: Service) -> PathVerdict:
        """Trap 8: an egress ipBlock naming the ClusterIP may or may not see it (pre/post DNAT)."""
        if src.pod is None or not path.egress.isolated or path.egress.unknown:
            return path
        for pol in self.selecting(src.pod, Direction.EGRESS):
            for rule in pol.egress:
                for cp in rule.peers:
                    if cp.ip_block is None:
                        continue
                    for ip in svc.cluster_ips:
                        if cp.ip_block.contains_address(ipaddress.ip_address(ip)):
                            why = (
                                f"{pol.key} rule {rule.index} peer {cp.index} ({cp.ip_block}) "
                                f"names ClusterIP {ip}: pre- or post-DNAT matching is "
                                "implementation-defined"
                            )
                            egress = replace(path.egress, unknown=why)
                            verdict, ports = combine(egress, path.ingress)
                            return replace(path, verdict=verdict, ports=ports, egress=egress)
        return path

    def snapshot_notes(self) -> tuple[str, ...]:
        """What about the snapshot itself qualifies every verdict (CNI, unreadable data)."""
        notes: list[str] = []
        cni = self.snapshot.cni
        if cni.enforces_network_policy is False:
            # Trap 9: e.g. Flannel alone implements no NetworkPolicy at all.
            names = ", ".join(cni.plugins) or "the CNI"
            notes.append(
                f"{names} does not enforce NetworkPolicy: in this cluster every connection "
                "is open; the verdict is what the policies say"
            )
        if self.snapshot.incomplete:
            # RBAC refused some reads (live clusters): missing policies could deny
            # what looks allowed here, missing pods could be isolated differently.
            notes.append(
                "the snapshot is incomplete (" + "; ".join(self.snapshot.incomplete) + "): "
                "verdicts may change once that data is readable"
            )
        return tuple(notes)


def _text(ep: Endpoint | Service) -> str:
    return ep.key if isinstance(ep, Service) else ep.text


def evaluate(
    snapshot: ClusterSnapshot,
    src: Endpoint | Service | str,
    dst: Endpoint | Service | str,
    port: PortSet | None = None,
) -> ConnectionVerdict:
    """Evaluate ``src → dst`` (endpoints or their text: ``ns/pod``, ``ns/svc``, IP, CIDR)."""
    ev = Evaluator(snapshot)
    s = resolve_endpoint(snapshot, src) if isinstance(src, str) else src
    d = resolve_endpoint(snapshot, dst) if isinstance(dst, str) else dst
    return ev.connection(s, d, port)
