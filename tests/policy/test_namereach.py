"""``reach SRC NAME``: scenario truth tables where each hop in turn is the blocker.

``fixtures/reachname/<scenario>/`` holds the manifests added to ``_cluster/``
and ``expected.txt`` (rows: source pods; columns: ``name:port``; cells: the
verdict glyph and the first blocking hop; see ``fixtures/reachname/README.md``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from netdiag.cluster.model import ClusterSnapshot, CNIInfo
from netdiag.dns.zone.cluster import ClusterZone
from netdiag.dns.zone.upstream import parse_zone_text
from netdiag.policy.namereach import NameReach, needed_protocols, reach_name
from netdiag.policy.namereach_report import name_reach_document, name_reach_lines
from netdiag.policy.ports import parse_port_spec
from netdiag.policy.render import ASCII_GLYPHS, Style
from netdiag.policy.verdict import Verdict
from netdiag.sources.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "reachname"
BASE = ROOT / "_cluster"
SCENARIOS = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("_"))


def load(scenario: str) -> tuple[ClusterSnapshot, ClusterZone]:
    files = [str(BASE / "cluster.yaml"), *map(str, sorted((ROOT / scenario).glob("*.yaml")))]
    snap = load_manifests(files)
    upstream = parse_zone_text((BASE / "upstream.zone").read_text(), filename="upstream.zone")
    return snap, ClusterZone(snap, upstream)


def ask(snap: ClusterSnapshot, zone: ClusterZone, src: str, column: str) -> NameReach:
    name, _, port = column.partition(":")
    return reach_name(snap, src, name, parse_port_spec(port), zone=zone)


def cell(r: NameReach) -> str:
    return f"{ASCII_GLYPHS[r.verdict]} {r.hop or '-'}"


def test_every_hop_is_the_blocker_somewhere() -> None:
    hops = set()
    for s in SCENARIOS:
        for line in (ROOT / s / "expected.txt").read_text().splitlines()[1:]:
            hops.update(c.split()[1] for c in line.split("\t")[1:])
    assert {"-", "dns-udp", "dns-tcp", "name", "address"} <= hops


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_truth_table(scenario: str) -> None:
    snap, zone = load(scenario)
    lines = (ROOT / scenario / "expected.txt").read_text().splitlines()
    columns = lines[0].split("\t")[1:]
    got = ["\t".join(["-", *columns])]
    for line in lines[1:]:
        src = line.split("\t")[0]
        got.append("\t".join([src, *(cell(ask(snap, zone, src, c)) for c in columns)]))
    assert "\n".join(got) == "\n".join(lines)


def test_tcp_is_needed_only_for_the_truncated_reply() -> None:
    snap, zone = load("open")
    small = ask(snap, zone, "app/client", "web.app:80/TCP")
    big = ask(snap, zone, "app/client", "big.app:80/TCP")
    assert [p.value for p, _ in needed_protocols(small.trace)] == ["UDP"]
    protos = dict(needed_protocols(big.trace))
    assert sorted(p.value for p in protos) == ["TCP", "UDP"]
    assert "truncated reply to big.app.svc.cluster.local. A" in next(
        why for p, why in protos.items() if p.value == "TCP"
    )


def test_use_vc_needs_tcp_only() -> None:
    snap, zone = load("dns-tcp-blocked")
    from netdiag.dns.resolver.resolvconf import build

    conf = build(
        nameservers=("10.96.0.10",), search=("app.svc.cluster.local",), options=("use-vc",)
    )
    r = reach_name(snap, "app/client", "web.app", zone=zone, resolv_conf=conf)
    assert [h.protocol.value for h in r.dns] == ["TCP"]
    assert r.verdict is Verdict.DENIED and r.hop == "dns-tcp"
    assert "use-vc" in r.dns[0].needed_by


def test_service_address_is_judged_per_backend_after_dnat() -> None:
    snap, zone = load("address-blocked")
    r = ask(snap, zone, "app/client", "web.app:80/TCP")
    (a,) = r.addresses
    assert (a.kind, a.target, a.address) == ("service", "app/web", "10.96.1.10")
    assert [p.dst for p in a.connection.paths] == ["app/web"]
    assert r.trace.target is not None and r.trace.target.namespace == "app"


def test_address_fix_names_the_policy_and_the_port_after_dnat() -> None:
    snap, zone = load("address-blocked")
    r = ask(snap, zone, "app/client", "example.com:443/TCP")
    assert r.blocker.startswith("address 93.184.216.34 (external 93.184.216.34)")
    assert "app/egress" in r.fix and "93.184.216.34/32" in r.fix
    assert "ipBlock: {cidr: 93.184.216.34/32}" in r.fix_yaml and "port: 443" in r.fix_yaml


def test_dns_fix_behind_nodelocal_is_an_ipblock_for_the_address_the_pod_uses() -> None:
    for scenario, address in (
        ("nodelocal-iptables", "10.96.0.10"),
        ("nodelocal-ipvs", "169.254.20.10"),
    ):
        snap, zone = load(scenario)
        r = ask(snap, zone, "app/client", "web.app:80/TCP")
        assert r.dns[0].server.kind == "nodelocal"
        assert r.dns[0].server.address == address
        assert f"ipBlock: {{cidr: {address}/32}}" in r.fix_yaml
        assert "protocol: UDP" in r.fix_yaml and "protocol: TCP" in r.fix_yaml


def test_nodelocal_is_implementation_defined_where_the_cni_is_unknown() -> None:
    snap, zone = load("nodelocal-ipvs")
    snap = replace(snap, cni=CNIInfo())
    r = ask(snap, zone, "app/client", "web.app:80/TCP")
    assert r.verdict is Verdict.UNKNOWN and r.hop == "dns-udp"
    assert "implementation-defined" in r.dns[0].note


def test_the_dns_hop_blocks_before_the_addresses_are_judged() -> None:
    snap, zone = load("dns-udp-blocked")
    r = ask(snap, zone, "app/client", "web.app:80/TCP")
    assert r.hop == "dns-udp"
    assert r.dns and all(h.verdict is Verdict.DENIED for h in r.dns)


def test_json_document_is_verdict_v1_with_dns_and_addresses() -> None:
    snap, zone = load("dns-tcp-blocked")
    doc = name_reach_document(ask(snap, zone, "app/client", "big.app:80/TCP"))
    assert doc["schema"] == "netdiag/verdict/v1"
    assert doc["verdict"] == "denied" and doc["blocked_hop"] == "dns-tcp"
    assert doc["dns"]["winner"] == "big.app.svc.cluster.local."
    assert doc["dns"]["namespace"] == "app"
    assert [(h["protocol"], h["verdict"]) for h in doc["dns"]["hops"]] == [
        ("UDP", "allowed"),
        ("TCP", "denied"),
    ]
    assert len(doc["addresses"]) == 40
    assert all(a["kind"] == "pod" and a["verdict"] == "allowed" for a in doc["addresses"])


def test_text_escapes_hostile_names_and_summarises_many_addresses() -> None:
    snap, zone = load("open")
    text = "\n".join(name_reach_lines(ask(snap, zone, "app/client", "big.app:80/TCP"), Style()))
    assert "40 addresses allowed" in text
    assert text.count("\naddress ") == 1


def test_an_ip_literal_needs_no_dns() -> None:
    # getaddrinfo returns a numeric host without a query: DNS egress is irrelevant.
    snap, zone = load("dns-udp-blocked")
    r = ask(snap, zone, "app/client", "10.96.1.10:80/TCP")
    assert r.trace.queries == () and r.dns == ()
    assert r.verdict is Verdict.ALLOWED
    assert [(a.kind, a.target) for a in r.addresses] == [("service", "app/web")]


_COREDNS_INGRESS = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: coredns, namespace: kube-system}
spec:
  podSelector: {matchLabels: {k8s-app: kube-dns}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {}}%s]
    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
status: {addresses: [{type: InternalIP, address: 10.0.0.5}]}
"""


