"""The matrix's class × class sides through the whole layer chain, not v1 alone.

:mod:`netdiag.policy.cells` computes each class pair's NetworkPolicy v1 ports
with bitsets. Where another layer of the chain (:mod:`netdiag.policy.layers`)
selects the subject class, that direction is re-judged by :func:`run_chain`
on one member of each class, with the v1 result as the NetworkPolicy layer.
Classes are built so that every layer sees all members of a class alike
(:meth:`PolicyLayer.signature`), and results are memoised by what the chain
can tell apart: the subject's and the peer's layer signatures, the
destination's named ports and the v1 ports.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from netdiag.policy.classes import Classes, Member
from netdiag.policy.endpoints import Endpoint, pod_endpoint
from netdiag.policy.layers import NetworkPolicyLayer, PolicyLayer, run_chain
from netdiag.policy.ports import ALL, PortSet
from netdiag.policy.verdict import Direction

#: A layer chain: ``None`` marks where the NetworkPolicy v1 layer goes.
Chain = Sequence[PolicyLayer | None]


def member_endpoint(mem: Member) -> Endpoint:
    if mem.pod is not None:
        return pod_endpoint(mem.pod)
    return Endpoint(text=mem.text, network=mem.network, cluster_ip_of=mem.cluster_ip_of)


@dataclass(slots=True)
class Overrides:
    """Per class, the chain's ports toward (egress) or from (ingress) each other class.

    ``None`` where no layer beyond v1 selects the class: the v1 table stands.
    ``unknown`` holds the peer classes whose ports are implementation-defined.
    """

    egress: list[list[PortSet] | None]
    ingress: list[list[PortSet] | None]
    egress_unknown: list[set[int]]
    ingress_unknown: list[set[int]]


def chain_overrides(
    cls: Classes,
    chain: Chain,
    query: PortSet,
    v1_egress: Sequence[Sequence[PortSet] | None],
    v1_ingress: Sequence[Sequence[PortSet] | None],
) -> Overrides | None:
    """The sides layers beyond v1 change; ``None`` when no such layer selects any class.

    ``v1_egress[s][d]`` / ``v1_ingress[d][s]``: the v1 ports, ``None`` for a class
    no NetworkPolicy isolates in that direction.
    """
    layers = [lay for lay in chain if lay is not None]
    if not layers:
        return None
    n = cls.count
    eps = [member_endpoint(m) for m in cls.reps]
    sigs = [tuple(lay.signature(ep) for lay in layers) for ep in eps]
    named = [None if x is None else frozenset(x.items()) for x in cls.named]
    out = Overrides(
        egress=[None] * n,
        ingress=[None] * n,
        egress_unknown=[set() for _ in range(n)],
        ingress_unknown=[set() for _ in range(n)],
    )
    memo: dict[tuple[Hashable, ...], tuple[PortSet, bool]] = {}
    any_selected = False
    for direction in (Direction.EGRESS, Direction.INGRESS):
        egress = direction is Direction.EGRESS
        v1 = v1_egress if egress else v1_ingress
        for s in range(n):
            subject = eps[s]
            if not any(lay.selects(subject, direction) for lay in layers):
                continue
            any_selected = True
            v1_row = v1[s]
            row: list[PortSet] = []
            unknown = out.egress_unknown[s] if egress else out.ingress_unknown[s]
            for d in range(n):
                v1_ports = ALL if v1_row is None else v1_row[d]
                dst = d if egress else s
                key = (direction, sigs[s], sigs[d], named[dst], v1_row is None, v1_ports)
                hit = memo.get(key)
                if hit is None:
                    v1_layer = NetworkPolicyLayer(isolated=v1_row is not None, allowed=v1_ports)
                    full = [v1_layer if lay is None else lay for lay in chain]
                    r = run_chain(full, subject, eps[d], direction, query)
                    hit = memo[key] = (r.allowed | r.unknown, bool(r.unknown))
                row.append(hit[0])
                if hit[1]:
                    unknown.add(d)
            if egress:
                out.egress[s] = row
            else:
                out.ingress[s] = row
    return out if any_selected else None
