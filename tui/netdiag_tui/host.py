"""What screens and commands read of the running app: its state, not its class.

Screens are composed by :class:`netdiag_tui.app.NetdiagApp`; typing them
against this protocol instead of the app class keeps the import graph a tree
(the app imports its screens, never the other way round).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from netdiag.app.session import Session
    from netdiag.cluster.model import ClusterSnapshot


class Host(Protocol):
    """The app as its screens see it."""

    #: The snapshot every screen shows, and the session that answers for it.
    snapshot: ClusterSnapshot
    session: Session
    #: ``:ns`` scope (``None``: every namespace), applied by every screen.
    namespace: str | None
    #: Bumped on each new snapshot: a screen re-renders when it changed.
    generation: int
    #: Why the snapshot is stale ("" when fresh).
    stale: str
    ascii_glyphs: bool

    def snapshot_age(self) -> str: ...

    def run_command(self, command: str) -> None: ...
