"""Cluster-wide policy tiers in the frozen model: ClusterNetworkPolicy and its predecessors.

One model for ``policy.networking.k8s.io/v1alpha2`` ClusterNetworkPolicy and the
v1alpha1 AdminNetworkPolicy / BaselineAdminNetworkPolicy it replaces
(kubernetes-sigs/network-policy-api ``apis/v1alpha2/clusternetworkpolicy_types.go``,
``apis/v1alpha1/*_types.go``): an AdminNetworkPolicy is a policy of tier Admin,
the BaselineAdminNetworkPolicy one of tier Baseline, and ``Allow`` is ``Accept``.
Parsed by :mod:`netdiag.cluster.parse_tiers`, evaluated by :mod:`netdiag.policy.tiers`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from netdiag.cluster.meta import EMPTY_LABELS, Labels, Protocol
from netdiag.cluster.selectors import LabelSelector

#: The API group of every kind here.
GROUP = "policy.networking.k8s.io"
#: Priority given to the BaselineAdminNetworkPolicy, which has none: after every
#: Baseline ClusterNetworkPolicy (0-1000). The API does not order the two kinds
#: against each other; clusters run one or the other.
BANP_PRIORITY = 1001


class Tier(enum.Enum):
    ADMIN = "Admin"
    BASELINE = "Baseline"


class Action(enum.Enum):
    #: Final for this direction (v1alpha1 ``Allow``).
    ACCEPT = "Accept"
    #: Final for this direction.
    DENY = "Deny"
    #: Skip the rest of this tier; evaluation continues at the next layer.
    PASS = "Pass"


@dataclass(frozen=True, slots=True, kw_only=True)
class NamespacedPod:
    """``pods``: pods matching ``pod_selector`` in namespaces matching ``namespace_selector``."""

    namespace_selector: LabelSelector
    pod_selector: LabelSelector


@dataclass(frozen=True, slots=True, kw_only=True)
class TierSubject:
    """``spec.subject``: exactly one of ``namespaces`` or ``pods``."""

    namespaces: LabelSelector | None = None
    pods: NamespacedPod | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TierPeer:
    """One ``from``/``to`` entry: exactly one field set.

    A peer with no field (a field this netdiag does not know) fails closed: an
    Accept rule matches nothing through it, Deny and Pass rules match everything
    (ClusterNetworkPolicyEgressPeer doc comment).
    """

    namespaces: LabelSelector | None = None
    pods: NamespacedPod | None = None
    #: CIDRs (egress only); they match pod IPs too.
    networks: tuple[str, ...] | None = None
    #: Node label selector (egress only): the nodes' ``status.addresses``.
    nodes: LabelSelector | None = None
    #: Exact names or ``*.`` wildcards (egress, Accept only).
    domain_names: tuple[str, ...] | None = None

    @property
    def unset(self) -> bool:
        return (
            self.namespaces is None
            and self.pods is None
            and self.networks is None
            and self.nodes is None
            and self.domain_names is None
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TierPort:
    """One ``protocols`` entry: a protocol with a port, a range or every port, or a named port.

    ``named_port`` resolves on the destination pod's container ports of any
    protocol (v1alpha2 ``destinationNamedPort`` names no protocol).
    """

    protocol: Protocol | None = None
    port: int | None = None
    #: Inclusive end of a range (``range.end``); ``None`` for one port.
    end_port: int | None = None
    named_port: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TierRule:
    name: str = ""
    action: Action
    peers: tuple[TierPeer, ...] = ()
    #: Empty: every protocol and port.
    ports: tuple[TierPort, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterNetworkPolicy:
    """A cluster-scoped tiered policy (ClusterNetworkPolicy, AdminNetworkPolicy or BANP)."""

    name: str
    tier: Tier
    #: 0-1000, lower first (:data:`BANP_PRIORITY` for the BaselineAdminNetworkPolicy).
    priority: int
    subject: TierSubject
    ingress: tuple[TierRule, ...] = ()
    egress: tuple[TierRule, ...] = ()
    #: The kind it was read as (``ClusterNetworkPolicy``, ``AdminNetworkPolicy``, …).
    kind: str = "ClusterNetworkPolicy"
    labels: Labels = EMPTY_LABELS
    origin: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return self.name

    @property
    def display(self) -> str:
        """``ClusterNetworkPolicy deny-all`` (what messages and explanations name)."""
        return f"{self.kind} {self.name}"
