"""The CoreDNS kubernetes block, read from Corefiles as people write them."""

from __future__ import annotations

import pytest

from netdiag.cluster.corefile import CorefileError, cluster_domain, parse_corefile
from netdiag.cluster.model import KUBEADM_COREFILE

KUBEADM = """\
.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""


def test_kubeadm_corefile_equals_the_assumed_default() -> None:
    assert parse_corefile(KUBEADM) == KUBEADM_COREFILE


def test_every_modelled_option() -> None:
    block = parse_corefile(
        """
        # a comment { with braces }
        corp.internal:53 {
          forward . 10.0.0.2
        }
        .:53 {
          kubernetes k8s.corp. {   # trailing comment
            pods verified
            ttl 0
            endpoint_pod_names
            ignore empty_service
            namespaces shop monitoring
            fallthrough
            kubeconfig /x y
          }
        }
        """
    )
    assert block is not None
    assert block.zones == ("k8s.corp",)
    assert block.pods == "verified" and block.ttl == 0
    assert block.endpoint_pod_names and block.ignore_empty_service
    assert block.namespaces == ("shop", "monitoring")
    assert block.fallthrough == ()  # bare fallthrough: every zone
    assert cluster_domain(block) == "k8s.corp"


def test_zones_default_to_server_block_and_options_to_plugin_defaults() -> None:
    block = parse_corefile("cluster.local:53 {\n  kubernetes\n}\n")
    assert block is not None
    assert block.zones == ("cluster.local",)
    assert (block.pods, block.ttl, block.fallthrough) == ("disabled", 5, None)


def test_no_kubernetes_block() -> None:
    assert parse_corefile(".:53 {\n forward . 8.8.8.8\n}\n") is None


def test_reverse_zones_are_not_the_cluster_domain() -> None:
    block = parse_corefile(".:53 {\n kubernetes in-addr.arpa corp.local\n}\n")
    assert block is not None and cluster_domain(block) == "corp.local"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (".:53 {\n kubernetes cluster.local {\n  pods sometimes\n }\n}\n", 3),
        (".:53 {\n kubernetes cluster.local {\n  ttl 99999\n }\n}\n", 3),
        (".:53 {\n kubernetes cluster.local {\n  pods insecure\n", 2),
        (".:53 {\n forward . 1.1.1.1\n}\n}\n", 4),
    ],
)
def test_errors_name_the_line(text: str, line: int) -> None:
    with pytest.raises(CorefileError) as info:
        parse_corefile(text)
    assert info.value.line == line


@pytest.mark.parametrize(
    ("text", "autopath"),
    [
        # before the kubernetes block, as the CoreDNS docs write it
        (KUBEADM.replace("    ready\n", "    ready\n    autopath @kubernetes\n"), True),
        # after it, in the same server block
        (KUBEADM.replace("    loadbalance\n", "    loadbalance\n    autopath @kubernetes\n"), True),
        # a resolv.conf path: one search path for every client, not modelled
        (KUBEADM.replace("    ready\n", "    ready\n    autopath /etc/resolv.conf\n"), False),
        # in another server block
        (KUBEADM + "example.org:53 {\n    autopath @kubernetes\n    forward . 8.8.8.8\n}\n", False),
        (KUBEADM, False),
    ],
)
def test_autopath_is_read_from_the_kubernetes_server_block(text: str, autopath: bool) -> None:
    block = parse_corefile(text)
    assert block is not None and block.autopath is autopath
    assert block.pods == "insecure" and block.ttl == 30  # the rest is read as before


def test_ttl_takes_ascii_digits_only() -> None:
    with pytest.raises(CorefileError, match="ttl takes one number"):
        parse_corefile(".:53 {\n    kubernetes cluster.local {\n        ttl ٣٠\n    }\n}\n")
