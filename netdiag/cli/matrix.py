"""``netdiag matrix``: who can open a connection to whom, as a truth table or JSON."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from netdiag.app.session import Session
from netdiag.cli.options import namespace_option, note, snapshot_options, source_from

if TYPE_CHECKING:
    from netdiag.policy.matrix import Matrix


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
        for text in out.notes:
            note(text)
        return [out.data.decode("utf-8").rstrip("\n")]

    return render


RENDERERS.update(
    {fmt: _exported(fmt) for fmt in ("csv", "md", "dot", "mermaid", "graphml", "gexf", "cyjs")}
)


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
    ns = kwargs.get("namespace")
    namespace = None if kwargs.get("all_namespaces") or not ns else ns
    source = source_from(kwargs, namespace=namespace)
    if kwargs.get("watch"):
        from netdiag.cli.watch_matrix import watch_matrix

        def build(snapshot: Any) -> Matrix:
            return Session(source, snapshot).matrix(
                granularity=kwargs["granularity"],
                namespace=namespace,
                ports=kwargs["ports"],
                externals=kwargs["externals"],
            )

        watch_matrix(source, build, output=kwargs["output"])
        return
    session = Session.open(source, note=note)
    if len(session.snapshot.pods) > 2000 and sys.stderr.isatty():
        click.echo(f"computing the matrix of {len(session.snapshot.pods)} pods…", err=True)
    m = session.matrix(
        granularity=kwargs["granularity"],
        namespace=namespace,
        ports=kwargs["ports"],
        externals=kwargs["externals"],
    )
    for line in RENDERERS[kwargs["output"]](m):
        click.echo(line)
