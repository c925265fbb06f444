"""Typed access to raw Kubernetes dicts, raising :class:`FieldError` with a field path.

Pure helpers shared by the per-kind parsers in :mod:`netdiag.cluster.parse`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netdiag.cluster.meta import Labels, Protocol

#: RFC 1123 subdomain, what the API server requires of most object names.
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
#: IANA_SVC_NAME (apimachinery validation.IsValidPortName): <= 15 chars of
#: lower-case alphanumerics and '-', at least one letter, no leading/trailing/double '-'.
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9]|-(?!-))*$")

#: Annotations netdiag writes so its inventions survive a serialize/load round trip.
SYNTHETIC_ANNOTATION = "netdiag.io/synthetic"
SYNTHETIC_IP_ANNOTATION = "netdiag.io/synthetic-ip"
DERIVED_ANNOTATION = "netdiag.io/derived"
DECLARED_ANNOTATION = "netdiag.io/declared"
#: On the ``kind: List`` itself: ``ClusterSnapshot.incomplete`` as a JSON array of strings.
INCOMPLETE_ANNOTATION = "netdiag.io/incomplete"


class FieldError(ValueError):
    """A value the API server would reject; ``field`` is the path inside the object."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def mapping(raw: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FieldError(f"must be a mapping, not {type(value).__name__}", join(path, key))
    return value


def seq(raw: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError(f"must be a list, not {type(value).__name__}", join(path, key))
    return value


def item_map(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FieldError(f"must be a mapping, not {type(value).__name__}", path)
    return value


def string(raw: Mapping[str, Any], key: str, path: str, default: str = "") -> str:
    """A string field; absent or empty gives ``default`` (API defaulting treats both alike)."""
    value = raw.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(f"must be a string, not {type(value).__name__}", join(path, key))
    return str(value)


def integer(
    raw: Mapping[str, Any],
    key: str,
    path: str,
    *,
    default: int | None = None,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"must be an integer, not {value!r}", join(path, key))
    if (low is not None and value < low) or (high is not None and value > high):
        raise FieldError(f"{value} is out of range {low}-{high}", join(path, key))
    return value


def boolean(raw: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, not {value!r}", join(path, key))
    return value


def labels(raw: Mapping[str, Any], key: str, path: str) -> Labels:
    value = mapping(raw, key, path)
    return Labels({str(k): "" if v is None else str(v) for k, v in value.items()})


def protocol(raw: Mapping[str, Any], key: str, path: str) -> Protocol:
    value = raw.get(key)
    if value is None:
        return Protocol.TCP
    try:
        return Protocol(value)
    except ValueError:
        raise FieldError(
            f"unsupported protocol {value!r} (allowed: TCP, UDP, SCTP)", join(path, key)
        ) from None


def port_number(raw: Mapping[str, Any], key: str, path: str) -> int:
    value = integer(raw, key, path, low=1, high=65535)
    if value is None:
        raise FieldError("is required", join(path, key))
    return value


def int_or_port_name(value: object, path: str) -> int | str:
    """An ``IntOrString`` port: 1-65535 or an IANA_SVC_NAME."""
    if isinstance(value, bool):
        raise FieldError(f"must be a port number or name, not {value!r}", path)
    if isinstance(value, int):
        if not 1 <= value <= 65535:
            raise FieldError(f"{value} is out of range 1-65535", path)
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int_or_port_name(int(value), path)
        if not valid_port_name(value):
            raise FieldError(f"invalid port name {value!r}", path)
        return value
    raise FieldError(f"must be a port number or name, not {type(value).__name__}", path)


def valid_port_name(name: str) -> bool:
    return (
        0 < len(name) <= 15
        and bool(_PORT_NAME.match(name))
        and not name.endswith("-")
        and any(c.isalpha() for c in name)
    )


def valid_object_name(name: str) -> bool:
    return len(name) <= 253 and bool(_DNS1123_SUBDOMAIN.match(name))


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
