"""What an evaluation returns: verdicts, per-direction sides, rule matches and misses."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from netdiag.cluster.policykinds import UnevaluatedLayer
from netdiag.policy.ports import ALL, EMPTY, PortSet


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    #: Implementation-defined (hostNetwork pods, ipBlocks naming ClusterIPs; trap 8).
    UNKNOWN = "unknown"


class Direction(enum.Enum):
    EGRESS = "egress"
    INGRESS = "ingress"


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleMatch:
    """A rule that allowed (part of) the connection: policy, rule index, peer index, ports."""

    policy: str
    rule: int
    #: ``None`` when the rule has no peers (it allows every peer).
    peer: int | None
    ports: PortSet
    peer_text: str
    port_text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleMiss:
    """A rule that did not allow it, and why; ``score`` orders misses, nearest first."""

    policy: str
    rule: int
    peer: int | None
    reason: str
    score: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """One rule (or the default) deciding some ports of a direction."""

    layer: str
    #: The policy's name (``ns/name`` for namespaced kinds); ``""`` for the default.
    policy: str = ""
    #: Kind of the policy (``ClusterNetworkPolicy``, ``NetworkPolicy``, …).
    kind: str = ""
    priority: int | None = None
    #: The rule's name, or its place (``ingress[2]``) when it has none.
    rule: str = ""
    #: ``Accept``, ``Deny``, ``Pass`` (tiers), ``Allow`` (NetworkPolicy), or
    #: ``Isolate`` (NetworkPolicy: isolated and no rule allows).
    action: str
    ports: PortSet
    #: What matched, in words (``peer 0: pods with app=db in namespaces with …``).
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "layer": self.layer,
            "policy": self.policy or None,
            "kind": self.kind or None,
            "priority": self.priority,
            "rule": self.rule or None,
            "action": self.action,
            "ports": self.ports.to_json(),
            "detail": self.detail or None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Side:
    """One direction of a connection as its subject's policies see it."""

    direction: Direction
    subject: str
    #: False when the subject is not a pod (an external address): no policy applies.
    applicable: bool
    isolated: bool
    policies: tuple[str, ...] = ()
    ports: PortSet = ALL
    matches: tuple[RuleMatch, ...] = ()
    misses: tuple[RuleMiss, ...] = ()
    #: Non-empty when the outcome is implementation-defined (trap 8).
    unknown: str = ""
    notes: tuple[str, ...] = ()
    #: The layer chain's decisions, in order (:mod:`netdiag.policy.layers`); empty
    #: when only networking.k8s.io/v1 NetworkPolicies apply.
    decisions: tuple[Decision, ...] = ()

    @property
    def nearest_miss(self) -> RuleMiss | None:
        return min(self.misses, key=lambda m: m.score) if self.misses else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PathVerdict:
    """One concrete src → dst pair (for a Service: one backend after DNAT)."""

    src: str
    dst: str
    verdict: Verdict
    ports: PortSet
    egress: Side
    ingress: Side
    #: ``service ns/name port 80/TCP → targetPort 8080`` for Service backends.
    via: str = ""
    #: The Service port this path serves (paths of one port must all allow).
    service_port: PortSet | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionVerdict:
    src: str
    dst: str
    verdict: Verdict
    ports: PortSet
    query: PortSet | None
    paths: tuple[PathVerdict, ...]
    notes: tuple[str, ...] = ()
    #: Policy kinds in the snapshot that this verdict does not take into account.
    unevaluated: tuple[UnevaluatedLayer, ...] = ()


def combine(egress: Side, ingress: Side) -> tuple[Verdict, PortSet]:
    """Both sides must allow; an implementation-defined side makes the result ``UNKNOWN``
    unless the other, well-defined side already denies everything."""
    ports = egress.ports & ingress.ports
    if not egress.unknown and not ingress.unknown:
        return (Verdict.ALLOWED if ports else Verdict.DENIED), ports
    known = [s for s in (egress, ingress) if not s.unknown]
    if any(s.ports.is_empty for s in known):
        return Verdict.DENIED, EMPTY
    return Verdict.UNKNOWN, ports


