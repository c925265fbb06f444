"""Raw Kubernetes objects -> one :class:`ClusterSnapshot`. Pure.

The sources (manifest loader, live client, demo) hand over ``(object, origin)``
pairs; this module flattens lists, parses each object, expands workloads, assigns
synthetic IPs, derives EndpointSlices and reads cluster DNS and CNI facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.corefile import CorefileError
from netdiag.cluster.detect import cluster_dns, cni_info
from netdiag.cluster.endpoints import derive_slices
from netdiag.cluster.expand import assign_synthetic_ips, expand_workloads, top_level_owner
from netdiag.cluster.meta import NAMESPACE_NAME_LABEL, Labels, ObjectRef
from netdiag.cluster.model import (
    ClusterSnapshot,
    EndpointSlice,
    Namespace,
    Node,
    OwnerRef,
    Pod,
    Service,
    Workload,
)
from netdiag.cluster.networkpolicy import NetworkPolicy
from netdiag.cluster.parse import PARSERS, ConfigMap, Parsed, manifest_error, parse_object
from netdiag.errors import ManifestError

KEEP_GOING_HINT = "--keep-going loads the other objects and reports this one as a warning"
#: ``kubectl get`` typed lists (``PodList``) give their kind to items without one.
_LIST_SUFFIX = "List"


@dataclass
class _Collected:
    namespaces: list[Namespace] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    slices: list[EndpointSlice] = field(default_factory=list)
    legacy_slices: list[EndpointSlice] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    config_maps: list[ConfigMap] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    incomplete: list[str] = field(default_factory=list)


def flatten(obj: Mapping[str, Any], origin: str) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """Yield ``(object, origin, kind)`` for an object or each item of a (typed) list."""
    kind = obj.get("kind")
    if isinstance(kind, str) and kind.endswith(_LIST_SUFFIX) and isinstance(obj.get("items"), list):
        item_kind = kind[: -len(_LIST_SUFFIX)]
        for i, item in enumerate(obj["items"]):
            where = f"{origin}, items[{i}]"
            if not isinstance(item, Mapping):
                raise ManifestError(f"{where}: must be a mapping, not {type(item).__name__}")
            sub_kind = str(item.get("kind") or item_kind)
            if not sub_kind:
                raise ManifestError(f"{where}: object has no 'kind'")
            if sub_kind.endswith(_LIST_SUFFIX) and isinstance(item.get("items"), list):
                yield from flatten(item, where)
            else:
                yield item, where, sub_kind
        return
    if not isinstance(kind, str) or not kind:
        raise ManifestError(f"{origin}: object has no 'kind'", hint="every manifest needs kind")
    yield obj, origin, kind


def list_incomplete(obj: Mapping[str, Any], origin: str) -> tuple[str, ...]:
    """``ClusterSnapshot.incomplete`` as recorded on a List by :mod:`netdiag.cluster.serialize`."""
    kind = obj.get("kind")
    meta = obj.get("metadata")
    if not (isinstance(kind, str) and kind.endswith(_LIST_SUFFIX) and isinstance(meta, Mapping)):
        return ()
    annotations = meta.get("annotations")
    if not isinstance(annotations, Mapping) or f.INCOMPLETE_ANNOTATION not in annotations:
        return ()
    import json

    text = annotations[f.INCOMPLETE_ANNOTATION]
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        value = None
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        where = f"metadata.annotations[{f.INCOMPLETE_ANNOTATION!r}]"
        raise ManifestError(f"{origin}: {kind}: {where}: must be a JSON array of strings")
    return tuple(value)


def _incomplete(
    raw: Mapping[str, Any], origin: str, keep_going: bool, warnings: list[str]
) -> tuple[str, ...]:
    """A bad annotation on a List is that List's error; its items still load."""
    try:
        return list_incomplete(raw, origin)
    except ManifestError as e:
        if not keep_going:
            raise ManifestError(e.message, hint=KEEP_GOING_HINT) from None
        warnings.append(e.message)
        return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedSource:
    """What one source object (or one list) parses to, before any cross-object step.

    A pure function of the object and its origin (:func:`parse_source`), so a
    caller that sees the same unchanged object again may reuse it
    (:mod:`netdiag.sources.incremental`).
    """

    #: Parsed values in source order, each with True when it came from a legacy
    #: ``Endpoints`` object (used only for services that have no EndpointSlice).
    values: tuple[tuple[Parsed, bool], ...] = ()
    warnings: tuple[str, ...] = ()
    #: Kinds seen but not modelled, once per object.
    skipped: tuple[str, ...] = ()
    #: Refusals recorded on a List (:func:`list_incomplete`).
    incomplete: tuple[str, ...] = ()


