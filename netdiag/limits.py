"""Input limits: every bound netdiag puts on what it reads, in one place.

Each :class:`Limit` has a default, an environment variable that raises (or
lowers) it, and words for the error that names it. Exceeding a limit is one
``error:`` line naming the limit and how to raise it: exit 2 for files and
manifests (:class:`LimitError`), 4 for what a cluster sent
(:class:`ClusterLimitError`). See docs/security.md.

Pure: :func:`current` reads the environment, and only the edges (the CLI, the
loaders, the live client) call it; the engines receive a :class:`Limits` value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from netdiag.errors import ClusterError, InputError, ManifestError


@dataclass(frozen=True, slots=True)
class Limit:
    """One bound: its words for messages, its environment variable, its default."""

    what: str
    env: str
    default: int


#: Every limit, by the attribute name :class:`Limits` gives it.
LIMITS: Mapping[str, Limit] = {
    "file_bytes": Limit("bytes per input file", "NETDIAG_MAX_FILE_BYTES", 1 << 30),
    "documents": Limit("documents per input file", "NETDIAG_MAX_DOCUMENTS", 1_000_000),
    "alias_expansions": Limit(
        "YAML alias expansions per document", "NETDIAG_MAX_ALIAS_EXPANSIONS", 10_000
    ),
    "nesting": Limit("nesting depth", "NETDIAG_MAX_NESTING", 100),
    "workload_pods": Limit(
        "synthetic pods per workload (replicas)", "NETDIAG_MAX_WORKLOAD_PODS", 10_000
    ),
    "synthetic_pods": Limit("synthetic pods in total", "NETDIAG_MAX_SYNTHETIC_PODS", 100_000),
    "response_bytes": Limit(
        "bytes per API response or watch event", "NETDIAG_MAX_RESPONSE_BYTES", 256 << 20
    ),
    "gzip_ratio": Limit("gzip inflation ratio of an API response", "NETDIAG_MAX_GZIP_RATIO", 200),
    "page_seconds": Limit("seconds per API list page", "NETDIAG_PAGE_DEADLINE", 120),
    "pages": Limit("pages per API list", "NETDIAG_MAX_PAGES", 10_000),
    "capture_chains": Limit(
        "open query chains in a capture", "NETDIAG_MAX_CAPTURE_CHAINS", 100_000
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The limits in force (defaults unless the environment says otherwise)."""

    file_bytes: int = LIMITS["file_bytes"].default
    documents: int = LIMITS["documents"].default
    alias_expansions: int = LIMITS["alias_expansions"].default
    nesting: int = LIMITS["nesting"].default
    workload_pods: int = LIMITS["workload_pods"].default
    synthetic_pods: int = LIMITS["synthetic_pods"].default
    response_bytes: int = LIMITS["response_bytes"].default
    gzip_ratio: int = LIMITS["gzip_ratio"].default
    page_seconds: int = LIMITS["page_seconds"].default
    pages: int = LIMITS["pages"].default
    capture_chains: int = LIMITS["capture_chains"].default


DEFAULTS = Limits()


def current(environ: Mapping[str, str] | None = None) -> Limits:
    """The limits with the ``NETDIAG_…`` environment variables applied.

    Raises:
        InputError: a variable that is not a positive whole number.
    """
    env = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for fld in fields(Limits):
        limit = LIMITS[fld.name]
        raw = env.get(limit.env)
        if raw is None or raw == "":
            continue
        text = raw.strip().replace("_", "")
        if not (text.isascii() and text.isdecimal()) or int(text) <= 0:
            raise InputError(f"{limit.env}={raw!r}: must be a positive whole number ({limit.what})")
        values[fld.name] = int(text)
    return Limits(**values)


def exceeded_message(name: str, where: str, value: int | str, limits: Limits) -> tuple[str, str]:
    """``(message, hint)`` for a limit ``name`` that ``value`` went past at ``where``."""
    limit = LIMITS[name]
    bound = getattr(limits, name)
    message = f"{where}: {value}: over the limit of {bound} {limit.what}"
    hint = f"if the input is trusted, raise the limit: {limit.env}=N"
    return message, hint


class LimitError(ManifestError):
    """An input file or manifest went past one of the :data:`LIMITS` (exit 2)."""

    def __init__(self, name: str, where: str, value: int | str, limits: Limits) -> None:
        message, hint = exceeded_message(name, where, value, limits)
        super().__init__(message, hint=hint)
        self.limit = name


class ClusterLimitError(ClusterError):
    """What the API server sent went past one of the :data:`LIMITS` (exit 4)."""

    def __init__(self, name: str, where: str, value: int | str, limits: Limits) -> None:
        message, hint = exceeded_message(name, where, value, limits)
        super().__init__(message, hint=hint)
        self.limit = name
