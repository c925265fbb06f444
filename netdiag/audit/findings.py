"""What an audit finding is: a fact about the snapshot, its evidence and its fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """A kind of finding: stable id, default severity, one-line title, help text."""

    id: str
    severity: Severity
    title: str
    help: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One occurrence of a :class:`Check` in the snapshot.

    ``objects`` are ``Kind ns/name`` strings; ``origins`` the manifest places
    (``file#doc``) of those objects, used for SARIF locations.
    """

    check: Check
    message: str
    objects: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    fix: str = ""
    fix_yaml: str = ""
    origins: tuple[str, ...] = ()
    severity: Severity | None = None

    @property
    def effective_severity(self) -> Severity:
        return self.severity or self.check.severity

    @property
    def sort_key(self) -> tuple[int, str, tuple[str, ...], str]:
        return (-self.effective_severity.rank, self.check.id, self.objects, self.message)
