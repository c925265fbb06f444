"""The CNI-native policy kinds netdiag evaluates (Calico, Cilium), told apart by API group. Pure.

Objects of these kinds arrive as :class:`~netdiag.cluster.policykinds.ForeignPolicy`
(kept raw for the serializer); :mod:`netdiag.cluster.parse_cni` parses each into
its model when it is loaded, so a bad selector, entity or CIDR is an input error
naming the file, the object, the field and (for selectors) the column.
Which of them a cluster enforces follows its CNI (:func:`enforcing_cnis`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from netdiag.cluster.calico import (
    CALICO_GNP_KIND,
    CALICO_GROUPS,
    CALICO_NP_KIND,
    CALICO_TIER_KIND,
    CalicoPolicy,
    CalicoTier,
)
from netdiag.cluster.cilium import CCNP_KIND, CILIUM_GROUP, CNP_KIND, CiliumPolicy

GroupKind = tuple[str, str]
CniModel = CalicoPolicy | CalicoTier | CiliumPolicy

CALICO = "calico"
CILIUM = "cilium"

#: Evaluated kinds -> the CNI that enforces them.
CNI_KINDS: Mapping[GroupKind, str] = {
    **{(g, k): CALICO for g in CALICO_GROUPS for k in (CALICO_NP_KIND, CALICO_GNP_KIND)},
    **{(g, CALICO_TIER_KIND): CALICO for g in CALICO_GROUPS},
    (CILIUM_GROUP, CNP_KIND): CILIUM,
    (CILIUM_GROUP, CCNP_KIND): CILIUM,
}
#: Of those, the cluster-scoped ones.
CNI_CLUSTER_SCOPED: frozenset[GroupKind] = frozenset(
    {
        *((g, CALICO_GNP_KIND) for g in CALICO_GROUPS),
        *((g, CALICO_TIER_KIND) for g in CALICO_GROUPS),
        (CILIUM_GROUP, CCNP_KIND),
    }
)
#: CNI plugins (as :func:`netdiag.cluster.detect.cni_info` names them) that
#: enforce each kind family; Canal is Flannel networking with Calico policy.
_ENFORCED_BY: Mapping[str, frozenset[str]] = {
    CALICO: frozenset({"calico", "canal"}),
    CILIUM: frozenset({"cilium"}),
}


def enforcing_cnis(plugins: Iterable[str]) -> tuple[frozenset[str], bool]:
    """Which kind families (``calico``, ``cilium``) the cluster enforces, and whether
    that is assumed: with no CNI recognised, both are evaluated and answers say so."""
    found = set(plugins)
    if not found:
        return frozenset({CALICO, CILIUM}), True
    return frozenset(f for f, by in _ENFORCED_BY.items() if found & by), False
