"""Model -> Kubernetes manifest dicts (pure), and YAML/JSON text of a ``kind: List``.

The output loads back into an equal snapshot. What netdiag invented is marked
with annotations so it survives the round trip: ``netdiag.io/synthetic`` (a pod
expanded from a workload template), ``netdiag.io/synthetic-ip`` (an invented
address), ``netdiag.io/derived`` (an EndpointSlice derived from pods) and
``netdiag.io/declared: "false"`` (a namespace only referenced by other objects).
What qualifies the whole snapshot goes on the List itself: ``netdiag.io/incomplete``
(the reads a live load was refused, see :func:`list_metadata`).
"""

from __future__ import annotations

from typing import Any

from netdiag.cluster import fields as f
from netdiag.cluster.model import (
    ClusterSnapshot,
    Container,
    EndpointSlice,
    Namespace,
    Node,
    Pod,
    Service,
    Workload,
)
from netdiag.cluster.networkpolicy import NetworkPolicy, NetworkPolicyPeer, NetworkPolicyRule
from netdiag.cluster.parse import COREDNS_CONFIGMAP, NODE_RESOLV_CONF_CONFIGMAP
from netdiag.cluster.selectors import LabelSelector, Operator

Obj = dict[str, Any]

_API_VERSIONS = {"CronJob": "batch/v1", "Job": "batch/v1"}


def _meta(name: str, namespace: str = "", **extra: Any) -> Obj:
    meta: Obj = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update({k: v for k, v in extra.items() if v})
    return meta


def namespace_manifest(ns: Namespace) -> Obj:
    annotations = {} if ns.declared else {f.DECLARED_ANNOTATION: "false"}
    meta = _meta(ns.name, labels=dict(ns.labels), annotations=annotations)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def node_manifest(node: Node) -> Obj:
    spec: Obj = {}
    if node.pod_cidrs:
        spec["podCIDR"] = node.pod_cidrs[0]
        spec["podCIDRs"] = list(node.pod_cidrs)
    if node.taints:
        spec["taints"] = [
            _drop_empty({"key": t.key, "value": t.value, "effect": t.effect}) for t in node.taints
        ]
    addresses = [
        {"type": "InternalIP" if _is_ip(a) else "Hostname", "address": a} for a in node.addresses
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": _meta(node.name, labels=dict(node.labels)),
        "spec": spec,
        "status": {"addresses": addresses},
    }


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _drop_empty(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if v not in ("", None, [], {})}


def config_maps(snap: ClusterSnapshot) -> list[Obj]:
    out: list[Obj] = []
    for (ns, name), key, text in (
        (COREDNS_CONFIGMAP, "Corefile", snap.dns.corefile),
        (NODE_RESOLV_CONF_CONFIGMAP, "resolv.conf", snap.dns.node_resolv_conf),
    ):
        if text:
            meta = _meta(name, ns)
            out.append(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {key: text}}
            )
    return out


def service_manifest(svc: Service) -> Obj:
    spec: Obj = {"type": svc.type}
    if svc.headless:
        spec["clusterIP"] = "None"
    elif svc.cluster_ips:
        spec["clusterIP"] = svc.cluster_ips[0]
        spec["clusterIPs"] = list(svc.cluster_ips)
    if svc.external_name:
        spec["externalName"] = svc.external_name
    if svc.ip_families:
        spec["ipFamilies"] = list(svc.ip_families)
    if svc.selector is not None:
        spec["selector"] = dict(svc.selector)
    if svc.publish_not_ready_addresses:
        spec["publishNotReadyAddresses"] = True
    if svc.ports:
        spec["ports"] = [
            _drop_empty(
                {
                    "name": p.name,
                    "port": p.port,
                    "protocol": p.protocol.value,
                    "targetPort": p.target_port or None,
                    "nodePort": p.node_port,
                    "appProtocol": p.app_protocol,
                }
            )
            for p in svc.ports
        ]
    meta = _meta(svc.name, svc.namespace, labels=dict(svc.labels))
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def endpoint_slice_manifest(s: EndpointSlice) -> Obj:
    labels = {"kubernetes.io/service-name": s.service_name} if s.service_name else {}
    annotations = {f.DERIVED_ANNOTATION: "true"} if s.derived else {}
    endpoints = []
    for e in s.endpoints:
        ep: Obj = {
            "addresses": list(e.addresses),
            "conditions": {"ready": e.ready, "serving": e.serving, "terminating": e.terminating},
        }
        if e.hostname:
            ep["hostname"] = e.hostname
        if e.node_name:
            ep["nodeName"] = e.node_name
        if e.target_pod:
            ep["targetRef"] = {"kind": "Pod", "namespace": s.namespace, "name": e.target_pod}
        endpoints.append(ep)
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": _meta(s.name, s.namespace, labels=labels, annotations=annotations),
        "addressType": s.address_type,
        "endpoints": endpoints,
        "ports": [
            _drop_empty({"name": p.name, "port": p.port, "protocol": p.protocol.value})
            for p in s.ports
        ],
    }