@pytest.mark.parametrize(
    ("extra_peer", "verdict", "hop"),
    [("", Verdict.UNKNOWN, "dns-node"), (", {ipBlock: {cidr: 10.0.0.0/24}}", Verdict.ALLOWED, "")],
)
def test_the_node_caches_forward_to_coredns_is_judged_from_the_node(
    tmp_path: Path, extra_peer: str, verdict: Verdict, hop: str
) -> None:
    # The cache forwards cluster.local to kube-dns-upstream over TCP (force_tcp)
    # from the node: pod selectors in the CoreDNS pods' ingress policy never match it.
    extra = tmp_path / "coredns.yaml"
    extra.write_text(_COREDNS_INGRESS % extra_peer)
    files = [str(BASE / "cluster.yaml"), str(ROOT / "nodelocal-ipvs"), str(extra)]
    snap = load_manifests(files)
    r = reach_name(snap, "app/admin", "web.app", parse_port_spec("80"), zone=ClusterZone(snap))
    node_hops = [h for h in r.dns if h.behind]
    assert [(h.behind, h.server.address, h.protocol.value) for h in node_hops] == [
        ("169.254.20.10", "10.96.0.11", "TCP")
    ]
    assert (r.verdict, r.hop) == (verdict, hop)
    if hop:
        assert "ipBlock: {cidr: 10.0.0.5/32}" in r.fix_yaml and "kube-system/coredns" in r.fix


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_answer_is_the_conjunction_of_its_hops(scenario: str) -> None:
    # Allowed exactly when the DNS path works (or no query is needed), the name
    # resolves and every address allows; the blocker is the first hop that does not.
    snap, zone = load(scenario)
    columns = (ROOT / scenario / "expected.txt").read_text().splitlines()[0].split("\t")[1:]
    for src in ("app/client", "app/admin"):
        for column in columns:
            r = ask(snap, zone, src, column)
            hops_ok = r.dns_verdict is Verdict.ALLOWED
            addresses_ok = bool(r.addresses) and all(
                a.verdict is Verdict.ALLOWED for a in r.addresses
            )
            allowed = hops_ok and r.trace.resolved and addresses_ok
            assert (r.verdict is Verdict.ALLOWED) == allowed, (src, column)
            assert (r.hop == "") == allowed
            if not hops_ok:
                assert r.hop.startswith("dns-")
            elif not r.trace.resolved:
                assert r.hop == "name"
            elif not allowed:
                assert r.hop == "address"
            # Every blocking hop comes with the change that fixes it.
            assert bool(r.fix) == bool(r.hop)


