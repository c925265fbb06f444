"""The matrix's class × class sides through the whole layer chain, not v1 alone.

:mod:`netdiag.policy.cells` computes each class pair's NetworkPolicy v1 ports
with bitsets. Where another layer of the chain (:mod:`netdiag.policy.layers`)
selects the subject class, that direction is re-judged by :func:`run_chain`
on one member of each class, with the v1 result as the NetworkPolicy layer.
Classes are built so that every layer sees all members of a class alike
(:meth:`PolicyLayer.signature`). Results are memoised on what the chain can
tell apart: each layer's :meth:`~PolicyLayer.profile` of the subject, its
:meth:`~PolicyLayer.peer_key` of the peer, and the v1 ports; rows are shared by
subjects with the same profiles and the same v1 row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from netdiag.policy.classes import Classes, Member
from netdiag.policy.endpoints import Endpoint, pod_endpoint
from netdiag.policy.layers import NetworkPolicyLayer, PolicyLayer, run_chain
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Direction

#: A layer chain: ``None`` marks where the NetworkPolicy v1 layer goes.
Chain = Sequence[PolicyLayer | None]


def member_endpoint(mem: Member) -> Endpoint:
    if mem.pod is not None:
        return pod_endpoint(mem.pod)
    return Endpoint(text=mem.text, network=mem.network, cluster_ip_of=mem.cluster_ip_of)


@dataclass(slots=True)
class Overrides:
    """Per class, the chain's port-set ids toward (egress) or from (ingress) each class.

    ``None`` where no layer beyond v1 selects the class: the v1 table stands.
    ``*_unknown`` hold the peer classes whose ports are implementation-defined.
    """

    egress: list[list[int] | None]
    ingress: list[list[int] | None]
    egress_unknown: list[set[int]]
    ingress_unknown: list[set[int]]


def chain_overrides(
    cls: Classes,
    chain: Chain,
    query: int,
    sets: list[PortSet],
    intern: Callable[[PortSet], int],
    v1_egress: Sequence[Sequence[int] | None],
    v1_ingress: Sequence[Sequence[int] | None],
) -> Overrides | None:
    """The sides layers beyond v1 change; ``None`` when no such layer selects any class.

    Port sets are ids into ``sets`` (``intern`` adds one). ``v1_egress[s][d]`` /
    ``v1_ingress[d][s]``: the v1 ports, ``None`` for a class no NetworkPolicy
    isolates in that direction (rows are shared between classes, so their
    identity is part of the row memo).
    """
    layers = [lay for lay in chain if lay is not None]
    if not layers:
        return None
    n = cls.count
    eps = [member_endpoint(m) for m in cls.reps]
    out = Overrides(
        egress=[None] * n,
        ingress=[None] * n,
        egress_unknown=[set() for _ in range(n)],
        ingress_unknown=[set() for _ in range(n)],
    )
    memo: dict[tuple[Hashable, ...], tuple[int, bool]] = {}
    rows: dict[tuple[Hashable, ...], tuple[list[int], set[int]]] = {}
    keys_of: dict[tuple[Hashable, ...], list[tuple[Hashable, ...]]] = {}
    layer_keys: dict[tuple[Hashable, ...], list[Hashable]] = {}
    any_selected = False
    for direction in (Direction.EGRESS, Direction.INGRESS):
        egress = direction is Direction.EGRESS
        v1 = v1_egress if egress else v1_ingress
        for s in range(n):
            subject = eps[s]
            profs = tuple(lay.profile(subject, direction) for lay in layers)
            if all(p is None for p in profs):
                continue
            any_selected = True
            v1_row = v1[s]
            row_key = (direction, profs, None if v1_row is None else id(v1_row))
            done = rows.get(row_key)
            if done is None:
                row: list[int] = []
                unknown: set[int] = set()
                peer_keys = keys_of.get((direction, profs))
                if peer_keys is None:
                    # Per layer and profile: subjects of different profile combinations
                    # share each layer's keys.
                    cols = []
                    for li, (lay, p) in enumerate(zip(layers, profs, strict=True)):
                        col = layer_keys.get((direction, li, p))
                        if col is None:
                            col = [lay.peer_key(p, peer, direction) for peer in eps]
                            layer_keys[(direction, li, p)] = col
                        cols.append(col)
                    peer_keys = keys_of[(direction, profs)] = list(zip(*cols, strict=True))
                for d in range(n):
                    peer = eps[d]
                    keys = peer_keys[d]
                    v1_ports = query if v1_row is None else v1_row[d]
                    key = (direction, profs, keys, v1_row is None, v1_ports)
                    hit = memo.get(key)
                    if hit is None:
                        v1_layer = NetworkPolicyLayer(
                            isolated=v1_row is not None, allowed=sets[v1_ports]
                        )
                        full = [v1_layer if lay is None else lay for lay in chain]
                        r = run_chain(full, subject, peer, direction, sets[query], explain=False)
                        hit = memo[key] = (intern(r.allowed | r.unknown), bool(r.unknown))
                    row.append(hit[0])
                    if hit[1]:
                        unknown.add(d)
                done = rows[row_key] = (row, unknown)
            if egress:
                out.egress[s] = done[0]
                out.egress_unknown[s] = done[1]
            else:
                out.ingress[s] = done[0]
                out.ingress_unknown[s] = done[1]
    return out if any_selected else None