def selector_manifest(sel: LabelSelector) -> Obj:
    out: Obj = {}
    if sel.match_labels:
        out["matchLabels"] = dict(sel.match_labels)
    if sel.match_expressions:
        out["matchExpressions"] = [
            {"key": r.key, "operator": r.operator.value, "values": sorted(r.values)}
            if r.operator in (Operator.IN, Operator.NOT_IN)
            else {"key": r.key, "operator": r.operator.value}
            for r in sel.match_expressions
        ]
    return out


def _peer(p: NetworkPolicyPeer) -> Obj:
    out: Obj = {}
    if p.pod_selector is not None:
        out["podSelector"] = selector_manifest(p.pod_selector)
    if p.namespace_selector is not None:
        out["namespaceSelector"] = selector_manifest(p.namespace_selector)
    if p.ip_block is not None:
        block: Obj = {"cidr": p.ip_block.cidr}
        if p.ip_block.except_:
            block["except"] = list(p.ip_block.except_)
        out["ipBlock"] = block
    return out


def _rule(rule: NetworkPolicyRule, peers_key: str) -> Obj:
    out: Obj = {}
    if rule.peers:
        out[peers_key] = [_peer(p) for p in rule.peers]
    if rule.ports:
        out["ports"] = [
            _drop_empty({"protocol": p.protocol.value, "port": p.port, "endPort": p.end_port})
            for p in rule.ports
        ]
    return out


def network_policy_manifest(np: NetworkPolicy) -> Obj:
    spec: Obj = {"podSelector": selector_manifest(np.pod_selector)}
    if np.policy_types:
        spec["policyTypes"] = list(np.policy_types)
    if np.ingress:
        spec["ingress"] = [_rule(r, "from") for r in np.ingress]
    if np.egress:
        spec["egress"] = [_rule(r, "to") for r in np.egress]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(np.name, np.namespace, labels=dict(np.labels)),
        "spec": spec,
    }


def workload_manifest(wl: Workload) -> Obj:
    meta = _meta(wl.name, wl.namespace, labels=dict(wl.labels))
    if wl.owner is not None:
        meta["ownerReferences"] = [
            {"kind": wl.owner.kind, "name": wl.owner.name, "controller": True}
        ]
    spec: Obj = {}
    if wl.selector is not None:
        spec["selector"] = selector_manifest(wl.selector)
    template = dict(wl.template)
    if wl.kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        spec["replicas"] = wl.replicas
    if wl.kind == "StatefulSet":
        spec["serviceName"] = wl.service_name
    if wl.kind == "Job":
        spec["parallelism"] = wl.replicas
    if wl.kind == "CronJob":
        spec["jobTemplate"] = {"spec": {"parallelism": wl.replicas, "template": template}}
    else:
        spec["template"] = template
    api = _API_VERSIONS.get(wl.kind, "apps/v1")
    return {"apiVersion": api, "kind": wl.kind, "metadata": meta, "spec": spec}


def _container(c: Container) -> Obj:
    out: Obj = {"name": c.name}
    if c.image:
        out["image"] = c.image
    if c.ports:
        out["ports"] = [
            _drop_empty(
                {"name": p.name, "containerPort": p.container_port, "protocol": p.protocol.value}
            )
            for p in c.ports
        ]
    if c.has_readiness_probe:
        out["readinessProbe"] = {}
    if c.has_liveness_probe:
        out["livenessProbe"] = {}
    if c.pre_stop_sleep_seconds is not None:
        seconds = c.pre_stop_sleep_seconds
        action = (
            {"sleep": {"seconds": int(seconds)}}
            if seconds == int(seconds)
            else {"exec": {"command": ["sleep", str(seconds)]}}
        )
        out["lifecycle"] = {"preStop": action}
    return out


