"""What every check receives: the snapshot, the scope, and shared derived facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from netdiag.cluster.model import ClusterSnapshot, Pod, Workload
from netdiag.dns.resolver.driver import Zone


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditContext:
    snapshot: ClusterSnapshot
    #: Namespaces in scope; empty = every namespace (``-A``).
    namespaces: frozenset[str] = field(default_factory=frozenset)
    #: The cluster zone name checks trace against (with the source's upstream):
    #: the same zone ``netdiag resolve`` answers from.
    zone: Zone

    def in_scope(self, namespace: str) -> bool:
        return not self.namespaces or namespace in self.namespaces

    def pods(self) -> Iterable[Pod]:
        return (p for p in self.snapshot.pods if self.in_scope(p.namespace))

    def workloads(self) -> Iterable[Workload]:
        return (w for w in self.snapshot.workloads if self.in_scope(w.namespace))

    def pods_of(self, workload: Workload) -> tuple[Pod, ...]:
        return tuple(
            p
            for p in self.snapshot.pods
            if p.namespace == workload.namespace
            and p.owner is not None
            and p.owner.kind == workload.kind
            and p.owner.name == workload.name
        )
