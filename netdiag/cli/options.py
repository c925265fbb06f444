"""The flags every command that takes a snapshot shares, turned into a session.

Three sources: manifests on disk (``--cluster PATH``, repeatable, ``-`` for
stdin), the live API (``--context``, ``--kubeconfig``, ``--live``), or — with
neither — the bundled demo cluster, with a note on stderr. Loading and every
question asked of the snapshot live in :mod:`netdiag.app`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from netdiag.app.session import Session
from netdiag.app.source import Source

F = TypeVar("F", bound=Callable[..., Any])


def snapshot_options(func: F) -> F:
    """Add ``--cluster/--context/--kubeconfig/--live/--keep-going`` to a command."""
    decorators = [
        click.option(
            "--cluster",
            "cluster",
            multiple=True,
            metavar="PATH",
            help="Manifest file or directory (repeatable; '-' reads stdin).",
        ),
        click.option("--context", default=None, help="Kubeconfig context of a live cluster."),
        click.option(
            "--kubeconfig", default=None, type=click.Path(), help="Kubeconfig file (live)."
        ),
        click.option("--live", is_flag=True, help="Use the current kubeconfig context."),
        click.option(
            "--keep-going",
            is_flag=True,
            help="Report bad manifests as warnings and load the rest.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def source_from(params: dict[str, Any], namespace: str | None = None) -> Source:
    """The :class:`~netdiag.app.source.Source` a command's keyword arguments name."""
    return Source(
        cluster=tuple(params.get("cluster") or ()),
        context=params.get("context"),
        kubeconfig=params.get("kubeconfig"),
        live=bool(params.get("live")),
        keep_going=bool(params.get("keep_going")),
        namespace=namespace,
        upstream_zone=params.get("upstream_zone"),
        upstream=params.get("upstream"),
    )


def note(text: str) -> None:
    """Notes go to stderr, never stdout (the answer may be piped)."""
    click.echo(f"note: {text}", err=True)


def open_session(params: dict[str, Any], namespace: str | None = None) -> Session:
    """Load the source a command's flags name and start questioning it."""
    return Session.open(source_from(params, namespace), note=note)


def namespace_option(func: F) -> F:
    """``-n/--namespace`` (also ``--ns``) and ``-A/--all-namespaces``."""
    func = click.option(
        "-A", "--all-namespaces", "all_namespaces", is_flag=True, help="All namespaces."
    )(func)
    func = click.option(
        "-n", "--namespace", "--ns", "namespace", default=None, metavar="NS", help="Namespace."
    )(func)
    return func
