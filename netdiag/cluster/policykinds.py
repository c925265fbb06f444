"""Which API group and kind an object is, and the policy kinds netdiag does not evaluate. Pure.

Objects are told apart by API group *and* kind: ``projectcalico.org/v3``
``NetworkPolicy`` is not ``networking.k8s.io/v1`` ``NetworkPolicy``. A kind
netdiag models is accepted only from its own groups (:data:`MODELLED_GROUPS`);
an object without ``apiVersion`` (a hand-written manifest, an item of a typed
list) is taken to be the built-in kind of that name.

:data:`UNEVALUATED_KINDS` is the one table of kinds that change reachability but
that netdiag does not evaluate. Objects of those kinds are kept raw in
``ClusterSnapshot.foreign_policies`` and every answer says they were not
evaluated (:func:`unevaluated_layers`). An engine that learns to evaluate a
kind removes its entry here and parses the raw objects it finds in
``foreign_policies`` (whose kinds are :data:`FOREIGN_POLICY_KINDS`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netdiag.cluster.cnikinds import CNI_CLUSTER_SCOPED, CNI_KINDS, CniModel, enforcing_cnis

#: ``(group, kind)``; the core group is ``""``.
GroupKind = tuple[str, str]

_CORE = frozenset({""})
_APPS = frozenset({"apps", "extensions"})
_BATCH = frozenset({"batch"})

#: The API groups each modelled kind is read from.
MODELLED_GROUPS: Mapping[str, frozenset[str]] = {
    "Namespace": _CORE,
    "Pod": _CORE,
    "Service": _CORE,
    "Endpoints": _CORE,
    "Node": _CORE,
    "ConfigMap": _CORE,
    "EndpointSlice": frozenset({"discovery.k8s.io"}),
    "NetworkPolicy": frozenset({"networking.k8s.io"}),
    "Deployment": _APPS,
    "StatefulSet": _APPS,
    "DaemonSet": _APPS,
    "ReplicaSet": _APPS,
    "Job": _BATCH,
    "CronJob": _BATCH,
    "ClusterNetworkPolicy": frozenset({"policy.networking.k8s.io"}),
    "AdminNetworkPolicy": frozenset({"policy.networking.k8s.io"}),
    "BaselineAdminNetworkPolicy": frozenset({"policy.networking.k8s.io"}),
}

#: Kinds that change which connections a cluster allows and that netdiag does
#: not evaluate, with what they are. Every matrix, reach, export and audit
#: names them when a snapshot holds any.
UNEVALUATED_KINDS: dict[GroupKind, str] = {
    ("crd.antrea.io", "NetworkPolicy"): "Antrea namespaced policy",
    ("crd.antrea.io", "ClusterNetworkPolicy"): "Antrea cluster-wide policy",
    ("k8s.ovn.org", "EgressFirewall"): "OVN-Kubernetes egress firewall",
    ("security.istio.io", "AuthorizationPolicy"): "Istio authorization (L4/L7 deny/allow)",
    ("networking.gke.io", "FQDNNetworkPolicy"): "GKE FQDN egress policy",
}

#: Every policy kind kept raw in the snapshot: the unevaluated ones plus any an
#: engine has taken off :data:`UNEVALUATED_KINDS` (listed here so their raw
#: objects keep flowing to it): Calico and Cilium (:mod:`netdiag.cluster.cnikinds`).
FOREIGN_POLICY_KINDS: frozenset[GroupKind] = frozenset(UNEVALUATED_KINDS) | frozenset(CNI_KINDS)


def api_group(obj: Mapping[str, Any]) -> str | None:
    """The group of ``apiVersion`` (``""`` for ``v1``), or ``None`` when it is absent."""
    version = obj.get("apiVersion")
    if not isinstance(version, str) or not version:
        return None
    group, slash, _ = version.rpartition("/")
    return group if slash else ""


def is_modelled(kind: str, group: str | None) -> bool:
    groups = MODELLED_GROUPS.get(kind)
    return groups is not None and (group is None or group in groups)


def is_foreign_policy(kind: str, group: str | None) -> bool:
    return group is not None and (group, kind) in FOREIGN_POLICY_KINDS


def display_kind(kind: str, group: str | None) -> str:
    """``Kind`` for the core group or an unknown group, ``Kind.group`` otherwise (kubectl style)."""
    return f"{kind}.{group}" if group else kind


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignPolicy:
    """An object of a policy kind in :data:`FOREIGN_POLICY_KINDS`, kept as read."""

    group: str
    kind: str
    namespace: str
    name: str
    #: The object as read (manifest or API), for an engine to parse and for the
    #: serializer to write back verbatim.
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    origin: str = field(default="", compare=False)
    #: The parsed object for the kinds netdiag evaluates (Calico, Cilium).
    model: CniModel | None = field(default=None, compare=False, hash=False)

    @property
    def group_kind(self) -> GroupKind:
        return (self.group, self.kind)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class UnevaluatedLayer:
    """One kind of policy present in the snapshot that no verdict takes into account."""

    group: str
    kind: str
    count: int
    description: str

    @property
    def display(self) -> str:
        return display_kind(self.kind, self.group)

    @property
    def warning(self) -> str:
        s = "" if self.count == 1 else "s"
        return (
            f"{self.count} {self.display} object{s} ({self.description}) not evaluated: "
            f"connections {'it allows or denies' if self.count == 1 else 'they allow or deny'} "
            "are not reflected here"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "group": self.group,
            "kind": self.kind,
            "count": self.count,
            "description": self.description,
        }


def unevaluated_layers(
    policies: Iterable[ForeignPolicy], cni_plugins: Iterable[str] = ()
) -> tuple[UnevaluatedLayer, ...]:
    """The kinds of ``policies`` still in :data:`UNEVALUATED_KINDS`, and the Calico or
    Cilium kinds the detected CNI does not enforce, with counts, sorted."""
    plugins = tuple(cni_plugins)
    enforced, _assumed = enforcing_cnis(plugins)
    counts = Counter(
        p.group_kind
        for p in policies
        if p.group_kind in UNEVALUATED_KINDS
        or (p.group_kind in CNI_KINDS and CNI_KINDS[p.group_kind] not in enforced)
    )
    return tuple(
        UnevaluatedLayer(group=g, kind=k, count=n, description=_why(g, k, plugins))
        for (g, k), n in sorted(counts.items())
    )


def _why(group: str, kind: str, plugins: tuple[str, ...]) -> str:
    described = UNEVALUATED_KINDS.get((group, kind))
    if described is not None:
        return described
    family = CNI_KINDS[(group, kind)]
    return f"{family} policy, not enforced by this cluster's CNI ({', '.join(plugins)})"


def parse_foreign(
    obj: Mapping[str, Any], origin: str, group: str, kind: str, namespaced: bool
) -> ForeignPolicy:
    """Keep a foreign policy object; only its name is read (an engine parses the rest)."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    namespace = str(meta.get("namespace") or "default") if namespaced else ""
    return ForeignPolicy(
        group=group,
        kind=kind,
        namespace=namespace,
        name=str(meta.get("name") or "?"),
        raw=obj,
        origin=origin,
    )


#: Foreign kinds that are cluster-scoped (no namespace).
CLUSTER_SCOPED_FOREIGN: frozenset[GroupKind] = frozenset(
    {("crd.antrea.io", "ClusterNetworkPolicy"), *CNI_CLUSTER_SCOPED}
)
