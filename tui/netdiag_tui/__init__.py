"""netdiag's Textual app (installed as ``netdiag_tui``).

Importing this package is cheap; Textual loads when :func:`run` or
``netdiag_tui.app`` is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netdiag.app.source import Source
    from netdiag.cluster.model import ClusterSnapshot


def run(snapshot: ClusterSnapshot, source: Source | None = None, **options: Any) -> None:
    from netdiag_tui.app import NetdiagApp

    NetdiagApp(snapshot, source=source, **options).run()
