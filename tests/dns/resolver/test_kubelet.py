"""A pod's resolv.conf as kubelet's pkg/kubelet/network/dns/dns.go builds it."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from netdiag.cluster.model import Pod, PodDNSConfig
from netdiag.dns.resolver.kubelet import (
    fit_search,
    merge_dns_options,
    namespace_pod,
    parse_node_resolv_conf,
    pod_resolv_conf,
)
from tests.dns.fakes import demo_like_snapshot

NODE = (
    "nameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch ec2.internal. corp.test\n"
    "options timeout:1 rotate\n"
)


def test_cluster_first_gets_cluster_dns_search_and_only_ndots5() -> None:
    snap = demo_like_snapshot(NODE)
    got = pod_resolv_conf(snap, namespace_pod("default"))
    conf = got.resolv_conf
    assert conf.nameservers == ("10.96.0.10",)
    assert conf.search == (
        "default.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
        "ec2.internal",
        "corp.test",
    )
    assert conf.options == ("ndots:5",)  # node options (timeout, rotate) never reach pods
    assert got.dns_type == "cluster" and not got.warnings


def test_host_network_cluster_first_silently_falls_back_to_the_node() -> None:
    snap = demo_like_snapshot(NODE)
    host = pod_resolv_conf(snap, Pod(namespace="default", name="h", host_network=True))
    assert host.dns_type == "host"
    assert host.resolv_conf.nameservers == ("10.0.0.2", "10.0.0.3")
    assert host.resolv_conf.search == ("ec2.internal", "corp.test")
    assert "hostNetwork" in host.origin
    with_net = pod_resolv_conf(
        snap,
        Pod(namespace="default", name="h", host_network=True, dns_policy="ClusterFirstWithHostNet"),
    )
    assert with_net.resolv_conf.nameservers == ("10.96.0.10",)


def test_default_and_none_policies() -> None:
    snap = demo_like_snapshot(NODE)
    default = pod_resolv_conf(snap, Pod(namespace="x", name="p", dns_policy="Default"))
    assert default.resolv_conf.nameservers == ("10.0.0.2", "10.0.0.3")
    none = pod_resolv_conf(
        snap,
        Pod(
            namespace="x",
            name="p",
            dns_policy="None",
            dns_config=PodDNSConfig(
                nameservers=("1.1.1.1",), searches=("a.test",), options=(("ndots", "1"),)
            ),
        ),
    )
    assert none.resolv_conf.nameservers == ("1.1.1.1",)
    assert none.resolv_conf.search == ("a.test",)
    assert none.resolv_conf.ndots == 1


def test_dns_config_appends_dedupes_and_pod_options_win() -> None:
    snap = demo_like_snapshot(NODE)
    pod = Pod(
        namespace="default",
        name="p",
        dns_config=PodDNSConfig(
            nameservers=("10.96.0.10", "1.1.1.1"),
            searches=("svc.cluster.local", "extra.test"),
            options=(("ndots", "2"), ("single-request-reopen", None)),
        ),
    )
    conf = pod_resolv_conf(snap, pod).resolv_conf
    assert conf.nameservers == ("10.96.0.10", "1.1.1.1")
    assert conf.search[-1] == "extra.test" and conf.search.count("svc.cluster.local") == 1
    assert conf.ndots == 2 and conf.has("single-request-reopen")


def test_limits_three_nameservers_warn() -> None:
    snap = demo_like_snapshot(NODE)
    pod = Pod(
        namespace="default",
        name="p",
        dns_config=PodDNSConfig(nameservers=("1.1.1.1", "8.8.8.8", "9.9.9.9")),
    )
    got = pod_resolv_conf(snap, pod)
    assert got.resolv_conf.nameservers == ("10.96.0.10", "1.1.1.1", "8.8.8.8")
    assert any(w.startswith("DNSConfigForming: Nameserver limits") for w in got.warnings)


def test_search_limits_count_length_and_total() -> None:
    many = tuple(f"d{i}.test" for i in range(40))
    kept, cut = fit_search(many)
    assert kept == many[:32] and cut
    long_entry = "a" * 254
    kept, cut = fit_search(("ok.test", long_entry, "b.test"))
    assert kept == ("ok.test", "b.test") and cut
    big = tuple(f"{'x' * 200}{i}.test" for i in range(12))  # ~2.5k characters
    kept, cut = fit_search(big)
    assert len(" ".join(kept)) <= 2048 and kept == big[: len(kept)] and cut
    assert fit_search(("a.test",)) == (("a.test",), False)


def test_node_search_overflow_gives_a_pod_warning() -> None:
    node = "nameserver 10.0.0.2\nsearch " + " ".join(f"n{i}.test" for i in range(31)) + "\n"
    got = pod_resolv_conf(demo_like_snapshot(node), namespace_pod("default"))
    assert len(got.resolv_conf.search) == 32
    assert any("Search Line limits were exceeded" in w for w in got.warnings)


def test_kubelet_node_parser_is_not_glibcs() -> None:
    node = parse_node_resolv_conf("domain x.test\nsearch a. b\noptions a\noptions b:1\n")
    assert node.searches == ("a", "b")  # trailing dot stripped, domain ignored
    assert node.options == ("b:1",)  # the last options line wins


def test_merge_options_sorted_and_pod_wins() -> None:
    assert merge_dns_options(("ndots:5", "rotate"), (("ndots", "1"), ("edns0", None))) == (
        "edns0",
        "ndots:1",
        "rotate",
    )


def test_missing_cluster_dns_falls_back_with_warning() -> None:
    snap = demo_like_snapshot(NODE)
    snap = replace(snap, dns=replace(snap.dns, dns_ips=()))
    got = pod_resolv_conf(snap, namespace_pod("default"))
    assert got.dns_type == "host"
    assert any(w.startswith("MissingClusterDNS") for w in got.warnings)


@given(st.lists(st.text("abcdefghij.", min_size=1, max_size=300), max_size=45))
def test_fit_search_invariants(search: list[str]) -> None:
    """formDNSSearchFitsLimits: at most 32 entries, none over 253, line <= 2048,
    an order-preserving prefix of the long-enough entries, 'exceeded' iff cut."""
    kept, cut = fit_search(tuple(search))
    assert len(kept) <= 32 and all(len(s) <= 253 for s in kept)
    assert len(" ".join(kept)) <= 2048
    eligible = [s for s in search[:32] if len(s) <= 253]
    assert list(kept) == eligible[: len(kept)]
    assert cut == (list(kept) != search)
