"""Matrix cells when layers beyond networking.k8s.io/v1 apply (ClusterNetworkPolicy tiers,
Calico, Cilium). Pure.

The v1 table (:mod:`netdiag.policy.cells`) is exact for every pair whose source
egress and destination ingress no other layer selects: there the chain is the
v1 layer alone (for Calico, Kubernetes NetworkPolicies in the default tier
decide as v1 does). Classes are refined until members of a class look the same
to every layer (namespace, labels, named ports, service account, node, the
layers' address blocks and signatures, :class:`~netdiag.policy.layers.PolicyLayer`);
then each class pair with a selected side is judged once through the chain on
representative members.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Sequence

from netdiag.policy.cells import Cell, CellTable
from netdiag.policy.classes import Member, block_members
from netdiag.policy.compile import CompiledIPBlock
from netdiag.policy.endpoints import Endpoint, pod_endpoint
from netdiag.policy.ports import PortSet
from netdiag.policy.verdict import Direction, PathVerdict

#: Judges one ordered pair of endpoints through the whole chain.
PairJudge = Callable[[Endpoint, Endpoint, PortSet], PathVerdict]
#: True when a layer other than v1 selects the endpoint in the direction.
Selected = Callable[[Endpoint, Direction], bool]


def endpoint_of(mem: Member) -> Endpoint:
    if mem.pod is not None:
        return pod_endpoint(mem.pod)
    return Endpoint(text=mem.text, network=mem.network, cluster_ip_of=mem.cluster_ip_of)


def _key(mem: Member, base: int, blocks: frozenset[int], sig: Hashable) -> Hashable:
    if mem.pod is None:
        return ("cidr", base, mem.text)
    pod = mem.pod
    named = frozenset(
        (cp.name, cp.protocol, cp.container_port) for cp in pod.container_ports if cp.name
    )
    return ("pod", base, pod.namespace, pod.labels, named, blocks, pod.host_network, sig)


def layered_cells(
    members: Sequence[Member],
    coarse: Sequence[int],
    table: CellTable,
    *,
    blocks: Sequence[CompiledIPBlock],
    signature: Callable[[Endpoint], Hashable],
    selected: Selected,
    judge: PairJudge,
    query: PortSet,
) -> tuple[list[int], int, CellTable]:
    """Refined classes of ``members``, their count, and ``table`` extended to them."""
    in_blocks = block_members(blocks, members)
    refined: list[int] = []
    index: dict[Hashable, int] = {}
    reps: list[list[int]] = []
    base: list[int] = []
    for m, mem in enumerate(members):
        ep = endpoint_of(mem)
        key = _key(mem, coarse[m], frozenset(in_blocks[m]), signature(ep))
        c = index.setdefault(key, len(reps))
        if c == len(reps):
            reps.append([])
            base.append(coarse[m])
        if len(reps[c]) < 2:
            reps[c].append(m)
        refined.append(c)
    eps = [[endpoint_of(members[m]) for m in r] for r in reps]
    egress = [selected(e[0], Direction.EGRESS) for e in eps]
    ingress = [selected(e[0], Direction.INGRESS) for e in eps]
    codes: list[array[int]] = []
    for i in range(len(reps)):
        row = array("I")
        old = table.codes[base[i]]
        for j in range(len(reps)):
            if not (egress[i] or ingress[j]):
                row.append(old[base[j]])
                continue
            src = eps[i][0]
            dst = eps[j][0] if i != j else (eps[j][1] if len(eps[j]) > 1 else eps[j][0])
            p = judge(src, dst, query)
            row.append(table.code(Cell(verdict=p.verdict, ports=p.ports)))
        codes.append(row)
    table.codes = codes
    return refined, len(reps), table
