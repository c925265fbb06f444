"""Resilience practices from the source article (info level).

The article recommends: GPU nodes isolated with a taint (and tolerations on the
pods meant for them); two or more replicas with ``podAntiAffinity``; readiness
and liveness probes; a ``preStop`` sleep shorter than
``terminationGracePeriodSeconds`` (default 30 s), since the kubelet kills the
container when the grace period ends, hook or not.
"""

from __future__ import annotations

from collections.abc import Iterator

from netdiag.audit.context import AuditContext
from netdiag.audit.findings import Check, Finding, Severity
from netdiag.cluster.model import Node

GPU_NODE_UNTAINTED = Check(
    id="ND-RES-001",
    severity=Severity.INFO,
    title="GPU node without a taint",
    help="GPU nodes should repel ordinary workloads with a NoSchedule/NoExecute taint.",
)
PRESTOP_EXCEEDS_GRACE = Check(
    id="ND-RES-002",
    severity=Severity.INFO,
    title="preStop sleep longer than terminationGracePeriodSeconds",
    help="The kubelet kills the container when the grace period ends, preStop or not.",
)
SINGLE_REPLICA = Check(
    id="ND-RES-003",
    severity=Severity.INFO,
    title="Single-replica workload",
    help="One replica means one node failure takes the service down.",
)
NO_ANTI_AFFINITY = Check(
    id="ND-RES-004",
    severity=Severity.INFO,
    title="Replicas without pod anti-affinity",
    help="Without podAntiAffinity all replicas may land on the same node.",
)
MISSING_PROBES = Check(
    id="ND-RES-005",
    severity=Severity.INFO,
    title="Container without readiness or liveness probe",
    help="Without a readiness probe traffic reaches pods that are not ready.",
)
CHECKS = (
    GPU_NODE_UNTAINTED,
    PRESTOP_EXCEEDS_GRACE,
    SINGLE_REPLICA,
    NO_ANTI_AFFINITY,
    MISSING_PROBES,
)

_GPU_MARKERS = ("gpu", "nvidia.com", "amd.com/gpu", "accelerator")
_BATCH_KINDS = frozenset({"Job", "CronJob"})

_TOLERATION_YAML = """\
# kubectl taint node {node} just-for-gpu-application=true:NoExecute
# and on the pods that belong there:
tolerations:
  - key: just-for-gpu-application
    operator: Exists
    effect: NoExecute
"""

_ANTI_AFFINITY_YAML = """\
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels: {labels}
"""


def is_gpu_node(node: Node) -> bool:
    """A node labelled as carrying GPUs (NVIDIA/AMD device plugin or common labels)."""
    for key, value in node.labels.items():
        text = f"{key}={value}".lower()
        if any(marker in text for marker in _GPU_MARKERS):
            return True
    return False


def run(ctx: AuditContext) -> Iterator[Finding]:
    yield from _gpu_nodes(ctx)
    yield from _prestop(ctx)
    yield from _replicas(ctx)
    yield from _probes(ctx)


def _gpu_nodes(ctx: AuditContext) -> Iterator[Finding]:
    for node in ctx.snapshot.nodes:
        if not is_gpu_node(node):
            continue
        repelling = [t for t in node.taints if t.effect in ("NoSchedule", "NoExecute")]
        if repelling:
            continue
        yield Finding(
            check=GPU_NODE_UNTAINTED,
            message=f"node {node.name} is labelled for GPUs but has no NoSchedule/NoExecute taint",
            objects=(f"Node {node.name}",),
            evidence=(f"labels: {node.labels}", "taints: none that repel pods"),
            fix="Taint the node and give tolerations only to the GPU workloads.",
            fix_yaml=_TOLERATION_YAML.format(node=node.name),
            origins=(node.origin,),
        )


