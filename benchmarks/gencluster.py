"""Deterministic generator of large, realistic clusters for benchmarks.

    from benchmarks.gencluster import generate, write_manifests
    snap = generate(pods=5000, seed=1)                 # a ClusterSnapshot
    write_manifests(generate(pods=1000), "/tmp/c1000")  # YAML for the loader / peers

or ``python benchmarks/gencluster.py --pods 1000 --out DIR``. Namespaces carry
``kubernetes.io/metadata.name``, ``env`` and ``team``; Deployments (1-6
replicas, bare Pods with IPs in 10.244/16, ``app``/``tier``/``team``/``version``
labels and named ports ``http``/``metrics``/``grpc``) sit behind a Service each;
policies mix default-deny (ingress, and ingress+egress), same-namespace tier
rules on named ports, cross-namespace monitoring (namespaceSelector AND
podSelector), DNS egress to kube-system, ipBlock egress with ``except``,
``endPort`` ranges and ``matchExpressions`` (In/NotIn/Exists). Same arguments,
same cluster, byte for byte.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

from netdiag.cluster.meta import NAMESPACE_NAME_LABEL, Labels, Protocol
from netdiag.cluster.model import (
    ClusterSnapshot,
    Container,
    ContainerPort,
    Namespace,
    OwnerRef,
    Pod,
    Service,
    ServicePort,
)
from netdiag.cluster.networkpolicy import (
    IPBlock,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)
from netdiag.cluster.selectors import LabelSelector, Operator, Requirement

TIERS = ("frontend", "backend", "db", "cache", "worker")
TEAMS = ("payments", "search", "identity", "platform", "data")
ENVS = ("prod", "staging", "dev")


def _sel(**labels: str) -> LabelSelector:
    return LabelSelector.from_labels(labels)


def _containers(tier: str) -> tuple[Container, ...]:
    ports = [
        ContainerPort(container_port=8080, name="http"),
        ContainerPort(container_port=9090, name="metrics"),
    ]
    if tier in ("backend", "worker"):
        ports.append(ContainerPort(container_port=50051, name="grpc"))
    if tier == "db":
        ports = [ContainerPort(container_port=5432, name="postgres"), ports[1]]
    return (Container(name="main", image=f"example/{tier}:1", ports=tuple(ports)),)


def generate(
    pods: int = 1000,
    namespaces: int | None = None,
    policies: int | None = None,
    seed: int = 1,
) -> ClusterSnapshot:
    """A cluster of about ``pods`` pods (exactly, plus 2 kube-dns pods)."""
    rng = random.Random(seed)
    n_ns = namespaces or max(2, pods // 40)
    n_pol = pods // 5 if policies is None else policies
    ns_objs = [_dns_namespace()]
    pod_objs = list(_dns_pods())
    services = [_dns_service()]
    deployments: list[tuple[str, str, str]] = []  # (ns, app, tier)
    for i in range(n_ns):
        name = f"ns-{i:03d}"
        ns_objs.append(
            Namespace(
                name=name,
                labels=Labels(
                    {NAMESPACE_NAME_LABEL: name, "env": ENVS[i % 3], "team": TEAMS[i % 5]}
                ),
            )
        )
    made = 0
    d = 0
    while made < pods:
        ns = ns_objs[1 + d % n_ns].name
        tier = TIERS[rng.randrange(len(TIERS))]
        app = f"{tier}-{d:04d}"
        replicas = min(rng.randint(1, 6), pods - made)
        deployments.append((ns, app, tier))
        phash = f"{rng.getrandbits(32):08x}"[:9]
        for r in range(replicas):
            ip = f"10.244.{made // 250}.{made % 250 + 2}"
            labels = {
                "app": app,
                "tier": tier,
                "team": TEAMS[d % 5],
                "version": f"v{d % 3 + 1}",
                "pod-template-hash": phash,
            }
            pod_objs.append(
                Pod(
                    namespace=ns,
                    name=f"{app}-{phash}-{r}",
                    labels=Labels(labels),
                    ips=(ip,),
                    containers=_containers(tier),
                    node_name=f"node-{made % 20}",
                    owner=OwnerRef(kind="Deployment", name=app),
                )
            )
            made += 1
        services.append(
            Service(
                namespace=ns,
                name=app,
                cluster_ips=(f"10.96.{d // 250}.{d % 250 + 2}",),
                ports=(ServicePort(port=80, target_port="http", name="http"),),
                selector=Labels({"app": app}),
            )
        )
        d += 1
    pols = [_policy(k, rng, ns_objs[1 + k % n_ns].name, deployments) for k in range(n_pol)]
    return ClusterSnapshot(
        namespaces=tuple(ns_objs),
        pods=tuple(pod_objs),
        services=tuple(services),
        network_policies=tuple(pols),
        source=f"gencluster pods={pods} seed={seed}",
    )


def _dns_namespace() -> Namespace:
    return Namespace(name="kube-system", labels=Labels({NAMESPACE_NAME_LABEL: "kube-system"}))


def _dns_pods() -> list[Pod]:
    dns_ports = (
        ContainerPort(container_port=53, protocol=Protocol.UDP, name="dns"),
        ContainerPort(container_port=53, protocol=Protocol.TCP, name="dns-tcp"),
    )
    return [
        Pod(
            namespace="kube-system",
            name=f"coredns-{i}",
            labels=Labels({"k8s-app": "kube-dns"}),
            ips=(f"10.244.255.{i + 2}",),
            containers=(Container(name="coredns", ports=dns_ports),),
            owner=OwnerRef(kind="Deployment", name="coredns"),
        )
        for i in range(2)
    ]


def _dns_service() -> Service:
    return Service(
        namespace="kube-system",
        name="kube-dns",
        cluster_ips=("10.96.0.10",),
        ports=(
            ServicePort(port=53, protocol=Protocol.UDP, name="dns", target_port=53),
            ServicePort(port=53, name="dns-tcp", target_port=53),
        ),
        selector=Labels({"k8s-app": "kube-dns"}),
    )


def _pick_app(
    rng: random.Random, ns: str, deployments: list[tuple[str, str, str]]
) -> tuple[str, str]:
    mine = [(a, t) for n, a, t in deployments if n == ns] or [(a, t) for _, a, t in deployments[:1]]
    return mine[rng.randrange(len(mine))]


def _policy(
    k: int, rng: random.Random, ns: str, deployments: list[tuple[str, str, str]]
) -> NetworkPolicy:
    # Default-deny policies only in every third namespace (as "prod" teams do);
    # elsewhere the slot becomes an allow rule, so reachability stays mixed.
    kind = k % 8
    if kind in (0, 1) and int(ns.rsplit("-", 1)[1]) % 3 != 0:
        kind = 2 + rng.randrange(6)
    name = f"np-{k:04d}"
    app, tier = _pick_app(rng, ns, deployments)
    tcp = Protocol.TCP
    if kind == 0:  # default-deny ingress for the namespace
        return NetworkPolicy(
            namespace=ns, name=name, pod_selector=LabelSelector(), policy_types=("Ingress",)
        )
    if kind == 1:  # default-deny both ways, DNS egress allowed
        dns = NetworkPolicyRule(
            peers=(
                NetworkPolicyPeer(
                    namespace_selector=_sel(**{NAMESPACE_NAME_LABEL: "kube-system"}),
                    pod_selector=_sel(**{"k8s-app": "kube-dns"}),
                ),
            ),
            ports=(NetworkPolicyPort(port=53, protocol=Protocol.UDP), NetworkPolicyPort(port=53)),
        )
        return NetworkPolicy(
            namespace=ns,
            name=name,
            pod_selector=LabelSelector(),
            policy_types=("Ingress", "Egress"),
            egress=(dns,),
        )
    if kind == 2:  # frontends may call this app on its named port
        peer = NetworkPolicyPeer(pod_selector=_sel(tier="frontend"))
        rule = NetworkPolicyRule(peers=(peer,), ports=(NetworkPolicyPort(port="http"),))
        return NetworkPolicy(namespace=ns, name=name, pod_selector=_sel(app=app), ingress=(rule,))
    if kind == 3:  # monitoring from prod namespaces (namespaceSelector AND podSelector)
        peer = NetworkPolicyPeer(
            namespace_selector=_sel(env="prod"), pod_selector=_sel(tier="worker")
        )
        rule = NetworkPolicyRule(peers=(peer,), ports=(NetworkPolicyPort(port="metrics"),))
        return NetworkPolicy(namespace=ns, name=name, pod_selector=LabelSelector(), ingress=(rule,))
    if kind == 4:  # egress to the internet on 443, private ranges carved out
        block = IPBlock(cidr="0.0.0.0/0", except_=("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
        rule = NetworkPolicyRule(
            peers=(NetworkPolicyPeer(ip_block=block),), ports=(NetworkPolicyPort(port=443),)
        )
        return NetworkPolicy(
            namespace=ns,
            name=name,
            pod_selector=_sel(tier=tier),
            egress=(rule,),
            policy_types=("Egress",),
        )
    if kind == 5:  # a port range from the same team's backends and workers
        expr = Requirement(
            key="tier", operator=Operator.IN, values=frozenset({"backend", "worker"})
        )
        peer = NetworkPolicyPeer(pod_selector=LabelSelector(match_expressions=(expr,)))
        rule = NetworkPolicyRule(
            peers=(peer,), ports=(NetworkPolicyPort(port=8000, end_port=8100, protocol=tcp),)
        )
        return NetworkPolicy(namespace=ns, name=name, pod_selector=_sel(app=app), ingress=(rule,))
    if kind == 6:  # anything but dev namespaces, ipBlock of an office range too
        expr = Requirement(key="env", operator=Operator.NOT_IN, values=frozenset({"dev"}))
        peers = (
            NetworkPolicyPeer(namespace_selector=LabelSelector(match_expressions=(expr,))),
            NetworkPolicyPeer(
                ip_block=IPBlock(cidr="203.0.113.0/24", except_=("203.0.113.128/25",))
            ),
        )
        rule = NetworkPolicyRule(peers=peers, ports=(NetworkPolicyPort(port="http"),))
        return NetworkPolicy(namespace=ns, name=name, pod_selector=_sel(tier=tier), ingress=(rule,))
    # kind 7: app-to-app within the namespace on grpc, pods having a version label
    exists = Requirement(key="version", operator=Operator.EXISTS)
    peer = NetworkPolicyPeer(
        pod_selector=LabelSelector(
            match_labels=(("team", TEAMS[k % 5]),), match_expressions=(exists,)
        )
    )
    rule = NetworkPolicyRule(peers=(peer,), ports=(NetworkPolicyPort(port="grpc"),))
    return NetworkPolicy(
        namespace=ns, name=name, pod_selector=_sel(tier="backend"), ingress=(rule,)
    )


# -- manifests ----------------------------------------------------------------


def _selector_yaml(sel: LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sel.match_labels:
        out["matchLabels"] = dict(sel.match_labels)
    if sel.match_expressions:
        out["matchExpressions"] = [
            {
                "key": r.key,
                "operator": r.operator.value,
                **({"values": sorted(r.values)} if r.values else {}),
            }
            for r in sel.match_expressions
        ]
    return out


def _rule_yaml(rule: NetworkPolicyRule, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    peers = []
    for p in rule.peers:
        entry: dict[str, Any] = {}
        if p.pod_selector is not None:
            entry["podSelector"] = _selector_yaml(p.pod_selector)
        if p.namespace_selector is not None:
            entry["namespaceSelector"] = _selector_yaml(p.namespace_selector)
        if p.ip_block is not None:
            entry["ipBlock"] = {
                "cidr": p.ip_block.cidr,
                **({"except": list(p.ip_block.except_)} if p.ip_block.except_ else {}),
            }
        peers.append(entry)
    if peers:
        out[key] = peers
    if rule.ports:
        out["ports"] = [
            {
                "protocol": p.protocol.value,
                **({"port": p.port} if p.port is not None else {}),
                **({"endPort": p.end_port} if p.end_port is not None else {}),
            }
            for p in rule.ports
        ]
    return out


def to_manifests(snap: ClusterSnapshot) -> list[dict[str, Any]]:
    """Plain Kubernetes objects (Namespaces, bare Pods with status, Services, NetworkPolicies)."""
    docs: list[dict[str, Any]] = []
    for ns in snap.namespaces:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns.name, "labels": dict(ns.labels)},
            }
        )
    for pod in snap.pods:
        containers = [
            {
                "name": c.name,
                "image": c.image or "example/app:1",
                "ports": [
                    {
                        "containerPort": p.container_port,
                        "protocol": p.protocol.value,
                        **({"name": p.name} if p.name else {}),
                    }
                    for p in c.ports
                ],
            }
            for c in pod.containers
        ]
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod.name,
                    "namespace": pod.namespace,
                    "labels": dict(pod.labels),
                },
                "spec": {
                    "containers": containers,
                    **({"nodeName": pod.node_name} if pod.node_name else {}),
                },
                "status": {
                    "phase": "Running",
                    "podIP": pod.ips[0],
                    "podIPs": [{"ip": ip} for ip in pod.ips],
                },
            }
        )
    for svc in snap.services:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": svc.name, "namespace": svc.namespace},
                "spec": {
                    "clusterIP": svc.cluster_ips[0],
                    "selector": dict(svc.selector or {}),
                    "ports": [
                        {
                            "name": p.name,
                            "port": p.port,
                            "protocol": p.protocol.value,
                            "targetPort": p.target_port or p.port,
                        }
                        for p in svc.ports
                    ],
                },
            }
        )
    for pol in snap.network_policies:
        spec: dict[str, Any] = {"podSelector": _selector_yaml(pol.pod_selector)}
        if pol.policy_types:
            spec["policyTypes"] = list(pol.policy_types)
        if pol.ingress:
            spec["ingress"] = [_rule_yaml(r, "from") for r in pol.ingress]
        if pol.egress:
            spec["egress"] = [_rule_yaml(r, "to") for r in pol.egress]
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": pol.name, "namespace": pol.namespace},
                "spec": spec,
            }
        )
    return docs


def write_manifests(snap: ClusterSnapshot, out: str | Path) -> list[Path]:
    """Write one YAML file per kind into ``out`` (created); returns the paths."""
    import yaml

    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in to_manifests(snap):
        by_kind.setdefault(doc["kind"], []).append(doc)
    paths = []
    for kind, docs in by_kind.items():
        path = root / f"{kind.lower()}s.yaml"
        path.write_text(yaml.safe_dump_all(docs, sort_keys=True))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--namespaces", type=int, default=None)
    ap.add_argument("--policies", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    snap = generate(args.pods, args.namespaces, args.policies, args.seed)
    for p in write_manifests(snap, args.out):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
