"""The bundled demo cluster: the seed article's scenario, shipped as package data.

``tke-six-six-six`` exists in both ``default`` and ``kube-system`` (different
ClusterIPs); ``kube-dns`` at 10.96.0.10 backed by CoreDNS with kubeadm's
Corefile; the nodes' resolv.conf adds one search domain (``localdomain``), so
``baidu.com`` under ``ndots:5`` costs four NXDOMAIN search candidates first; apps
in ``shop`` and ``monitoring`` behind NetworkPolicies; Calico as the CNI.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from netdiag.cluster.model import ClusterSnapshot

#: Manifest files, loaded in this order.
MANIFESTS = ("cluster.yaml", "kube-system.yaml", "default.yaml", "shop.yaml", "monitoring.yaml")
UPSTREAM_ZONE = "upstream.zone"


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_demo() -> ClusterSnapshot:
    """The demo cluster as a snapshot (cached: it is immutable)."""
    from netdiag.cluster.build import snapshot_from_objects
    from netdiag.cluster.loader import parse_documents

    objects = [obj for name in MANIFESTS for obj in parse_documents(_text(name), f"demo/{name}")]
    return snapshot_from_objects(objects, source="demo cluster (bundled)")


def demo_upstream_zone() -> str:
    """Text of the demo's upstream RFC 1035 zone file (``baidu.com`` and friends)."""
    return _text(UPSTREAM_ZONE)
