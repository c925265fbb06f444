"""A proposed change applied to a snapshot: replace, add, delete, and what is derived again."""

from __future__ import annotations

import pytest

from netdiag.cluster.whatif import Change, apply_change, object_key, parse_ref, with_objects
from netdiag.errors import ManifestError, UsageError
from netdiag.sources.demo import load_demo
from netdiag.sources.manifests import parse_documents

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: extra}
spec:
  podSelector: {}
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 5
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, version: v2}}
    spec: {containers: [{name: c, image: api:2}]}
"""


def _change(text: str) -> Change:
    return Change(apply=with_objects(parse_documents(text, "change.yaml")))


def test_with_replaces_same_key_and_adds_the_rest_in_the_default_namespace() -> None:
    snap = load_demo()
    out = apply_change(snap, _change(POLICY))
    before = {p.key: p for p in snap.network_policies}
    after = {p.key: p for p in out.network_policies}
    assert set(after) == set(before) | {"default/extra"}
    assert after["shop/db"].ingress == () and after["shop/db"] != before["shop/db"]
    assert after["shop/db"].origin == "change.yaml:2 (document 1)"
    # Everything else is the same snapshot (the round trip loses nothing).
    assert out.pods == snap.pods and out.services == snap.services
    assert out.endpoint_slices == snap.endpoint_slices and out.dns == snap.dns
    assert out.source == snap.source


def test_replacing_a_workload_expands_its_pods_again() -> None:
    snap = load_demo()
    out = apply_change(snap, _change(DEPLOYMENT))
    api = [p for p in out.pods if p.owner is not None and p.owner.name == "api"]
    assert len(api) == 5 and all(p.labels.get("version") == "v2" for p in api)
    others = [p for p in snap.pods if p.owner is None or p.owner.name != "api"]
    assert set(others) <= set(out.pods)


def test_without_deletes_and_must_name_an_object() -> None:
    snap = load_demo()
    out = apply_change(snap, Change(delete=(parse_ref("netpol/shop/default-deny"),)))
    assert "shop/default-deny" not in {p.key for p in out.network_policies}
    assert len(out.network_policies) == len(snap.network_policies) - 1
    with pytest.raises(UsageError, match="NetworkPolicy/shop/nope: no such object"):
        apply_change(snap, Change(delete=(parse_ref("NetworkPolicy/shop/nope"),)))


def test_deleting_a_service_derives_no_endpoints_for_it() -> None:
    snap = load_demo()
    svc = snap.services[0]
    out = apply_change(snap, Change(delete=(parse_ref(f"svc/{svc.namespace}/{svc.name}"),)))
    assert svc.key not in {s.key for s in out.services}
    assert not [
        s for s in out.endpoint_slices if (s.namespace, s.service_name) == (svc.namespace, svc.name)
    ]


@pytest.mark.parametrize(
    ("text", "kind", "ns", "name"),
    [
        ("NetworkPolicy/shop/db", "NetworkPolicy", "shop", "db"),
        ("netpol/shop/db", "NetworkPolicy", "shop", "db"),
        ("services/default/kube-dns", "Service", "default", "kube-dns"),
        ("Namespace/dev", "Namespace", "", "dev"),
        ("networkpolicy.networking.k8s.io/a/b", "NetworkPolicy", "a", "b"),
    ],
)
def test_parse_ref(text: str, kind: str, ns: str, name: str) -> None:
    ref = parse_ref(text)
    assert (ref.kind, ref.namespace, ref.name) == (kind, ns, name)


@pytest.mark.parametrize("text", ["NetworkPolicy", "Pod/x", "a/b/c/d", "NetworkPolicy//x"])
def test_parse_ref_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_ref(text)


def test_invalid_object_in_with_names_its_file() -> None:
    bad = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: x}]}\n"
    with pytest.raises(ManifestError, match="change.yaml"):
        apply_change(load_demo(), _change(bad))


def test_object_key_groups() -> None:
    key = object_key(
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "a"}}
    )
    assert (key.group, key.namespace) == ("networking.k8s.io", "default")
    assert object_key({"kind": "Namespace", "metadata": {"name": "n"}}).namespace == ""


def test_unchanged_objects_keep_their_origins(tmp_path: object) -> None:
    from pathlib import Path

    from netdiag.sources.manifests import load_manifests

    path = Path(str(tmp_path)) / "cluster.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
        "status: {podIP: 10.0.0.1}\n---\n" + POLICY
    )
    snap = load_manifests([str(path)])
    out = apply_change(snap, _change(POLICY.split("---")[1]))
    assert out.pod("x", "a") is not None
    assert out.pod("x", "a").origin == snap.pod("x", "a").origin  # type: ignore[union-attr]
    assert str(path) in snap.pod("x", "a").origin  # type: ignore[union-attr]
