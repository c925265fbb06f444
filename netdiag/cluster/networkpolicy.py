"""NetworkPolicy (``networking.k8s.io/v1``) in the frozen model.

The snapshot (:mod:`netdiag.cluster.model`) holds them; parsed by
:mod:`netdiag.cluster.parse_policy`, evaluated by :mod:`netdiag.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netdiag.cluster.meta import EMPTY_LABELS, Labels, ObjectRef, Protocol
from netdiag.cluster.selectors import LabelSelector


@dataclass(frozen=True, slots=True, kw_only=True)
class IPBlock:
    cidr: str
    #: ``except``: CIDRs carved out of this peer only.
    except_: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkPolicyPeer:
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkPolicyPort:
    protocol: Protocol = Protocol.TCP
    #: A number, a named port, or ``None`` (every port of the protocol).
    port: int | str | None = None
    #: Inclusive upper bound; only with a numeric ``port``.
    end_port: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkPolicyRule:
    """An ingress rule (``from``) or an egress rule (``to``).

    Empty ``ports`` means every port; empty ``peers`` means every peer.
    """

    ports: tuple[NetworkPolicyPort, ...] = ()
    peers: tuple[NetworkPolicyPeer, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    #: ``spec.policyTypes`` exactly as written (may be empty); see
    #: :attr:`effective_policy_types`.
    policy_types: tuple[str, ...] = ()
    ingress: tuple[NetworkPolicyRule, ...] = ()
    egress: tuple[NetworkPolicyRule, ...] = ()
    labels: Labels = EMPTY_LABELS
    origin: str = field(default="", compare=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(kind="NetworkPolicy", namespace=self.namespace, name=self.name)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def effective_policy_types(self) -> frozenset[str]:
        """The directions this policy isolates.

        networking.k8s.io/v1 NetworkPolicySpec.policyTypes: when unspecified,
        ``Ingress`` is always set, and ``Egress`` only if the policy has any
        egress rules — so ``egress: []`` does *not* isolate egress.
        """
        if self.policy_types:
            return frozenset(self.policy_types)
        return frozenset({"Ingress", "Egress"} if self.egress else {"Ingress"})