def _group_verdict(paths: list[PathVerdict]) -> Verdict:
    verdicts = {p.verdict for p in paths}
    if Verdict.DENIED in verdicts:
        return Verdict.DENIED
    return Verdict.UNKNOWN if Verdict.UNKNOWN in verdicts else Verdict.ALLOWED


def summarise(
    src: str, dst: str, query: PortSet | None, paths: tuple[PathVerdict, ...], notes: list[str]
) -> ConnectionVerdict:
    """Paths of one Service port (or all paths to a pod) must all allow: traffic may
    land on any backend. The connection is allowed if some port is."""
    groups: dict[PortSet | None, list[PathVerdict]] = {}
    for p in paths:
        groups.setdefault(p.service_port, []).append(p)
    ports = EMPTY
    seen: set[Verdict] = set()
    for service_port, members in groups.items():
        gv = _group_verdict(members)
        seen.add(gv)
        if gv is not Verdict.ALLOWED:
            allowed = sum(p.verdict is Verdict.ALLOWED for p in members)
            if allowed:
                notes.append(f"only {allowed} of {len(members)} backends allow {service_port}")
            continue
        if service_port is not None:
            ports = ports | service_port
        else:
            common = members[0].ports
            for p in members[1:]:
                common = common & p.ports
            ports = ports | common
    if Verdict.ALLOWED in seen:
        verdict = Verdict.ALLOWED
    elif Verdict.UNKNOWN in seen:
        verdict = Verdict.UNKNOWN
    else:
        verdict = Verdict.DENIED
    return ConnectionVerdict(
        src=src,
        dst=dst,
        verdict=verdict,
        ports=ports,
        query=query,
        paths=paths,
        notes=tuple(dict.fromkeys(notes)),
    )


VERDICT_SCHEMA = "netdiag/verdict/v1"


def _side_json(side: Side) -> dict[str, object]:
    miss = side.nearest_miss
    return {
        "direction": side.direction.value,
        "subject": side.subject,
        "applicable": side.applicable,
        "isolated": side.isolated,
        "policies": list(side.policies),
        "ports": side.ports.to_json(),
        "allowed_by": [
            {
                "policy": m.policy,
                "rule": m.rule,
                "peer": m.peer,
                "ports": m.ports.to_json(),
                "peer_text": m.peer_text,
                "port_text": m.port_text,
            }
            for m in side.matches
        ],
        "nearest_miss": None if miss is None else _miss_json(miss),
        "misses": [_miss_json(m) for m in sorted(side.misses, key=lambda m: m.score)],
        "implementation_defined": side.unknown or None,
        "notes": list(side.notes),
        # The layer chain, per decided port set, in evaluation order (additive).
        "decided_by": [d.to_json() for d in side.decisions],
    }


def _miss_json(m: RuleMiss) -> dict[str, object]:
    return {"policy": m.policy, "rule": m.rule, "peer": m.peer, "reason": m.reason}


def verdict_document(v: ConnectionVerdict) -> dict[str, object]:
    """JSON ``netdiag/verdict/v1``: verdict, allowed ports, and both sides of every path."""
    return {
        "schema": VERDICT_SCHEMA,
        "src": v.src,
        "dst": v.dst,
        "query": None if v.query is None else v.query.to_json(),
        "verdict": v.verdict.value,
        "ports": v.ports.to_json(),
        "notes": list(v.notes),
        "unevaluated_layers": [layer.to_json() for layer in v.unevaluated],
        "paths": [
            {
                "src": p.src,
                "dst": p.dst,
                "via": p.via or None,
                "service_port": None if p.service_port is None else p.service_port.to_json(),
                "verdict": p.verdict.value,
                "ports": p.ports.to_json(),
                "egress": _side_json(p.egress),
                "ingress": _side_json(p.ingress),
            }
            for p in v.paths
        ],
    }
