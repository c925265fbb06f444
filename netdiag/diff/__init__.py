"""What a change does: reachability, name resolution and audit findings, before and after.

:func:`netdiag.diff.report.diff_snapshots` is the pure entry point every front door
uses (the ``diff`` command, the TUI); presenters live in ``render`` and ``document``.
"""