def parse_source(raw: Mapping[str, Any], origin: str, *, keep_going: bool) -> ParsedSource:
    """Parse one source object or (typed) list.

    Raises:
        ManifestError: on a bad object, unless ``keep_going`` (then a warning).
    """
    values: list[tuple[Parsed, bool]] = []
    warnings: list[str] = []
    skipped: list[str] = []
    incomplete = _incomplete(raw, origin, keep_going, warnings)
    try:
        for obj, where, kind in flatten(raw, origin):
            if kind not in PARSERS:
                skipped.append(kind)
                continue
            try:
                result = parse_object(obj, where, kind)
            except ManifestError as e:
                if not keep_going:
                    raise ManifestError(e.message, hint=KEEP_GOING_HINT) from None
                warnings.append(e.message)
                continue
            warnings.extend(result.warnings)
            legacy = kind == "Endpoints"
            values.extend((replace(value, origin=where), legacy) for value in result.objects)
    except ManifestError as e:
        if not keep_going:
            raise
        warnings.append(e.message)
    return ParsedSource(
        values=tuple(values),
        warnings=tuple(warnings),
        skipped=tuple(skipped),
        incomplete=incomplete,
    )


def _collect(parsed: Iterable[ParsedSource]) -> _Collected:
    c = _Collected()
    buckets: dict[type, list[Any]] = {
        Namespace: c.namespaces,
        Pod: c.pods,
        Service: c.services,
        EndpointSlice: c.slices,
        NetworkPolicy: c.policies,
        Node: c.nodes,
        Workload: c.workloads,
        ConfigMap: c.config_maps,
    }
    for source in parsed:
        if source.warnings:
            c.warnings.extend(source.warnings)
        if source.skipped:
            c.skipped.update(source.skipped)
        if source.incomplete:
            c.incomplete.extend(source.incomplete)
        for value, legacy in source.values:
            bucket: list[Any] = c.legacy_slices if legacy else buckets[type(value)]
            bucket.append(value)
    return c


def _dedupe(items: list[Any], kind: str, warnings: list[str]) -> list[Any]:
    """Last definition of ``ns/name`` wins (like ``kubectl apply`` of the same file twice)."""
    seen: dict[tuple[str, str], Any] = {}
    for item in items:
        key = (getattr(item, "namespace", ""), item.name)
        if key in seen:
            ref = ObjectRef(kind=kind, namespace=key[0], name=key[1])
            warnings.append(f"{item.origin}: {ref}: duplicate, replaces {seen[key].origin}")
        seen[key] = item
    return [seen[k] for k in sorted(seen)]


def _namespaces(c: _Collected) -> tuple[Namespace, ...]:
    declared = {ns.name: ns for ns in _dedupe(c.namespaces, "Namespace", c.warnings)}
    referenced: set[str] = set()
    for group in (c.pods, c.services, c.slices, c.legacy_slices, c.policies, c.workloads):
        referenced.update(obj.namespace for obj in group)
    referenced.update(cm.namespace for cm in c.config_maps)
    for name in referenced - declared.keys():
        # Referenced but not declared: it exists, with the automatic label.
        declared[name] = Namespace(
            name=name, labels=Labels({NAMESPACE_NAME_LABEL: name}), declared=False
        )
    return tuple(declared[k] for k in sorted(declared))


class Reuse:
    """Results of pure per-pod steps kept from one assembly to the next.

    For an incremental caller (:mod:`netdiag.sources.incremental`) that hands the
    same :class:`Pod` objects to :func:`assemble` again: a pod whose top-level
    owner is not its direct owner is a new object per assembly, which costs a
    ``dataclasses.replace`` and makes every later comparison of snapshots deep.
    A hit needs the very same pod object and an equal owner, so the result is
    the value ``replace`` would give. Entries the latest assembly did not use
    are dropped by :meth:`next_round`.
    """

    __slots__ = ("_new", "_old")

    def __init__(self) -> None:
        self._old: dict[int, tuple[Pod, OwnerRef | None, Pod]] = {}
        self._new: dict[int, tuple[Pod, OwnerRef | None, Pod]] = {}

    def with_owner(self, pod: Pod, owner: OwnerRef | None) -> Pod:
        hit = self._old.get(id(pod)) or self._new.get(id(pod))
        if hit is None or hit[0] is not pod or hit[1] != owner:
            hit = (pod, owner, replace(pod, owner=owner))
        self._new[id(pod)] = hit
        return hit[2]

    def next_round(self) -> None:
        self._old, self._new = self._new, {}


