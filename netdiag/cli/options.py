"""Options shared by every command that takes a snapshot, and how to get one.

Three sources (DESIGN.md §1): manifests on disk (``--cluster PATH``,
repeatable, ``-`` for stdin), the live API (``--context``, ``--kubeconfig``,
``--live``), or — with neither — the bundled demo cluster, with a note on stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from netdiag.errors import UsageError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotSource:
    cluster: tuple[str, ...] = ()
    context: str | None = None
    kubeconfig: str | None = None
    live: bool = False
    keep_going: bool = False
    #: Namespace to limit live listing to, when the question allows it.
    namespace: str | None = None

    @property
    def is_live(self) -> bool:
        return self.live or self.context is not None or self.kubeconfig is not None


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


def source_from(params: dict[str, Any], namespace: str | None = None) -> SnapshotSource:
    """Build a :class:`SnapshotSource` from a command's keyword arguments."""
    source = SnapshotSource(
        cluster=tuple(params.get("cluster") or ()),
        context=params.get("context"),
        kubeconfig=params.get("kubeconfig"),
        live=bool(params.get("live")),
        keep_going=bool(params.get("keep_going")),
        namespace=namespace,
    )
    if source.cluster and source.is_live:
        raise UsageError(
            "--cluster cannot be combined with --context/--kubeconfig/--live",
            hint="choose manifests on disk or a live cluster",
        )
    return source


def load_snapshot(
    source: SnapshotSource, *, warn: Callable[[str], None] | None = None
) -> ClusterSnapshot:
    """Load the snapshot a command asked for; notes go to stderr, never stdout.

    The cyclic garbage collector is paused while loading: parsing allocates
    millions of containers that all stay alive until the snapshot is built, so
    each collection only re-walks them (measured at 5,000 pods: 10-30 % of a
    YAML load, about half of a live list's CPU). Reference counting still frees
    everything that dies; the collector resumes before the command's work.
    """
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        snapshot = _load(source)
    finally:
        if paused:
            gc.enable()
    warn_duplicates(snapshot, warn)
    return snapshot


#: At most this many duplicate warnings are listed; the rest are counted.
DUPLICATES_SHOWN = 5


def warn_duplicates(snapshot: ClusterSnapshot, warn: Callable[[str], None] | None = None) -> None:
    """Say which objects came twice (the last copy is kept), in every command.

    ``warn`` receives each ``warning: …`` line (default: stderr; the TUI shows them).
    """
    from netdiag.visible import visible

    say = warn or (lambda line: click.echo(line, err=True))
    dupes = [w for w in snapshot.warnings if ": duplicate, replaces " in w]
    for w in dupes[:DUPLICATES_SHOWN]:
        say(f"warning: {visible(w)}")
    if len(dupes) > DUPLICATES_SHOWN:
        say(f"warning: ... and {len(dupes) - DUPLICATES_SHOWN} more duplicates")


def _load(source: SnapshotSource) -> ClusterSnapshot:
    if source.cluster:
        from netdiag.cluster.loader import load_manifests

        return load_manifests(source.cluster, keep_going=source.keep_going)
    if source.is_live:
        from netdiag.cluster.live import load_live

        return load_live(
            context=source.context,
            kubeconfig=source.kubeconfig,
            namespace=source.namespace,
        )
    from netdiag.cluster.demo import load_demo

    click.echo(
        "note: no --cluster/--context/--live given: using the bundled demo cluster",
        err=True,
    )
    return load_demo()


def namespace_option(func: F) -> F:
    """``-n/--namespace`` (also ``--ns``) and ``-A/--all-namespaces``."""
    func = click.option(
        "-A", "--all-namespaces", "all_namespaces", is_flag=True, help="All namespaces."
    )(func)
    func = click.option(
        "-n", "--namespace", "--ns", "namespace", default=None, metavar="NS", help="Namespace."
    )(func)
    return func
