"""``netdiag matrix``: who can open a connection to whom, as a truth table or JSON."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from netdiag.cli.options import load_snapshot, namespace_option, snapshot_options, source_from
from netdiag.errors import UsageError

if TYPE_CHECKING:
    from netdiag.policy.matrix import Matrix
    from netdiag.policy.ports import PortSet


def use_color() -> bool:
    """Colour only on a terminal and never with ``NO_COLOR`` set (no-color.org)."""
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _text(m: Matrix) -> Iterable[str]:
    from netdiag.policy.render import Style, matrix_lines

    color = use_color()
    width = shutil.get_terminal_size((120, 24)).columns
    return matrix_lines(m, Style(color=color, unicode=color, width=width))


def _json(m: Matrix) -> Iterable[str]:
    from netdiag.policy.matrix import iter_reachability_json

    # Streamed: a 10,000-pod matrix has millions of edges.
    return iter_reachability_json(m)


def _truthtable(m: Matrix) -> Iterable[str]:
    from netdiag.policy.render import truth_table

    return [truth_table(m)]


#: ``-o`` format -> renderer yielding output lines. The export formats
#: (csv, md, dot, …) plug in here: add ``"csv": render_csv`` and it appears
#: in ``--help`` and in the choice list; every renderer takes the built Matrix.
RENDERERS: dict[str, Callable[[Matrix], Iterable[str]]] = {
    "text": _text,
    "json": _json,
    "truthtable": _truthtable,
}


def _exported(fmt: str) -> Callable[[Matrix], Iterable[str]]:
    """A text format of ``netdiag export`` (netdiag.export) on this matrix's document."""

    def render(m: Matrix) -> Iterable[str]:
        from netdiag.export.formats import export_document
        from netdiag.policy.matrix import reachability_document

        out = export_document(reachability_document(m), fmt)
        for note in out.notes:
            click.echo(f"note: {note}", err=True)
        return [out.data.decode("utf-8").rstrip("\n")]

    return render


RENDERERS.update(
    {fmt: _exported(fmt) for fmt in ("csv", "md", "dot", "mermaid", "graphml", "gexf", "cyjs")}
)


def parse_ports(values: Iterable[str]) -> PortSet | None:
    from netdiag.policy.ports import EMPTY, parse_port_spec

    out = EMPTY
    given = False
    for v in values:
        given = True
        try:
            out = out | parse_port_spec(v)
        except ValueError as e:
            raise UsageError(f"--port: {e}", hint="e.g. --port 80/TCP --port 53/UDP") from None
    return out if given else None


@click.command()
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="PORT/PROTO",
    help="Only connections on these ports (repeatable; 80, 53/UDP, 8000-8080/TCP).",
)
@namespace_option
@click.option(
    "--granularity",
    type=click.Choice(["pod", "workload", "namespace"]),
    default="pod",
    show_default=True,
    help="One row per pod, workload or namespace.",
)
@click.option(
    "--external",
    "externals",
    multiple=True,
    metavar="ADDR",
    help="Add an external IP or CIDR as a node (repeatable).",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Live cluster: print edges added/removed as objects change (Ctrl-C stops).",
)
@snapshot_options
def matrix(**kwargs: Any) -> None:
    """Reachability between pods (or workloads, namespaces, CIDRs) under the NetworkPolicies.

    Rows are sources, columns destinations: '.'/'✓' allowed, 'X'/'✗' denied,
    '?' implementation-defined (hostNetwork pods, ipBlocks naming ClusterIPs).
    The CIDRs that policies' ipBlocks name are added as nodes.
    """
    from netdiag.policy.compile import parse_network
    from netdiag.policy.matrix import Matrix

    ns = kwargs.get("namespace")
    namespaces = () if kwargs.get("all_namespaces") or not ns else (ns,)
    query = parse_ports(kwargs["ports"])
    for addr in kwargs["externals"]:
        try:
            parse_network(addr)
        except ValueError:
            raise UsageError(f"--external: {addr!r} is not an IP address or CIDR") from None
    source = source_from(kwargs, namespace=namespaces[0] if namespaces else None)
    if kwargs.get("watch"):
        from netdiag.cli.watch_matrix import watch_matrix

        def build(snapshot: Any) -> Matrix:
            return Matrix(
                snapshot,
                granularity=kwargs["granularity"],
                namespaces=namespaces,
                externals=kwargs["externals"],
                ports=query,
            )

        watch_matrix(source, build, output=kwargs["output"])
        return
    snap = load_snapshot(source)
    if namespaces and not any(p.namespace == namespaces[0] for p in snap.pods):
        known = sorted({p.namespace for p in snap.pods})
        raise UsageError(
            f"-n: no pods in namespace {namespaces[0]!r}",
            hint="namespaces with pods: " + ", ".join(known),
        )
    if len(snap.pods) > 2000 and sys.stderr.isatty():
        click.echo(f"computing the matrix of {len(snap.pods)} pods…", err=True)
    m = Matrix(
        snap,
        granularity=kwargs["granularity"],
        namespaces=namespaces,
        externals=kwargs["externals"],
        ports=query,
    )
    from netdiag.cli.output import write_lines

    write_lines(RENDERERS[kwargs["output"]](m))
