"""``netdiag matrix --watch``: print reachability changes as the cluster changes.

The matrix command hands over a function from a snapshot to its :class:`Matrix`;
:class:`~netdiag.policy.matrixdiff.MatrixFollower` follows the updates of
:func:`netdiag.sources.watch.watch_snapshots`: it keeps the matrix when nothing
the matrix reads changed, else builds the new one and diffs the two class by
class — the same edges added, removed or re-ported as diffing the two
``netdiag/reachability/v1`` documents (docs/architecture.md), printed under the object
changes that caused them. Ctrl-C stops.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from netdiag.app.source import Source
from netdiag.errors import UsageError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.policy.matrix import Matrix

CHANGE_SCHEMA = "netdiag/reachability-change/v1"
__all__ = ["CHANGE_SCHEMA", "watch_matrix"]


def watch_matrix(
    source: Source,
    matrix_for: Callable[[ClusterSnapshot], Matrix],
    *,
    output: str = "text",
    stop: threading.Event | None = None,
    echo: Callable[[str], None] = click.echo,
    **watch_options: Any,
) -> None:
    """Print the initial matrix summary, then every reachability change until stopped."""
    if not source.is_live:
        raise UsageError(
            "--watch needs a live cluster",
            hint="add --live, --context NAME or --kubeconfig FILE",
        )
    from netdiag.sources.watch import watch_snapshots

    updates = watch_snapshots(
        context=source.context,
        kubeconfig=source.kubeconfig,
        namespace=source.namespace,
        stop=stop,
        **watch_options,
    )
    try:
        for line in _report(updates, matrix_for, output):
            echo(line)
    except KeyboardInterrupt:
        pass
    finally:
        updates.close()


def _report(
    updates: Iterator[Any], matrix_for: Callable[[ClusterSnapshot], Matrix], output: str
) -> Iterator[str]:
    import time

    from netdiag.policy.matrix import reachability_document
    from netdiag.policy.matrixdiff import MatrixFollower, edge_count

    follower = MatrixFollower(matrix_for)
    for snapshot, changes in updates:
        first = follower.matrix is None
        edge_changes = follower.update(snapshot)
        stamp = time.strftime("%H:%M:%S")
        if first:
            assert follower.matrix is not None
            if output == "json":
                doc = reachability_document(follower.matrix)
                yield json.dumps({"schema": CHANGE_SCHEMA, "time": stamp, "initial": doc})
            else:
                yield (
                    f"{stamp} watching {snapshot.source}: {len(snapshot.pods)} pods, "
                    f"{len(snapshot.network_policies)} policies, "
                    f"{edge_count(follower.matrix)} edges (Ctrl-C to stop)"
                )
            continue
        if output == "json":
            yield json.dumps(
                {
                    "schema": CHANGE_SCHEMA,
                    "time": stamp,
                    "objects": [str(c) for c in changes],
                    "edges": [e.to_json() for e in edge_changes],
                }
            )
            continue
        for change in changes:
            yield f"{stamp} {change}"
        if not edge_changes:
            yield "  (reachability unchanged)"
        yield from (f"  {e}" for e in edge_changes)
