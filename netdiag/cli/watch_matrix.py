"""``netdiag matrix --watch``: print reachability changes as the cluster changes.

The matrix command hands over a function from a snapshot to its
``netdiag/reachability/v1`` document (DESIGN.md §3); each update of
:func:`netdiag.cluster.watch.watch_snapshots` is turned into a document and
diffed against the previous one: edges added, edges removed, ports changed —
printed under the object changes that caused them. Ctrl-C stops.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from netdiag.cli.options import SnapshotSource
from netdiag.errors import UsageError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot

Document = Mapping[str, Any]
EdgeKey = tuple[str, str]
PortKey = tuple[str, int | None, int | None]
CHANGE_SCHEMA = "netdiag/reachability-change/v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class EdgeChange:
    """One edge that appeared, disappeared, or changed ports between two documents."""

    #: ``+`` added, ``-`` removed, ``~`` ports changed.
    sign: str
    source: str
    target: str
    ports: tuple[PortKey, ...] = ()
    #: For ``~``: ports no longer allowed.
    removed_ports: tuple[PortKey, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "change": {"+": "added", "-": "removed", "~": "ports"}[self.sign],
            "from": self.source,
            "to": self.target,
            "ports": [_port_json(p) for p in self.ports],
        }
        if self.sign == "~":
            out["removed_ports"] = [_port_json(p) for p in self.removed_ports]
        return out

    def __str__(self) -> str:
        text = f"{self.sign} {self.source} -> {self.target}  {_ports_text(self.ports)}"
        if self.removed_ports:
            text += f"  (no longer {_ports_text(self.removed_ports)})"
        return text


def _port_key(entry: Mapping[str, Any]) -> PortKey:
    return (str(entry.get("protocol", "TCP")), entry.get("port"), entry.get("end_port"))


def _port_json(key: PortKey) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": key[0]}
    if key[1] is not None:
        out["port"] = key[1]
    if key[2] is not None:
        out["end_port"] = key[2]
    return out


def _ports_text(ports: Iterable[PortKey]) -> str:
    def one(p: PortKey) -> str:
        if p[1] is None:
            return f"{p[0]}/*"
        return f"{p[0]}/{p[1]}" + (f"-{p[2]}" if p[2] is not None else "")

    return ",".join(one(p) for p in ports) or "-"


def _edges(doc: Document) -> dict[EdgeKey, frozenset[PortKey]]:
    return {
        (str(e["from"]), str(e["to"])): frozenset(_port_key(p) for p in e.get("ports", ()))
        for e in doc.get("edges", ())
    }


def diff_documents(old: Document, new: Document) -> tuple[EdgeChange, ...]:
    """Edge changes between two ``netdiag/reachability/v1`` documents, sorted."""
    before, after = _edges(old), _edges(new)
    out: list[EdgeChange] = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if was is None:
            out.append(EdgeChange(sign="+", source=key[0], target=key[1], ports=_sorted(now)))
        elif now is None:
            out.append(EdgeChange(sign="-", source=key[0], target=key[1], ports=_sorted(was)))
        else:
            out.append(
                EdgeChange(
                    sign="~",
                    source=key[0],
                    target=key[1],
                    ports=_sorted(now),
                    removed_ports=_sorted(was - now),
                )
            )
    return tuple(out)


def _sorted(ports: Iterable[PortKey] | None) -> tuple[PortKey, ...]:
    return tuple(sorted(ports or (), key=lambda p: (p[0], p[1] or 0, p[2] or 0)))


def watch_matrix(
    source: SnapshotSource,
    document_for: Callable[[ClusterSnapshot], Document],
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
    from netdiag.cluster.watch import watch_snapshots

    updates = watch_snapshots(
        context=source.context,
        kubeconfig=source.kubeconfig,
        namespace=source.namespace,
        stop=stop,
        **watch_options,
    )
    try:
        for line in _report(updates, document_for, output):
            echo(line)
    except KeyboardInterrupt:
        pass
    finally:
        updates.close()


def _report(
    updates: Iterator[Any], document_for: Callable[[ClusterSnapshot], Document], output: str
) -> Iterator[str]:
    import time

    previous: Document | None = None
    for snapshot, changes in updates:
        doc = document_for(snapshot)
        stamp = time.strftime("%H:%M:%S")
        if previous is None:
            edges = len(doc.get("edges", ()))
            if output == "json":
                yield json.dumps({"schema": CHANGE_SCHEMA, "time": stamp, "initial": doc})
            else:
                yield (
                    f"{stamp} watching {snapshot.source}: {len(snapshot.pods)} pods, "
                    f"{len(snapshot.network_policies)} policies, {edges} edges (Ctrl-C to stop)"
                )
            previous = doc
            continue
        edge_changes = diff_documents(previous, doc)
        previous = doc
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
