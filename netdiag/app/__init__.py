"""The application layer: the one path every front door takes.

A front door (the CLI commands, the TUI, ``netdiag export``, ``netdiag audit``)
parses its input into a :class:`~netdiag.app.source.Source` and questions,
opens a :class:`~netdiag.app.session.Session`, asks it, and renders the answer.
Choosing and loading a source, validating namespaces and pods, assembling the
cluster zone and the matrix, tracing, judging a connection and auditing are
written here once, so the same question gets the same answer in every door.
"""
