"""The bundled demo cluster: the seed article's scenario, shipped as package data.

``tke-six-six-six`` exists in both ``default`` and ``kube-system`` (different
ClusterIPs); ``kube-dns`` at 10.96.0.10 backed by CoreDNS with kubeadm's
Corefile; the nodes' resolv.conf adds one search domain (``localdomain``), so
``baidu.com`` under ``ndots:5`` costs four NXDOMAIN search candidates first; apps
in ``shop`` and ``monitoring`` behind NetworkPolicies; Calico as the CNI.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from netdiag.cluster.model import ClusterSnapshot

if TYPE_CHECKING:
    from netdiag.dns.upstream import UpstreamZone

#: Manifest files, loaded in this order (the human-edited source of the demo).
MANIFESTS = ("cluster.yaml", "kube-system.yaml", "default.yaml", "shop.yaml", "monitoring.yaml")
UPSTREAM_ZONE = "upstream.zone"
#: The same data pre-parsed, so start-up needs neither PyYAML nor dnspython.
#: Generated: ``python -m netdiag.cluster.demo._build`` (a test keeps them equal).
MANIFESTS_JSON = "manifests.json"
UPSTREAM_JSON = "upstream.json"
#: ``ClusterSnapshot.source`` of the demo.
SOURCE = "demo cluster (bundled)"
_HERE = os.path.dirname(os.path.abspath(__file__))


def _text(name: str) -> str:
    # Plain open(): importlib.resources costs ~10 ms of imports (zipfile, tempfile)
    # and netdiag is never run from a zip.
    with open(os.path.join(_HERE, name), encoding="utf-8") as fh:
        return fh.read()


@lru_cache(maxsize=1)
def load_demo() -> ClusterSnapshot:
    """The demo cluster as a snapshot (cached: it is immutable).

    Built from the pre-parsed manifests; origins still name the YAML files
    (``demo/shop.yaml:25 (document 2)``).
    """
    import json

    from netdiag.cluster.build import snapshot_from_objects

    doc = json.loads(_text(MANIFESTS_JSON))
    objects = [(entry["object"], entry["origin"]) for entry in doc["objects"]]
    return snapshot_from_objects(objects, source=SOURCE)


def demo_upstream_zone() -> str:
    """Text of the demo's upstream RFC 1035 zone file (``baidu.com`` and friends)."""
    return _text(UPSTREAM_ZONE)


@lru_cache(maxsize=1)
def demo_upstream() -> UpstreamZone:
    """The demo's upstream zone, from its pre-parsed records (cached: it is immutable)."""
    import json

    from netdiag.dns.upstream import UpstreamZone

    return UpstreamZone.from_json(json.loads(_text(UPSTREAM_JSON)))
