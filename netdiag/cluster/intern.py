"""Parsing the same small object once: memo of parsed values keyed by their raw form.

A cluster repeats itself: every replica of a Deployment carries the same container
ports, the same label set, the same selectors. Parsing (and validating) each copy
again costs most of a load; keying the parsed value by the raw mapping's items
makes each distinct one parsed once, and makes equal values one object (memory).
Only successes are remembered: a raw value that fails validation is parsed again
at every occurrence, so each error names its own place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Distinct raw values remembered per memo before it starts over (bounded memory).
LIMIT = 1 << 16


class Memo(Generic[T]):
    """``get(raw, parse)``: ``parse()``'s value for a flat mapping seen before."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[Hashable, T] = {}

    def get(self, raw: Mapping[str, Any], parse: Callable[[], T]) -> T:
        try:
            key: Hashable = tuple(raw.items())
            value = self._values.get(key)
        except TypeError:  # a nested or unhashable value: not worth a key
            return parse()
        if value is None:
            value = parse()
            if len(self._values) >= LIMIT:
                self._values.clear()
            self._values[key] = value
        return value
