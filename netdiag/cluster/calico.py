"""Calico NetworkPolicy, GlobalNetworkPolicy and Tier (``projectcalico.org/v3``): the model.

Field names follow the Calico v3 API (docs.tigera.io "NetworkPolicy",
"GlobalNetworkPolicy", "Tier" references) in snake case. The same objects
stored as CRDs (``crd.projectcalico.org/v1``) parse to the same values.
Parsed by :mod:`netdiag.cluster.parse_calico`, evaluated by
:mod:`netdiag.policy.calico`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from netdiag.cluster.calicoselector import CalicoSelector
from netdiag.cluster.meta import EMPTY_LABELS, Labels, ObjectRef, Protocol

CALICO_GROUPS = ("projectcalico.org", "crd.projectcalico.org")
CALICO_NP_KIND = "NetworkPolicy"
CALICO_GNP_KIND = "GlobalNetworkPolicy"
CALICO_TIER_KIND = "Tier"

#: Built-in tiers and their order / default action (projectcalico/api v3
#: ``DefaultTierOrder``, ``KubeAdminTierOrder``, ``KubeBaselineTierOrder``).
DEFAULT_TIER = "default"
DEFAULT_TIER_ORDER = 1_000_000.0
KUBE_ADMIN_TIER = "kube-admin"
KUBE_ADMIN_TIER_ORDER = 1_000.0
KUBE_BASELINE_TIER = "kube-baseline"
KUBE_BASELINE_TIER_ORDER = 10_000_000.0
#: Calico evaluates Kubernetes NetworkPolicies in the default tier at this order,
#: under this name prefix.
KNP_ORDER = 1000.0
KNP_PREFIX = "knp.default."


class Action(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"
    PASS = "Pass"
    LOG = "Log"


@dataclass(frozen=True, slots=True, kw_only=True)
class CalicoPort:
    """A ``ports``/``notPorts`` entry: a number, a ``start:end`` range, or a name."""

    port: int | str
    end_port: int | None = None

    def __str__(self) -> str:
        return f"{self.port}:{self.end_port}" if self.end_port is not None else str(self.port)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityRule:
    """A rule's ``source`` or ``destination``; every field present must match (AND)."""

    nets: tuple[str, ...] = ()
    not_nets: tuple[str, ...] = ()
    selector: CalicoSelector | None = None
    not_selector: CalicoSelector | None = None
    namespace_selector: CalicoSelector | None = None
    ports: tuple[CalicoPort, ...] = ()
    not_ports: tuple[CalicoPort, ...] = ()
    #: ``serviceAccounts.names`` / ``serviceAccounts.selector``.
    service_account_names: tuple[str, ...] = ()
    service_account_selector: CalicoSelector | None = None
    #: ``services: {name, namespace}``.
    service: tuple[str, str] | None = None

    @property
    def is_empty(self) -> bool:
        return self == EntityRule()


@dataclass(frozen=True, slots=True, kw_only=True)
class CalicoRule:
    #: ``ingress[0]``: where the rule is, for explanations.
    path: str
    action: Action
    #: ``None`` = any protocol; a :class:`Protocol`, or the protocol as written
    #: when netdiag does not model it (ICMP, UDPLite, a number).
    protocol: Protocol | str | None = None
    not_protocol: Protocol | str | None = None
    source: EntityRule = EntityRule()
    destination: EntityRule = EntityRule()
    #: L7 ``http`` match present (needs an application layer policy; not evaluated).
    http: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CalicoPolicy:
    """A Calico NetworkPolicy (``namespace`` set) or GlobalNetworkPolicy."""

    namespace: str
    name: str
    global_: bool = False
    tier: str = DEFAULT_TIER
    #: ``None`` sorts last (felix ``policy_sorter.go``: order nil = +Inf).
    order: float | None = None
    selector: CalicoSelector | None = None
    #: GlobalNetworkPolicy only.
    namespace_selector: CalicoSelector | None = None
    service_account_selector: CalicoSelector | None = None
    #: Effective ``types`` (defaulted from the rules present when omitted).
    types: frozenset[str] = frozenset({"Ingress"})
    ingress: tuple[CalicoRule, ...] = ()
    egress: tuple[CalicoRule, ...] = ()
    #: ``applyOnForward``/``preDNAT``/``doNotTrack`` set: host-endpoint features out of scope.
    out_of_scope: tuple[str, ...] = ()
    #: A Kubernetes NetworkPolicy as Calico evaluates it (``knp.default.<name>``).
    knp: bool = False
    labels: Labels = EMPTY_LABELS
    origin: str = field(default="", compare=False)

    @property
    def kind(self) -> str:
        return CALICO_GNP_KIND if self.global_ else CALICO_NP_KIND

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(kind=self.kind, namespace=self.namespace, name=self.name)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def display_kind(self) -> str:
        return "NetworkPolicy" if self.knp else f"Calico {self.kind}"

    @property
    def display_key(self) -> str:
        """``ns/name``; a Kubernetes NetworkPolicy by its own name, not Calico's."""
        if self.knp:
            return f"{self.namespace}/{self.name.removeprefix(KNP_PREFIX)}"
        return self.key


@dataclass(frozen=True, slots=True, kw_only=True)
class CalicoTier:
    name: str
    order: float | None = None
    #: What the tier does for an endpoint its policies select but no rule decided.
    default_action: Action = Action.DENY
    origin: str = field(default="", compare=False)


#: Tiers Calico creates itself; a snapshot without Tier objects has these.
BUILTIN_TIERS = (
    CalicoTier(name=KUBE_ADMIN_TIER, order=KUBE_ADMIN_TIER_ORDER, default_action=Action.PASS),
    CalicoTier(name=DEFAULT_TIER, order=DEFAULT_TIER_ORDER, default_action=Action.DENY),
    CalicoTier(name=KUBE_BASELINE_TIER, order=KUBE_BASELINE_TIER_ORDER, default_action=Action.PASS),
)
