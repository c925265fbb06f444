"""CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (``cilium.io/v2``) in the frozen model.

Field names follow the Cilium policy API (``pkg/policy/api``: ``Rule``,
``IngressRule``, ``EgressRule``, ``PortRule``, ``CIDRRule``, ``FQDNSelector``)
in snake case. Parsed by :mod:`netdiag.cluster.parse_cilium`, evaluated by
:mod:`netdiag.policy.cilium`. Only L3/L4 is evaluated; L7 ``rules`` are kept by
kind so a verdict can say they further restrict it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from netdiag.cluster.meta import EMPTY_LABELS, Labels, ObjectRef
from netdiag.cluster.selectors import LabelSelector

CILIUM_GROUP = "cilium.io"
CNP_KIND = "CiliumNetworkPolicy"
CCNP_KIND = "CiliumClusterwideNetworkPolicy"


class Entity(enum.Enum):
    """``fromEntities``/``toEntities`` values (``pkg/policy/api/entity.go``)."""

    ALL = "all"
    WORLD = "world"
    WORLD_IPV4 = "world-ipv4"
    WORLD_IPV6 = "world-ipv6"
    CLUSTER = "cluster"
    HOST = "host"
    REMOTE_NODE = "remote-node"
    KUBE_APISERVER = "kube-apiserver"
    INIT = "init"
    INGRESS = "ingress"
    HEALTH = "health"
    UNMANAGED = "unmanaged"
    NONE = "none"


class L4Protocol(enum.Enum):
    """``PortProtocol.protocol``; absent means ``ANY``."""

    ANY = "ANY"
    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


@dataclass(frozen=True, slots=True, kw_only=True)
class CIDRRule:
    """``toCIDRSet``/``fromCIDRSet`` entry (``toCIDR`` entries are ones without ``except``)."""

    cidr: str
    except_: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PortProtocol:
    #: A number (0 = every port), or a port name (resolved on the destination pod).
    port: int | str
    end_port: int | None = None
    protocol: L4Protocol = L4Protocol.ANY


@dataclass(frozen=True, slots=True, kw_only=True)
class PortRule:
    ports: tuple[PortProtocol, ...] = ()
    #: Kinds of L7 rules present (``http``, ``kafka``, ``dns``, ``l7``): not evaluated.
    l7: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceRef:
    """``toServices`` entry: ``k8sService`` (name) or ``k8sServiceSelector`` (selector)."""

    name: str = ""
    namespace: str = ""
    selector: LabelSelector | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FQDNSelector:
    match_name: str = ""
    match_pattern: str = ""

    def __str__(self) -> str:
        return self.match_name or self.match_pattern


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumRule:
    """One element of ``ingress``/``ingressDeny``/``egress``/``egressDeny``.

    ``endpoints`` is ``fromEndpoints``/``toEndpoints``; ``cidrs`` merges
    ``from/toCIDR`` and ``from/toCIDRSet``. Cilium accepts only one kind of
    L3 peer per rule (``rule_validation.go``: "Combining … is not supported").
    """

    #: ``ingress[0]``, ``egressDeny[2]``: where the rule is, for explanations.
    path: str
    deny: bool = False
    endpoints: tuple[LabelSelector, ...] = ()
    cidrs: tuple[CIDRRule, ...] = ()
    entities: tuple[Entity, ...] = ()
    services: tuple[ServiceRef, ...] = ()
    fqdns: tuple[FQDNSelector, ...] = ()
    to_ports: tuple[PortRule, ...] = ()

    @property
    def has_peer(self) -> bool:
        return bool(self.endpoints or self.cidrs or self.entities or self.services or self.fqdns)

    @property
    def l7(self) -> tuple[str, ...]:
        return tuple(sorted({k for pr in self.to_ports for k in pr.l7}))


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumSpec:
    """One ``spec`` or ``specs[i]`` (``api.Rule``)."""

    #: ``spec`` or ``specs[3]``.
    path: str
    #: Exactly one of the two is set (``Rule.Sanitize``).
    endpoint_selector: LabelSelector | None = None
    node_selector: LabelSelector | None = None
    ingress: tuple[CiliumRule, ...] = ()
    ingress_deny: tuple[CiliumRule, ...] = ()
    egress: tuple[CiliumRule, ...] = ()
    egress_deny: tuple[CiliumRule, ...] = ()
    #: ``enableDefaultDeny`` after defaulting: true for a direction that has
    #: rules (allow or deny), unless set (``Rule.Sanitize``).
    default_deny_ingress: bool = False
    default_deny_egress: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumPolicy:
    """A CiliumNetworkPolicy (``namespace`` set) or CiliumClusterwideNetworkPolicy."""

    namespace: str
    name: str
    clusterwide: bool = False
    specs: tuple[CiliumSpec, ...] = ()
    labels: Labels = EMPTY_LABELS
    #: Field paths present but not evaluated (``fromGroups``, ``icmps``, …).
    not_evaluated: tuple[str, ...] = ()
    origin: str = field(default="", compare=False)

    @property
    def kind(self) -> str:
        return CCNP_KIND if self.clusterwide else CNP_KIND

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(kind=self.kind, namespace=self.namespace, name=self.name)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name
