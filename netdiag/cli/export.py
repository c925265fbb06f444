"""``netdiag export``: the reachability graph as DOT, SVG, PNG, GraphML, GEXF,
Cytoscape.js, node-link JSON, Mermaid, JSON, CSV or Markdown.

The graph is the policy engine's ``netdiag/reachability/v1`` document for the
snapshot (or a saved one given with ``--input``); :mod:`netdiag.export` draws it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import click

from netdiag.cli.options import namespace_option, open_session, snapshot_options
from netdiag.errors import InputError, UsageError
from netdiag.export.formats import FORMATS, LEVELS, Exported, export_document, format_for_path

#: Above this many pods a pod-level picture is a hairball: default to workloads.
WORKLOAD_THRESHOLD = 50


def _choose_format(fmt: str | None, output: str | None) -> str:
    if fmt is not None:
        return fmt
    if output not in (None, "-"):
        assert output is not None
        inferred = format_for_path(output)
        if inferred is not None:
            return inferred
        raise UsageError(
            f"cannot tell the format from the file name {output!r}",
            hint="give -f " + "|".join(FORMATS),
        )
    raise UsageError("no format given", hint="give -f " + "|".join(FORMATS) + " or -o FILE.ext")


def _read_input(path: str) -> Mapping[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from e
    try:
        document = json.loads(text)
    except ValueError as e:
        raise InputError(f"{path}: not JSON: {e}") from e
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a netdiag/reachability/v1 document (a JSON object)")
    return document


def _write(exported: Exported, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.flush()
        stream: BinaryIO = sys.stdout.buffer
        stream.write(exported.data)
        stream.flush()
        return
    assert output is not None
    try:
        Path(output).write_bytes(exported.data)
    except OSError as e:
        raise UsageError(f"{output}: cannot write: {e.strerror or e}") from e


def _stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def _refuse_binary_tty(fmt: str, output: str | None) -> None:
    if FORMATS[fmt].binary and output in (None, "-") and _stdout_is_tty():
        raise UsageError(
            f"refusing to write {fmt.upper()} to a terminal",
            hint=f"write it to a file with -o FILE.{fmt}, or redirect stdout",
        )


def _note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


def _document_from_snapshot(
    params: dict[str, Any], namespace: str | None
) -> tuple[Mapping[str, Any], Any]:
    """The document for the requested snapshot, and how to ask again coarser."""
    session = open_session(params, namespace)
    snapshot = session.snapshot
    granularity = params["granularity"]
    if granularity is None:
        pods = len(snapshot.pods)
        granularity = "workload" if pods > WORKLOAD_THRESHOLD else "pod"
        if granularity == "workload":
            _note(
                f"{pods} pods: drawing workloads (--granularity pod for every pod, "
                "namespace for a summary)"
            )

    def ask(level: str) -> Mapping[str, Any]:
        document, _ = session.reachability(
            granularity=level,
            ports=params["ports"],
            namespace=namespace,
            externals=params["externals"],
        )
        return document

    document, notes = session.reachability(
        granularity=granularity,
        ports=params["ports"],
        namespace=namespace,
        externals=params["externals"],
    )
    for note in notes:
        _note(note)
    return document, ask


@click.command("export")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=None,
    help="Output format (default: from -o's extension).",
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE|-",
    help="Write to FILE ('-' or absent: stdout).",
)
@click.option(
    "--granularity",
    type=click.Choice(list(LEVELS)),
    default=None,
    help=f"Nodes are pods, workloads or namespaces (default: pod; workload above "
    f"{WORKLOAD_THRESHOLD} pods).",
)
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="PORT/PROTO",
    help="Only pairs allowing one of these ports (repeatable), e.g. 53/UDP.",
)
@namespace_option
@click.option(
    "--external",
    "externals",
    multiple=True,
    metavar="ADDR",
    help="External IP or CIDR to include as a node (repeatable).",
)
@click.option(
    "--input",
    "input_path",
    default=None,
    metavar="FILE",
    help="Draw a saved netdiag/reachability/v1 document (netdiag matrix -o json) "
    "instead of a snapshot; '-' reads stdin.",
)
@snapshot_options
def export(**params: Any) -> None:
    """Export the reachability graph: which pods may connect to which, on which ports.

    Namespaces are drawn as boxes, external CIDRs as red nodes, one edge per
    pair labelled with its ports. svg and png need Graphviz's dot program.

    \b
    Examples:
      netdiag export -o reachability.svg
      netdiag export -f mermaid -n default
      netdiag export -f csv --port 53/UDP -o dns.csv
      netdiag matrix -o json > m.json && netdiag export --input m.json -o m.graphml
    """
    fmt = _choose_format(params["fmt"], params["output"])
    _refuse_binary_tty(fmt, params["output"])
    if fmt in ("svg", "png"):
        from netdiag.export.graphviz import dot_program

        dot_program()  # fail before computing a matrix nobody can draw
    namespace = None if params["all_namespaces"] else params["namespace"]
    if params["input_path"] is not None:
        ignored = [f for f in ("ports", "externals", "cluster") if params[f]]
        if ignored or params["namespace"] or params["granularity"] not in (None, "namespace"):
            raise UsageError(
                "--input draws a saved document as it is",
                hint="--port, -n, --external, --cluster and --granularity pod|workload "
                "need a snapshot; only --granularity namespace works with --input",
            )
        document = _read_input(params["input_path"])
        exported = _from_document(document, fmt, params["granularity"] == "namespace")
    else:
        document, ask = _document_from_snapshot(params, namespace)
        exported = export_document(document, fmt, coarser=ask)
    for note in exported.notes:
        _note(note)
    _write(exported, params["output"])


def _from_document(document: Mapping[str, Any], fmt: str, namespaces: bool) -> Exported:
    if not namespaces:
        return export_document(document, fmt)
    from netdiag.export.graph import document_from_graph, graph_from_document, to_namespaces

    return export_document(document_from_graph(to_namespaces(graph_from_document(document))), fmt)
