"""The vocabulary every model object shares: labels, protocols, object references.

Its own module so the per-concern model modules, such as
:mod:`netdiag.cluster.networkpolicy`, can use it without importing the snapshot
that contains them.
"""

from __future__ import annotations

import enum
from collections.abc import ItemsView, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar, overload

#: The label the API server puts on every Namespace (Kubernetes >= 1.21).
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

_T = TypeVar("_T")


class Labels(Mapping[str, str]):
    """An immutable, hashable ``str -> str`` mapping (labels, selectors, annotations)."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._data: dict[str, str] = dict(sorted((data or {}).items()))
        self._hash: int | None = None

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # Fast paths: selectors call these for every pod x selector pair; the
    # Mapping mixins would go through __iter__/__getitem__ one key at a time.
    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str | _T, /) -> str | _T: ...
    def get(self, key: str, default: object = None, /) -> object:
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def items(self) -> ItemsView[str, str]:
        return self._data.items()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Labels):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Labels({self._data!r})"

    def __str__(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self._data.items())


EMPTY_LABELS = Labels()


class Protocol(enum.Enum):
    """Transport protocols NetworkPolicy and Services know; TCP is the API default."""

    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectRef:
    """A reference to an object for messages and outputs: ``Kind ns/name``."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"
