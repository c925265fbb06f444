"""The one error hierarchy of netdiag.

Every user-facing failure is a :class:`NetdiagError`: a one-line message naming
the file, object or field at fault, an optional hint, and an exit code. Exactly
one place (``netdiag.cli.main``) turns them into ``error: …`` / ``hint: …`` on
stderr. Third-party exceptions are wrapped at the edge with ``raise … from e``.

Exit codes (documented in the README):

* 0 — ok
* 1 — a negative answer to a question (``reach`` denied, ``audit`` findings,
  a name that does not resolve)
* 2 — usage or input error (flags, manifests, names, resolv.conf, pcaps)
* 3 — configuration (kubeconfig, context)
* 4 — cluster or network (API unreachable, forbidden, DNS server unreachable)
* 5 — a missing external tool (Graphviz ``dot``)
* 130 — interrupted
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes; see the module docstring."""

    OK = 0
    NEGATIVE = 1
    USAGE = 2
    CONFIG = 3
    CLUSTER = 4
    TOOL_MISSING = 5
    INTERRUPTED = 130


class NetdiagError(Exception):
    """Root of every error netdiag reports to a user."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(NetdiagError):
    """A flag or argument the user gave is wrong."""


class InputError(NetdiagError):
    """Bad input data: a manifest, a name, a resolv.conf, a pcap, a zone file."""


class ManifestError(InputError):
    """A manifest cannot be read or is invalid; the message names file and field."""


class ConfigError(NetdiagError):
    """Kubeconfig or context problems."""

    exit_code = ExitCode.CONFIG


class ClusterError(NetdiagError):
    """The cluster or the network failed us (unreachable, forbidden, timeout)."""

    exit_code = ExitCode.CLUSTER


class ToolMissingError(NetdiagError):
    """An external program netdiag needs (Graphviz ``dot``) is not installed."""

    exit_code = ExitCode.TOOL_MISSING
