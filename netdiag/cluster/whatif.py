"""A proposed change applied to a snapshot: ``--with FILE`` objects and ``--without KIND/NS/NAME``.

Like ``kubectl apply`` and ``kubectl delete`` on a copy of the cluster: an object
given ``with`` replaces the snapshot's object of the same API group, kind,
namespace and name, and is added when there is none; a reference given
``without`` removes its object and must name one. The snapshot is written out
as manifests (:mod:`netdiag.cluster.serialize`), changed, and built again
(:func:`netdiag.cluster.build.snapshot_from_objects`), so the changed objects
are parsed and validated exactly as a manifest would be. What follows from the
objects follows again: the pods of a workload the change replaces are expanded
from its new template (with synthetic IPs, as a rollout would give new ones),
the pods of a deleted workload go with it, and EndpointSlices netdiag derived
from pods are derived again.
Pure: the caller reads the files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.model import ClusterSnapshot
from netdiag.cluster.serialize import snapshot_manifests
from netdiag.errors import ManifestError, UsageError

#: Kinds without a namespace (the rest default to ``default``, as kubectl does).
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "ClusterNetworkPolicy",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
        "GlobalNetworkPolicy",
    }
)

#: kubectl's short names and lower-case spellings -> kind.
KIND_ALIASES = {
    "ns": "Namespace",
    "no": "Node",
    "po": "Pod",
    "svc": "Service",
    "ep": "Endpoints",
    "netpol": "NetworkPolicy",
    "np": "NetworkPolicy",
    "cm": "ConfigMap",
    "deploy": "Deployment",
    "sts": "StatefulSet",
    "ds": "DaemonSet",
    "rs": "ReplicaSet",
    "cj": "CronJob",
}
KNOWN_KINDS = (
    "Namespace",
    "Node",
    "Pod",
    "Service",
    "Endpoints",
    "EndpointSlice",
    "NetworkPolicy",
    "ConfigMap",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectKey:
    """What identifies an object: API group (``""`` for core), kind, namespace, name."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind}/{where}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectRef:
    """A ``--without`` reference: kind (any group unless given), namespace, name."""

    kind: str
    namespace: str
    name: str
    group: str | None = None

    def matches(self, key: ObjectKey) -> bool:
        return (
            key.kind == self.kind
            and key.namespace == self.namespace
            and key.name == self.name
            and (self.group is None or key.group == self.group)
        )

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind}/{where}"


def _kind(text: str) -> tuple[str, str | None]:
    kind, _, group = text.partition(".")
    canonical = KIND_ALIASES.get(kind.lower())
    if canonical is None:
        lowered = {k.lower(): k for k in (*KNOWN_KINDS, *CLUSTER_SCOPED)}
        canonical = lowered.get(kind.lower().rstrip("s"), lowered.get(kind.lower(), kind))
    return canonical, (group or None)


def parse_ref(text: str) -> ObjectRef:
    """``KIND/NS/NAME`` (``KIND/NAME`` for cluster-scoped kinds); KIND may be a kubectl
    short name (``netpol``, ``svc``) or carry its group (``NetworkPolicy.networking.k8s.io``)."""
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise UsageError(
            f"--without {text!r}: expected KIND/NAMESPACE/NAME",
            hint="e.g. --without NetworkPolicy/default/deny-all, --without Namespace/dev",
        )
    kind, group = _kind(parts[0])
    if len(parts) == 2:
        if kind not in CLUSTER_SCOPED:
            raise UsageError(
                f"--without {text!r}: {kind} is namespaced: expected {kind}/NAMESPACE/NAME"
            )
        return ObjectRef(kind=kind, namespace="", name=parts[1], group=group)
    return ObjectRef(kind=kind, namespace=parts[1], name=parts[2], group=group)