_OPEN_ALL = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: zz-open, namespace: %s}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress: [{}]
"""


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_allowing_everything_leaves_only_the_name_as_a_blocker(
    scenario: str, tmp_path: Path
) -> None:
    # Policies only add up (union): an allow-all policy in every namespace makes
    # every hop open, so only a name that does not resolve can still block.
    snap, _zone = load(scenario)
    extra = tmp_path / "open.yaml"
    extra.write_text("---".join(_OPEN_ALL % ns for ns in ("app", "kube-system")))
    files = [str(BASE / "cluster.yaml"), *map(str, sorted((ROOT / scenario).glob("*.yaml")))]
    snap = load_manifests([*files, str(extra)])
    upstream = parse_zone_text((BASE / "upstream.zone").read_text(), filename="upstream.zone")
    zone = ClusterZone(snap, upstream)
    columns = (ROOT / scenario / "expected.txt").read_text().splitlines()[0].split("\t")[1:]
    for column in columns:
        r = ask(snap, zone, "app/client", column)
        assert r.hop in ("", "name"), (column, r.blocker)
        assert (r.verdict is Verdict.ALLOWED) == r.trace.resolved


_TO_ONE_COREDNS_POD = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-dns-pod, namespace: app}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.244.0.2/32}}]
    ports: [{protocol: UDP, port: 53}]
"""


@pytest.mark.parametrize(("resolver", "waits"), [("glibc", True), ("musl", False)])
def test_a_second_reachable_nameserver_is_enough(
    tmp_path: Path, resolver: str, waits: bool
) -> None:
    from netdiag.dns.resolver.resolvconf import build

    # The kube-dns Service is denied (one of its two backends is not allowed);
    # the second nameserver, CoreDNS pod 10.244.0.2 itself, is allowed.
    extra = tmp_path / "dns-pod.yaml"
    extra.write_text(_TO_ONE_COREDNS_POD)
    snap = load_manifests([str(BASE / "cluster.yaml"), str(ROOT / "dns-udp-blocked"), str(extra)])
    conf = build(
        nameservers=("10.96.0.10", "10.244.0.2"),
        search=("app.svc.cluster.local",),
        options=("ndots:5",),
    )
    zone = ClusterZone(snap)
    r = reach_name(snap, "app/client", "web.app", resolver=resolver, resolv_conf=conf, zone=zone)
    assert [(h.server.address, h.verdict) for h in r.dns] == [
        ("10.96.0.10", Verdict.DENIED),
        ("10.244.0.2", Verdict.ALLOWED),
    ]
    assert r.dns_verdict is Verdict.ALLOWED
    assert any(("wait" in n) is waits and "10.96.0.10" in n for n in r.notes)
