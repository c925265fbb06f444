"""Pod specs (of Pods and of workload templates) and workloads, from Kubernetes dicts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.fields import FieldError
from netdiag.cluster.intern import Memo
from netdiag.cluster.model import (
    Container,
    ContainerPort,
    OwnerRef,
    Pod,
    PodDNSConfig,
    Toleration,
    Workload,
)
from netdiag.cluster.selectors import LabelSelector, SelectorError, parse_selector

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")
_SLEEP = re.compile(r"^(?:/bin/|/usr/bin/)?sleep$")


def parse_pod_spec(
    spec: Mapping[str, Any],
    meta: Mapping[str, Any],
    *,
    namespace: str,
    name: str,
    path: str,
    **status: Any,
) -> Pod:
    """A :class:`Pod` from ``metadata`` + ``spec``; ``path`` prefixes ``spec``.

    ``status`` holds further Pod fields (ips, phase, ...), set at construction.
    """
    sp = f.join(path, "spec")
    containers = tuple(
        _container(f.item_map(c, f"{sp}.containers[{i}]"), f"{sp}.containers[{i}]")
        for i, c in enumerate(f.seq(spec, "containers", sp))
    )
    affinity = f.mapping(spec, "affinity", sp)
    status.setdefault("annotations", f.labels(meta, "annotations", "metadata"))
    return Pod(
        namespace=namespace,
        name=name,
        labels=f.labels(meta, "labels", "metadata"),
        host_network=f.boolean(spec, "hostNetwork", sp),
        node_name=f.string(spec, "nodeName", sp),
        containers=containers,
        dns_policy=f.string(spec, "dnsPolicy", sp, "ClusterFirst"),
        dns_config=_dns_config(spec, sp),
        hostname=f.string(spec, "hostname", sp),
        subdomain=f.string(spec, "subdomain", sp),
        service_account=f.string(spec, "serviceAccountName", sp)
        or f.string(spec, "serviceAccount", sp, "default"),
        node_selector=f.labels(spec, "nodeSelector", sp),
        tolerations=tuple(
            _toleration(f.item_map(t, f"{sp}.tolerations[{i}]"), f"{sp}.tolerations[{i}]")
            for i, t in enumerate(f.seq(spec, "tolerations", sp))
        ),
        has_pod_anti_affinity=bool(affinity.get("podAntiAffinity")),
        termination_grace_period_seconds=f.integer(
            spec, "terminationGracePeriodSeconds", sp, default=30, low=0
        )
        or 0,
        **status,
    )


def _container(raw: Mapping[str, Any], path: str) -> Container:
    ports = tuple(
        _container_port(f.item_map(p, f"{path}.ports[{i}]"), f"{path}.ports[{i}]")
        for i, p in enumerate(f.seq(raw, "ports", path))
    )
    for key in ("command", "args"):
        for i, word in enumerate(f.seq(raw, key, path)):
            if not isinstance(word, str | int | float) or isinstance(word, bool):
                raise FieldError(f"must be a string, not {word!r}", f"{path}.{key}[{i}]")
    return Container(
        name=f.string(raw, "name", path),
        image=f.string(raw, "image", path),
        ports=ports,
        has_readiness_probe=raw.get("readinessProbe") is not None,
        has_liveness_probe=raw.get("livenessProbe") is not None,
        pre_stop_sleep_seconds=_pre_stop_sleep(raw, path),
    )


def _container_port(raw: Mapping[str, Any], path: str) -> ContainerPort:
    return _PORTS.get(raw, lambda: _parse_container_port(raw, path))


#: Every replica repeats its containers' ports: each distinct one is parsed once.
_PORTS: Memo[ContainerPort] = Memo()


def _parse_container_port(raw: Mapping[str, Any], path: str) -> ContainerPort:
    name = f.string(raw, "name", path) or None
    if name is not None and not f.valid_port_name(name):
        raise FieldError(f"invalid port name {name!r}", f"{path}.name")
    return ContainerPort(
        container_port=f.port_number(raw, "containerPort", path),
        protocol=f.protocol(raw, "protocol", path),
        name=name,
    )


def _pre_stop_sleep(raw: Mapping[str, Any], path: str) -> float | None:
    """Seconds of a preStop ``sleep`` action or an exec hook running ``sleep N``."""
    hook_path = f"{path}.lifecycle"
    pre_stop = f.mapping(f.mapping(raw, "lifecycle", path), "preStop", hook_path)
    sleep = f.mapping(pre_stop, "sleep", f"{hook_path}.preStop")
    seconds = sleep.get("seconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        return float(seconds)
    command = f.seq(f.mapping(pre_stop, "exec", f"{hook_path}.preStop"), "command", "")
    words = " ".join(str(w) for w in command).replace(";", " ").split()
    for i, word in enumerate(words[:-1]):
        if _SLEEP.match(word):
            try:
                return float(words[i + 1])
            except ValueError:
                return None
    return None


def _dns_config(spec: Mapping[str, Any], path: str) -> PodDNSConfig | None:
    raw = spec.get("dnsConfig")
    if raw is None:
        return None
    p = f"{path}.dnsConfig"
    cfg = f.item_map(raw, p)
    options: list[tuple[str, str | None]] = []
    for i, o in enumerate(f.seq(cfg, "options", p)):
        opt = f.item_map(o, f"{p}.options[{i}]")
        value = opt.get("value")
        options.append(
            (f.string(opt, "name", f"{p}.options[{i}]"), None if value is None else str(value))
        )
    return PodDNSConfig(
        nameservers=tuple(str(s) for s in f.seq(cfg, "nameservers", p)),
        searches=tuple(str(s) for s in f.seq(cfg, "searches", p)),
        options=tuple(options),
    )


def _toleration(raw: Mapping[str, Any], path: str) -> Toleration:
    return Toleration(
        key=f.string(raw, "key", path),
        operator=f.string(raw, "operator", path, "Equal"),
        value=f.string(raw, "value", path),
        effect=f.string(raw, "effect", path),
    )


def controller_owner(meta: Mapping[str, Any]) -> OwnerRef | None:
    """The ``ownerReferences`` entry with ``controller: true`` (else the first one)."""
    refs = [r for r in f.seq(meta, "ownerReferences", "metadata") if isinstance(r, Mapping)]
    chosen = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    if chosen is None or not chosen.get("kind") or not chosen.get("name"):
        return None
    return OwnerRef(kind=str(chosen["kind"]), name=str(chosen["name"]))


def template_path(kind: str) -> str:
    """Where the pod template lives in a workload of ``kind``."""
    if kind == "CronJob":
        return "spec.jobTemplate.spec.template"
    return "spec.template"


def pod_template(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    node: Mapping[str, Any] = obj
    path = ""
    for key in template_path(kind).split("."):
        node = f.mapping(node, key, path)
        path = f.join(path, key)
    return node


def parse_workload(obj: Mapping[str, Any], kind: str, namespace: str, name: str) -> Workload:
    meta = f.mapping(obj, "metadata", "")
    spec = f.mapping(obj, "spec", "")
    template = pod_template(obj, kind)
    tpath = template_path(kind)
    if not template:
        raise FieldError("is required", tpath)
    # Validate the template once here, so errors name the workload's field path.
    parse_pod_spec(
        f.mapping(template, "spec", tpath),
        f.mapping(template, "metadata", tpath),
        namespace=namespace,
        name=name,
        path=tpath,
    )
    return Workload(
        kind=kind,
        namespace=namespace,
        name=name,
        replicas=_replicas(spec, kind),
        labels=f.labels(meta, "labels", "metadata"),
        selector=_workload_selector(spec),
        template=template,
        service_name=f.string(spec, "serviceName", "spec") if kind == "StatefulSet" else "",
        owner=controller_owner(meta),
    )


#: replicas and parallelism are int32 in the API (apps/v1 DeploymentSpec).
INT32_MAX = 2**31 - 1


def _replicas(spec: Mapping[str, Any], kind: str) -> int:
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        return f.integer(spec, "replicas", "spec", default=1, low=0, high=INT32_MAX) or 0
    if kind == "Job":
        return f.integer(spec, "parallelism", "spec", default=1, low=0, high=INT32_MAX) or 0
    if kind == "CronJob":
        job = f.mapping(f.mapping(spec, "jobTemplate", "spec"), "spec", "spec.jobTemplate")
        return f.integer(job, "parallelism", "spec.jobTemplate.spec", default=1, low=0) or 0
    return 1  # DaemonSet: one per node, decided when expanding


def _workload_selector(spec: Mapping[str, Any]) -> LabelSelector | None:
    raw = spec.get("selector")
    if raw is None:
        return None
    try:
        return parse_selector(raw, "spec.selector")
    except SelectorError as e:
        raise FieldError(str(e), e.field) from None
