"""What a CNI policy engine (Calico tiers, Cilium) returns for one side of a connection.

A side is judged port by port: each :class:`Decision` names the ports it
settled, the kind, policy, rule and action that settled them. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from netdiag.policy.ports import EMPTY, PortSet
from netdiag.policy.verdict import Direction, RuleMatch, RuleMiss, Side


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """Ports settled by one rule (or by a default: tier end, profile, default deny)."""

    ports: PortSet
    #: ``GlobalNetworkPolicy``, ``CiliumNetworkPolicy``, ``Tier``, ``Profile``, …
    kind: str
    #: Policy (or tier / profile) key; ``""`` for a built-in default.
    policy: str
    #: Field path of the rule (``spec.ingress[0]``); ``""`` for a default.
    rule: str
    #: ``Allow``, ``Deny``, ``Pass`` or a default (``default deny``, ``profile allow``).
    action: str
    tier: str = ""
    #: Why the rule matched, or a caveat (L7 rules that further restrict it).
    note: str = ""

    @property
    def allows(self) -> bool:
        return self.action in ("Allow", "profile allow", "default allow")

    @property
    def denies(self) -> bool:
        return self.action in ("Deny", "default deny")

    def describe(self) -> str:
        where = f"{self.kind} {self.policy}".strip()
        if self.rule:
            where += f" {self.rule}"
        if self.tier:
            where = f"tier {self.tier}: {where}"
        text = f"{where}: {self.action} {self.ports}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True, slots=True, kw_only=True)
class CniSide:
    """One direction judged by a CNI engine."""

    direction: Direction
    subject: str
    #: True when some policy of this engine selects the subject in ``direction``.
    selected: bool
    #: Ports allowed, counting the engine's own default (Calico's profile, Cilium's
    #: default allow when no selecting policy enables default deny).
    allowed: PortSet
    #: True when ports no rule allows are denied (Cilium default deny; Calico: selected).
    isolated: bool = False
    #: Ports some allow rule grants (deny rules already taken out).
    rule_allowed: PortSet = EMPTY
    decisions: tuple[Decision, ...] = ()
    policies: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: Non-empty when the outcome is implementation-defined.
    unknown: str = ""

    def denied(self) -> PortSet:
        out = EMPTY
        for d in self.decisions:
            if d.denies:
                out = out | d.ports
        return out

    def to_side(self) -> Side:
        """The shape the v1 presenters already render (reach text/JSON, matrix cells)."""
        matches = tuple(
            RuleMatch(
                policy=f"{d.kind} {d.policy}".strip(),
                rule=i,
                peer=None,
                ports=d.ports,
                peer_text=d.note or d.rule or d.action,
                port_text=str(d.ports),
            )
            for i, d in enumerate(self.decisions)
            if d.allows and d.ports
        )
        misses = tuple(
            RuleMiss(
                policy=f"{d.kind} {d.policy}".strip(),
                rule=i,
                peer=None,
                reason=d.describe(),
                score=0 if d.rule else 50,
            )
            for i, d in enumerate(self.decisions)
            if not d.allows and d.ports
        )
        return Side(
            direction=self.direction,
            subject=self.subject,
            applicable=True,
            isolated=self.selected,
            policies=self.policies,
            ports=self.allowed,
            matches=matches,
            misses=misses,
            unknown=self.unknown,
            notes=self.notes + tuple(d.describe() for d in self.decisions),
        )
