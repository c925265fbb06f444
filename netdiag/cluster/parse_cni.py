"""Parse the Calico and Cilium objects the loader keeps as foreign policies. Pure.

A bad object is a :class:`~netdiag.errors.ManifestError` naming the file,
the object, the field and, for a selector, the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from netdiag.cluster.calico import CALICO_GNP_KIND, CALICO_TIER_KIND
from netdiag.cluster.cilium import CCNP_KIND
from netdiag.cluster.cnikinds import CILIUM, CNI_KINDS, CniModel
from netdiag.cluster.fields import FieldError
from netdiag.cluster.meta import ObjectRef
from netdiag.cluster.parse import manifest_error
from netdiag.cluster.parse_calico import parse_calico_policy, parse_calico_tier
from netdiag.cluster.parse_cilium import parse_cilium_policy
from netdiag.cluster.policykinds import ForeignPolicy


def parse_cni_model(
    obj: Mapping[str, Any], group: str, kind: str, namespace: str, name: str
) -> CniModel:
    """Raises :class:`~netdiag.cluster.fields.FieldError` naming the field."""
    if CNI_KINDS[(group, kind)] == CILIUM:
        return parse_cilium_policy(obj, namespace, name, clusterwide=kind == CCNP_KIND)
    if kind == CALICO_TIER_KIND:
        return parse_calico_tier(obj, name)
    return parse_calico_policy(obj, namespace, name, global_=kind == CALICO_GNP_KIND)


def with_cni_model(p: ForeignPolicy) -> ForeignPolicy:
    """``p`` with its parsed model when it is a Calico or Cilium kind; else ``p``.

    Raises:
        ManifestError: naming origin, object (``Kind.group ns/name``) and field.
    """
    if p.group_kind not in CNI_KINDS:
        return p
    try:
        model = parse_cni_model(p.raw, p.group, p.kind, p.namespace, p.name)
    except FieldError as e:
        ref = ObjectRef(kind=f"{p.kind}.{p.group}", namespace=p.namespace, name=p.name)
        raise manifest_error(p.origin, ref, e.field, e.message) from None
    return replace(p, model=replace(model, origin=p.origin))