def _pods(
    c: _Collected,
    workloads: list[Workload],
    nodes: list[Node],
    expand: Collection[str] | None,
    reuse: Reuse | None,
) -> list[Pod]:
    index = {(w.namespace, w.kind, w.name): w for w in workloads}
    pods = [_with_top_owner(p, index, reuse) for p in _dedupe(c.pods, "Pod", c.warnings)]
    names = {p.key for p in pods}
    expandable = [w for w in workloads if expand is None or w.namespace in expand]
    for extra in expand_workloads(expandable, pods, nodes):
        if extra.key not in names:
            names.add(extra.key)
            # A ReplicaSet whose Deployment is not in the input still names it.
            pods.append(_with_top_owner(extra, index, reuse))
    return assign_synthetic_ips(pods, nodes)


def _with_top_owner(
    pod: Pod, index: dict[tuple[str, str, str], Workload], reuse: Reuse | None
) -> Pod:
    owner = top_level_owner(pod.namespace, pod.owner, index)
    if owner == pod.owner:
        return pod
    return replace(pod, owner=owner) if reuse is None else reuse.with_owner(pod, owner)


def _slices(c: _Collected, services: list[Service], pods: list[Pod]) -> list[EndpointSlice]:
    slices = _dedupe(c.slices, "EndpointSlice", c.warnings)
    covered = {(s.namespace, s.service_name) for s in slices}
    # Legacy Endpoints only for services that have no EndpointSlice (both come in dumps).
    for legacy in _dedupe(c.legacy_slices, "Endpoints", c.warnings):
        if (legacy.namespace, legacy.service_name) not in covered:
            slices.append(legacy)
    covered = {(s.namespace, s.service_name) for s in slices}
    by_namespace: dict[str, list[Pod]] = {}
    for pod in pods:
        by_namespace.setdefault(pod.namespace, []).append(pod)
    for svc in services:
        if (svc.namespace, svc.name) not in covered:
            slices.extend(derive_slices(svc, by_namespace.get(svc.namespace, [])))
    return sorted(slices, key=lambda s: (s.namespace, s.name))


def snapshot_from_objects(
    objects: Iterable[tuple[Mapping[str, Any], str]],
    *,
    source: str,
    keep_going: bool = False,
    expand_namespaces: Collection[str] | None = None,
) -> ClusterSnapshot:
    """Build a snapshot from ``(object dict, origin)`` pairs.

    ``expand_namespaces`` limits workload expansion to those namespaces (``None``:
    all). A live source that listed pods only in some namespaces but read
    kube-system workloads for DNS/CNI facts passes the namespaces it listed pods in.

    Raises:
        ManifestError: on the first bad object, unless ``keep_going`` (then warnings).
    """
    parsed = (parse_source(raw, origin, keep_going=keep_going) for raw, origin in objects)
    return assemble(
        parsed, source=source, keep_going=keep_going, expand_namespaces=expand_namespaces
    )


def assemble(
    parsed: Iterable[ParsedSource],
    *,
    source: str,
    keep_going: bool = False,
    expand_namespaces: Collection[str] | None = None,
    reuse: Reuse | None = None,
) -> ClusterSnapshot:
    """The snapshot of already parsed objects (see :func:`snapshot_from_objects`).

    ``reuse`` carries per-pod results between assemblies of mostly the same
    parsed objects; the snapshot is the same with or without it.
    """
    c = _collect(parsed)
    nodes = _dedupe(c.nodes, "Node", c.warnings)
    workloads = sorted(
        {(w.namespace, w.kind, w.name): w for w in c.workloads}.values(),
        key=lambda w: (w.namespace, w.name, w.kind),
    )
    services = _dedupe(c.services, "Service", c.warnings)
    pods = _pods(c, workloads, nodes, expand_namespaces, reuse)
    config_maps = _dedupe(c.config_maps, "ConfigMap", c.warnings)
    try:
        dns = cluster_dns(config_maps, services, workloads)
    except CorefileError as e:
        cm = next(m for m in config_maps if m.name == "coredns")
        ref = ObjectRef(kind="ConfigMap", namespace=cm.namespace, name=cm.name)
        error = manifest_error(cm.origin, ref, "data.Corefile", str(e))
        if not keep_going:
            raise ManifestError(error.message, hint=KEEP_GOING_HINT) from None
        c.warnings.append(error.message)
        dns = cluster_dns([m for m in config_maps if m is not cm], services, workloads)
    return ClusterSnapshot(
        namespaces=_namespaces(c),
        pods=tuple(pods),
        services=tuple(services),
        endpoint_slices=tuple(_slices(c, services, pods)),
        network_policies=tuple(_dedupe(c.policies, "NetworkPolicy", c.warnings)),
        nodes=tuple(nodes),
        workloads=tuple(workloads),
        dns=dns,
        cni=cni_info(workloads, pods),
        source=source,
        warnings=tuple(c.warnings),
        skipped_kinds=tuple(sorted(c.skipped.items())),
        # Several dumps of one cluster may record the same refusal: keep it once.
        incomplete=tuple(dict.fromkeys(c.incomplete)),
    )