def _prestop(ctx: AuditContext) -> Iterator[Finding]:
    seen: set[tuple[str, str, str]] = set()
    for pod in ctx.pods():
        group = pod.owner.name if pod.owner else pod.name
        for container in pod.containers:
            sleep = container.pre_stop_sleep_seconds
            if sleep is None or sleep <= pod.termination_grace_period_seconds:
                continue
            key = (pod.namespace, group, container.name)
            if key in seen:
                continue
            seen.add(key)
            grace = pod.termination_grace_period_seconds
            yield Finding(
                check=PRESTOP_EXCEEDS_GRACE,
                message=(
                    f"{pod.namespace}/{group} container {container.name}: preStop sleeps "
                    f"{sleep:g}s but terminationGracePeriodSeconds is {grace}"
                ),
                objects=(f"Pod {pod.key}",),
                evidence=(f"preStop sleep {sleep:g}s > grace period {grace}s",),
                fix=f"Set terminationGracePeriodSeconds to at least {int(sleep) + 5}.",
                fix_yaml=f"terminationGracePeriodSeconds: {int(sleep) + 5}\n",
                origins=(pod.origin,),
            )


def _replicas(ctx: AuditContext) -> Iterator[Finding]:
    for workload in ctx.workloads():
        if workload.kind not in ("Deployment", "StatefulSet", "ReplicaSet"):
            continue
        ref = f"{workload.kind} {workload.key}"
        if workload.replicas < 2:
            yield Finding(
                check=SINGLE_REPLICA,
                message=f"{ref} runs {workload.replicas} replica(s)",
                objects=(ref,),
                evidence=(f"spec.replicas: {workload.replicas}",),
                fix="Run at least 2 replicas spread with podAntiAffinity.",
                fix_yaml="replicas: 2\n",
                origins=(workload.origin,),
            )
            continue
        pods = ctx.pods_of(workload)
        if pods and not any(p.has_pod_anti_affinity for p in pods):
            pairs = workload.selector.match_labels if workload.selector else ()
            labels = "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
            yield Finding(
                check=NO_ANTI_AFFINITY,
                message=f"{ref} has {workload.replicas} replicas and no podAntiAffinity",
                objects=(ref,),
                evidence=("spec.template.spec.affinity.podAntiAffinity: absent",),
                fix="Spread the replicas across nodes.",
                fix_yaml=_ANTI_AFFINITY_YAML.format(labels=labels),
                origins=(workload.origin,),
            )


def _probes(ctx: AuditContext) -> Iterator[Finding]:
    """One finding per namespace, listing each workload's containers and missing probes."""
    by_ns: dict[str, dict[str, str]] = {}
    origins: dict[str, list[str]] = {}
    for pod in ctx.pods():
        if pod.owner is not None and pod.owner.kind in _BATCH_KINDS:
            continue  # run-to-completion pods are not probed
        ref = (
            f"{pod.owner.kind} {pod.namespace}/{pod.owner.name}" if pod.owner else f"Pod {pod.key}"
        )
        for container in pod.containers:
            missing = [
                name
                for name, present in (
                    ("readinessProbe", container.has_readiness_probe),
                    ("livenessProbe", container.has_liveness_probe),
                )
                if not present
            ]
            entries = by_ns.setdefault(pod.namespace, {})
            if missing and f"{ref} [{container.name}]" not in entries:
                entries[f"{ref} [{container.name}]"] = " and ".join(missing)
                origins.setdefault(pod.namespace, []).append(pod.origin)
    for namespace, entries in sorted(by_ns.items()):
        if not entries:
            continue
        refs = sorted({e.split(" [", 1)[0] for e in entries})
        yield Finding(
            check=MISSING_PROBES,
            message=f"{len(refs)} workload(s) in {namespace} run containers without probes",
            objects=tuple(refs),
            evidence=tuple(f"{e}: no {m}" for e, m in sorted(entries.items())),
            fix="Add probes that reflect each container's real readiness and health.",
            origins=tuple(dict.fromkeys(origins[namespace])),
        )