def object_key(obj: Mapping[str, Any]) -> ObjectKey:
    """The key of a manifest dict (namespaced kinds without one: ``default``)."""
    api = str(obj.get("apiVersion") or "v1")
    group = api.rpartition("/")[0]
    kind = str(obj.get("kind") or "")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    ns = "" if kind in CLUSTER_SCOPED else str(meta.get("namespace") or "default")
    return ObjectKey(group=group, kind=kind, namespace=ns, name=str(meta.get("name") or ""))


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """A proposed change: objects to apply (with their origins) and references to delete."""

    apply: tuple[tuple[Mapping[str, Any], str], ...] = ()
    delete: tuple[ObjectRef, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.apply and not self.delete

    def describe(self) -> str:
        parts = [f"with {str(object_key(o))}" for o, _ in self.apply]
        parts += [f"without {r}" for r in self.delete]
        return ", ".join(parts)


def _annotation(obj: Mapping[str, Any], name: str) -> bool:
    meta = obj.get("metadata") or {}
    return str((meta.get("annotations") or {}).get(name, "")).lower() == "true"


def _owner(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or ()
    for ref in refs:
        return str(ref.get("kind", "")), str(ref.get("name", ""))
    return None


def apply_change(snapshot: ClusterSnapshot, change: Change) -> ClusterSnapshot:
    """``snapshot`` with ``change`` applied, rebuilt from manifests.

    Raises:
        UsageError: a ``delete`` reference names no object of the snapshot.
        ManifestError: an applied object is invalid (named by its origin).
    """
    objects = snapshot_manifests(snapshot)
    keys = [object_key(o) for o in objects]
    gone: set[int] = set()
    for ref in change.delete:
        hit = [i for i, k in enumerate(keys) if ref.matches(k) and i not in gone]
        if not hit:
            raise UsageError(
                f"--without {ref}: no such object in {snapshot.source or 'the snapshot'}",
                hint=_similar(ref, keys),
            )
        gone.update(hit)
    replaced: dict[ObjectKey, tuple[Mapping[str, Any], str]] = {}
    for obj, origin in change.apply:
        replaced[object_key(obj)] = (obj, origin)
    # Workloads the change touches: their expanded pods are expanded again (or not at all).
    touched = {(keys[i].namespace, keys[i].kind, keys[i].name) for i in gone}
    touched |= {(k.namespace, k.kind, k.name) for k in replaced}
    out: list[tuple[Mapping[str, Any], str]] = []
    origins = _origins(snapshot)
    default = snapshot.source or "snapshot"
    for i, (obj, key) in enumerate(zip(objects, keys, strict=True)):
        if i in gone or key in replaced or _derived(obj, key, touched):
            continue
        out.append((obj, origins.get((key.kind, key.namespace, key.name)) or default))
    out.extend(replaced.values())
    try:
        return snapshot_from_objects(out, source=snapshot.source)
    except ManifestError:
        raise
    except (TypeError, ValueError, KeyError) as e:  # pragma: no cover - the builder validates
        raise ManifestError(f"--with: {e}") from e


def _origins(snapshot: ClusterSnapshot) -> dict[tuple[str, str, str], str]:
    """Where each object was read (``file:line``), so findings on the changed snapshot
    still point at the manifests (SARIF locations)."""
    out: dict[tuple[str, str, str], str] = {}
    for kind, items in (
        ("Pod", snapshot.pods),
        ("Service", snapshot.services),
        ("NetworkPolicy", snapshot.network_policies),
        ("EndpointSlice", snapshot.endpoint_slices),
    ):
        for item in items:
            out[(kind, item.namespace, item.name)] = item.origin
    for ns in snapshot.namespaces:
        out[("Namespace", "", ns.name)] = ns.origin
    for node in snapshot.nodes:
        out[("Node", "", node.name)] = node.origin
    for wl in snapshot.workloads:
        out[(wl.kind, wl.namespace, wl.name)] = wl.origin
    return out


def _derived(obj: Mapping[str, Any], key: ObjectKey, touched: set[tuple[str, str, str]]) -> bool:
    if key.kind == "EndpointSlice":
        if _annotation(obj, f.DERIVED_ANNOTATION):
            return True  # derived again from the changed pods and Services
        # The EndpointSlice controller rebuilds (or, with the Service, deletes) the
        # slices of a Service the change touches: derive them again.
        labels = (obj.get("metadata") or {}).get("labels") or {}
        service = str(labels.get("kubernetes.io/service-name", ""))
        return (key.namespace, "Service", service) in touched
    if key.kind == "Pod":
        # A replaced workload rolls out new pods from its template; a deleted one
        # takes its pods with it (kubectl delete cascades): real pods included.
        owner = _owner(obj)
        return owner is not None and (key.namespace, owner[0], owner[1]) in touched
    return False


def _similar(ref: ObjectRef, keys: Sequence[ObjectKey]) -> str:
    same_kind = sorted({str(k) for k in keys if k.kind == ref.kind})
    if not same_kind:
        kinds = sorted({k.kind for k in keys})
        return "kinds in the snapshot: " + ", ".join(kinds)
    near = [k for k in same_kind if ref.name in k] or same_kind
    shown = ", ".join(near[:5]) + (f" (+{len(near) - 5} more)" if len(near) > 5 else "")
    return f"{ref.kind} objects: {shown}"


def with_objects(
    documents: Iterable[tuple[Mapping[str, Any], str]],
) -> tuple[tuple[Mapping[str, Any], str], ...]:
    """The objects of ``--with`` files (Lists already split by the loader), without Lists."""
    return tuple(
        (o, origin) for o, origin in documents if not str(o.get("kind", "")).endswith("List")
    )
