"""Load a CNI fixture (manifests as users write them) and ask one side of a connection.

Calico and Cilium objects are told apart from Kubernetes ones by API group
here, parsed by their own parsers; everything else goes through the loader's
per-kind parsers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.calico import CALICO_GROUPS, CalicoPolicy, CalicoTier
from netdiag.cluster.cilium import CCNP_KIND, CILIUM_GROUP, CiliumPolicy
from netdiag.cluster.model import ClusterSnapshot
from netdiag.cluster.parse_calico import parse_calico_policy, parse_calico_tier
from netdiag.cluster.parse_cilium import parse_cilium_policy
from netdiag.dns.zone.upstream import UpstreamZone, parse_zone_text
from netdiag.policy.calico import CalicoEngine
from netdiag.policy.calico_knp import knp_as_calico
from netdiag.policy.cilium import CiliumEngine
from netdiag.policy.cilium_peer import Peers, node_addresses
from netdiag.policy.cnilayers import fqdn_resolver, service_backends_of
from netdiag.policy.decision import CniSide
from netdiag.policy.endpoints import Endpoint, namespace_labels, pod_endpoint, resolve_endpoint
from netdiag.policy.ports import parse_port_spec
from netdiag.policy.verdict import Direction

ROOT = Path(__file__).resolve().parents[3] / "fixtures" / "cni"


@dataclass
class World:
    snapshot: ClusterSnapshot
    upstream: UpstreamZone | None = None
    calico: list[CalicoPolicy] = field(default_factory=list)
    tiers: list[CalicoTier] = field(default_factory=list)
    cilium: list[CiliumPolicy] = field(default_factory=list)

    def calico_engine(self) -> CalicoEngine:
        knps = [knp_as_calico(np) for np in self.snapshot.network_policies]
        return CalicoEngine(self.calico + knps, self.tiers, namespace_labels(self.snapshot))

    def cilium_engine(self) -> CiliumEngine:
        apiserver = frozenset(
            a
            for s in self.snapshot.endpoint_slices
            if (s.namespace, s.service_name) == ("default", "kubernetes")
            for ep in s.endpoints
            for a in ep.addresses
        )
        peers = Peers(node_addresses(self.snapshot.nodes), apiserver)
        return CiliumEngine(
            self.cilium,
            namespace_labels(self.snapshot),
            peers,
            fqdn=fqdn_resolver(self.snapshot, self.cilium, self.upstream),
            services=service_backends_of(self.snapshot),
        )

    def endpoint(self, text: str) -> Endpoint:
        got = resolve_endpoint(self.snapshot, text)
        assert isinstance(got, Endpoint), f"{text} is a Service; name a pod or an address"
        if got.pod is None and got.network is not None and got.network.num_addresses == 1:
            for pod in self.snapshot.pods:
                if str(got.network.network_address) in pod.ips:
                    return pod_endpoint(pod)  # a hostNetwork pod named by its address
        return got


def split(docs: list[dict[str, Any]], origin: str) -> World:
    plain: list[tuple[dict[str, Any], str]] = []
    world = World(snapshot=ClusterSnapshot())
    for doc in docs:
        group = str(doc.get("apiVersion", "")).rpartition("/")[0]
        kind = doc.get("kind")
        meta = doc.get("metadata") or {}
        name, ns = meta.get("name", ""), meta.get("namespace") or "default"
        if group in CALICO_GROUPS and kind == "Tier":
            world.tiers.append(parse_calico_tier(doc, name))
        elif group in CALICO_GROUPS:
            world.calico.append(
                parse_calico_policy(doc, ns, name, global_=kind == "GlobalNetworkPolicy")
            )
        elif group == CILIUM_GROUP:
            world.cilium.append(parse_cilium_policy(doc, ns, name, clusterwide=kind == CCNP_KIND))
        else:
            plain.append((doc, origin))
    world.snapshot = snapshot_from_objects(plain, source=origin)
    return world


def load(scenario: str) -> tuple[World, dict[str, Any]]:
    import yaml

    d = ROOT / scenario
    text = (ROOT / "_base.yaml").read_text() + "\n---\n" + (d / "cluster.yaml").read_text()
    docs = [x for x in yaml.safe_load_all(text) if x]
    expect = yaml.safe_load((d / "expect.yaml").read_text())
    world = split(docs, str(d / "cluster.yaml"))
    zone = d / "upstream.zone"
    if zone.exists():
        world.upstream = parse_zone_text(zone.read_text(), filename=str(zone))
    return world, expect


def ask(world: World, engine: str, case: dict[str, Any]) -> CniSide:
    src, dst = world.endpoint(case["from"]), world.endpoint(case["to"])
    query = parse_port_spec(str(case.get("port", "80/TCP")))
    ev = world.calico_engine() if engine == "calico" else world.cilium_engine()
    if "ingress" in case:
        return ev.side(dst, src, Direction.INGRESS, query)
    return ev.side(src, dst, Direction.EGRESS, query)
