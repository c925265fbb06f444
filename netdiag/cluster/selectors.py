"""Label selectors (``metav1.LabelSelector``): the one implementation used everywhere.

Semantics follow apimachinery ``pkg/apis/meta/v1/helpers.go``
(``LabelSelectorAsSelector``) and ``pkg/labels/selector.go``:

* ``matchLabels`` and ``matchExpressions`` are ANDed; an empty selector ``{}``
  matches everything (a *nil* selector is handled by the caller: in a
  NetworkPolicy peer an absent selector means "not this dimension").
* ``In``/``NotIn`` need a non-empty ``values``; ``Exists``/``DoesNotExist`` need
  an empty one.
* ``NotIn`` and ``DoesNotExist`` match objects that lack the key
  (``Requirement.Matches``: ``NotIn`` returns true when the label is absent).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Operator(enum.Enum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


class SelectorError(ValueError):
    """A selector that the API server would reject; ``field`` names the part."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator is Operator.EXISTS:
            return present
        if self.operator is Operator.DOES_NOT_EXIST:
            return not present
        if self.operator is Operator.IN:
            return present and labels[self.key] in self.values
        # NotIn: true when the key is absent (apimachinery labels.Requirement.Matches).
        return not present or labels[self.key] not in self.values

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        values = ",".join(sorted(self.values))
        word = "in" if self.operator is Operator.IN else "notin"
        return f"{self.key} {word} ({values})"


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelSelector:
    """A parsed ``LabelSelector``; ``match_labels`` is sorted ``(key, value)`` pairs."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True for ``{}``, which selects every object."""
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.match_expressions)

    def mismatches(self, labels: Mapping[str, str]) -> tuple[str, ...]:
        """Which parts of the selector ``labels`` fail, for explanations."""
        out: list[str] = []
        for key, value in self.match_labels:
            if labels.get(key) != value:
                have = labels.get(key)
                got = f"{key}={have}" if have is not None else f"no {key}"
                out.append(f"{key}={value} (has {got})")
        for req in self.match_expressions:
            if not req.matches(labels):
                have = labels.get(req.key)
                got = f"{req.key}={have}" if have is not None else f"no {req.key}"
                out.append(f"{req} (has {got})")
        return tuple(out)

    def __str__(self) -> str:
        if self.is_empty:
            return "{}"
        parts = [f"{k}={v}" for k, v in self.match_labels]
        parts += [str(r) for r in self.match_expressions]
        return ",".join(parts)

    @classmethod
    def from_labels(cls, labels: Mapping[str, str]) -> LabelSelector:
        """A selector with only ``matchLabels`` (Service and workload selectors)."""
        return cls(match_labels=tuple(sorted(labels.items())))


def parse_selector(raw: object, field: str) -> LabelSelector:
    """Parse a ``LabelSelector`` dict, validating it as the API server would.

    Raises:
        SelectorError: with ``field`` naming the offending path, e.g.
            ``spec.podSelector.matchExpressions[0].operator``.
    """
    if raw is None:
        return LabelSelector()
    if not isinstance(raw, Mapping):
        raise SelectorError("must be a mapping", field)
    labels = raw.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        raise SelectorError("must be a mapping", f"{field}.matchLabels")
    pairs: list[tuple[str, str]] = []
    for key, value in labels.items():
        if value is None:
            value = ""
        pairs.append((str(key), str(value)))
    exprs_raw = raw.get("matchExpressions") or []
    if not isinstance(exprs_raw, list):
        raise SelectorError("must be a list", f"{field}.matchExpressions")
    exprs = tuple(
        _parse_requirement(e, f"{field}.matchExpressions[{i}]") for i, e in enumerate(exprs_raw)
    )
    return LabelSelector(match_labels=tuple(sorted(pairs)), match_expressions=exprs)


def _parse_requirement(raw: object, field: str) -> Requirement:
    if not isinstance(raw, Mapping):
        raise SelectorError("must be a mapping", field)
    key = raw.get("key")
    if not isinstance(key, str) or not key:
        raise SelectorError("key is required", f"{field}.key")
    op_raw = raw.get("operator")
    try:
        operator = Operator(op_raw)
    except ValueError:
        allowed = ", ".join(o.value for o in Operator)
        raise SelectorError(
            f"invalid operator {op_raw!r} (allowed: {allowed})", f"{field}.operator"
        ) from None
    values_raw = raw.get("values") or []
    if not isinstance(values_raw, list):
        raise SelectorError("must be a list", f"{field}.values")
    values = frozenset(str(v) for v in values_raw)
    needs_values = operator in (Operator.IN, Operator.NOT_IN)
    if needs_values and not values:
        raise SelectorError(f"operator {operator.value} needs values", f"{field}.values")
    if not needs_values and values:
        raise SelectorError(f"operator {operator.value} takes no values", f"{field}.values")
    return Requirement(key=key, operator=operator, values=values)