def _pod_spec(pod: Pod) -> Obj:
    spec: Obj = {
        "nodeName": pod.node_name,
        "hostNetwork": pod.host_network or None,
        "dnsPolicy": pod.dns_policy,
        "hostname": pod.hostname,
        "subdomain": pod.subdomain,
        "serviceAccountName": pod.service_account,
        "nodeSelector": dict(pod.node_selector),
        "terminationGracePeriodSeconds": pod.termination_grace_period_seconds,
        "containers": [_container(c) for c in pod.containers],
        "tolerations": [
            _drop_empty(
                {"key": t.key, "operator": t.operator, "value": t.value, "effect": t.effect}
            )
            for t in pod.tolerations
        ],
    }
    if pod.dns_config is not None:
        cfg = pod.dns_config
        spec["dnsConfig"] = {
            "nameservers": list(cfg.nameservers),
            "searches": list(cfg.searches),
            "options": [
                {"name": n} if v is None else {"name": n, "value": v} for n, v in cfg.options
            ],
        }
    if pod.has_pod_anti_affinity:
        spec["affinity"] = {
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}
        }
    return {
        k: v for k, v in spec.items() if v not in ("", None, {}) and (k == "containers" or v != [])
    }


def pod_manifest(pod: Pod) -> Obj:
    annotations = dict(pod.annotations)
    if pod.synthetic:
        annotations[f.SYNTHETIC_ANNOTATION] = "true"
    if pod.synthetic_ip:
        annotations[f.SYNTHETIC_IP_ANNOTATION] = "true"
    meta = _meta(pod.name, pod.namespace, labels=dict(pod.labels), annotations=annotations)
    if pod.owner is not None:
        meta["ownerReferences"] = [
            {"kind": pod.owner.kind, "name": pod.owner.name, "controller": True}
        ]
    status: Obj = {
        "phase": pod.phase,
        "conditions": [{"type": "Ready", "status": "True" if pod.ready else "False"}],
    }
    if pod.ips:
        status["podIP"] = pod.ips[0]
        status["podIPs"] = [{"ip": ip} for ip in pod.ips]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": _pod_spec(pod),
        "status": status,
    }


def snapshot_manifests(snap: ClusterSnapshot) -> list[Obj]:
    """Every object of ``snap`` as a manifest dict, in a stable order."""
    return [
        *(namespace_manifest(ns) for ns in snap.namespaces),
        *(node_manifest(n) for n in snap.nodes),
        *config_maps(snap),
        *(service_manifest(s) for s in snap.services),
        *(endpoint_slice_manifest(s) for s in snap.endpoint_slices),
        *(network_policy_manifest(p) for p in snap.network_policies),
        *(workload_manifest(w) for w in snap.workloads),
        *(pod_manifest(p) for p in snap.pods),
    ]


def snapshot_list(snap: ClusterSnapshot) -> Obj:
    """The snapshot as a ``kind: List`` (what ``kubectl get -o yaml`` prints)."""
    return {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": list_metadata(snap),
        "items": snapshot_manifests(snap),
    }


def list_metadata(snap: ClusterSnapshot) -> Obj:
    """What describes the snapshot as a whole: ``incomplete`` (RBAC refusals of a live load).

    It goes on the List's own metadata rather than into a document of its own:
    ``kubectl apply -f`` flattens a List client-side and sends only its items
    (cli-runtime ``resource.FlattenListVisitor``), so the List's metadata never
    reaches the API server, whereas a netdiag-owned ConfigMap would be created in
    the cluster (and read back by the next live load as if it were current) and a
    custom kind would make ``kubectl apply`` fail with "no matches for kind".
    A JSON array keeps entries that contain commas or semicolons intact.
    """
    if not snap.incomplete:
        return {}
    import json

    return {"annotations": {f.INCOMPLETE_ANNOTATION: json.dumps(list(snap.incomplete))}}


def dump_json(snap: ClusterSnapshot) -> str:
    import json

    return json.dumps(snapshot_list(snap), indent=2, sort_keys=False, default=str) + "\n"


def dump_yaml(snap: ClusterSnapshot) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(snapshot_list(snap), Dumper=dumper, sort_keys=False, allow_unicode=True)
    return text
