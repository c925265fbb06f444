"""``netdiag diff``: what a change opens and closes, before applying it.

Two snapshots (``[source] --after PATH…`` or ``--after-context NAME``) or one
snapshot and a proposed change (``[source] --with FILE… --without KIND/NS/NAME…``),
compared by :func:`netdiag.diff.report.diff_snapshots`. Exit 0 when nothing
changed, 1 when something did (``--fail-on`` narrows what counts), 2 on bad input.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from netdiag.app.session import Session, parse_ports
from netdiag.app.source import Source
from netdiag.cli.options import namespace_option, open_session, snapshot_options
from netdiag.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.cluster.whatif import Change

PARTS = ("reachability", "dns", "audit")


def change_option(func: Any) -> Any:
    """``--with FILE`` and ``--without KIND/NS/NAME`` (shared with ``replay``)."""
    func = click.option(
        "--without",
        "without",
        multiple=True,
        metavar="KIND/NS/NAME",
        help="Delete this object (repeatable; KIND/NAME for cluster-scoped kinds).",
    )(func)
    func = click.option(
        "--with",
        "with_files",
        multiple=True,
        metavar="FILE",
        help="Apply these manifests: replace objects of the same kind/namespace/name, "
        "add the rest (repeatable).",
    )(func)
    return func


def read_change(with_files: tuple[str, ...], without: tuple[str, ...]) -> Change:
    from netdiag.cluster.whatif import Change, parse_ref, with_objects
    from netdiag.sources.manifests import read_objects

    refs = tuple(parse_ref(r) for r in without)
    objects = with_objects(read_objects(list(with_files))) if with_files else ()
    if with_files and not objects:
        raise UsageError(f"--with {', '.join(with_files)}: no objects in the file(s)")
    return Change(apply=objects, delete=refs)


def changed_snapshot(snap: ClusterSnapshot, change: Change) -> ClusterSnapshot:
    from netdiag.cluster.whatif import apply_change

    return apply_change(snap, change)


def _after(params: dict[str, Any], before: ClusterSnapshot) -> tuple[ClusterSnapshot, str]:
    after_paths = params["after"]
    after_context = params["after_context"]
    change_given = params["with_files"] or params["without"]
    if (after_paths or after_context) and change_given:
        raise UsageError(
            "--after cannot be combined with --with/--without",
            hint="compare two sources, or one source and a change",
        )
    if after_paths and after_context:
        raise UsageError("--after and --after-context are two sources: give one")
    if after_paths or after_context:
        side = Source(
            cluster=tuple(after_paths),
            context=after_context,
            kubeconfig=params.get("kubeconfig") if after_context else None,
        )
        snap = open_session_of(side).snapshot
        return snap, snap.source
    if not change_given:
        raise UsageError(
            "nothing to compare with",
            hint="give --after PATH, --after-context NAME, --with FILE or --without KIND/NS/NAME",
        )
    change = read_change(params["with_files"], params["without"])
    return changed_snapshot(before, change), f"{before.source} {change.describe()}"


def open_session_of(source: Source) -> Session:
    from netdiag.cli.options import note, warn

    return Session.open(source, note=note, warn=warn)


def _zones(before: Session, new: ClusterSnapshot) -> Any:
    """Both sides' cluster zones with the same upstream (the demo's, or
    --upstream-zone): external names are compared too, as resolve answers them."""
    if before.upstream() is None:
        return None
    return before.zone(), before.with_snapshot(new).zone()


@click.command()
@click.option(
    "--after",
    "after",
    multiple=True,
    metavar="PATH",
    help="The new side: manifests or a 'netdiag snapshot -o yaml' dump (repeatable).",
)
@click.option("--after-context", default=None, metavar="NAME", help="The new side: a live context.")
@change_option
@namespace_option
@click.option(
    "--granularity",
    type=click.Choice(["pod", "workload", "namespace"]),
    default="pod",
    show_default=True,
    help="Reachability cells between pods, workloads or namespaces.",
)
@click.option("--port", "ports", multiple=True, metavar="PORT/PROTO", help="Only these ports.")
@click.option(
    "--compare",
    "compare",
    multiple=True,
    type=click.Choice(PARTS),
    help="What to compare (repeatable; default: all three).",
)
@click.option(
    "--upstream-zone",
    "upstream_zone",
    default=None,
    metavar="FILE",
    help="RFC 1035 zone file of external names (their resolution is compared too).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["any", "opened", "closed"]),
    default="any",
    show_default=True,
    help="Exit 1 only for this: any change, cells opened (or ports added), cells closed.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json", "md", "sarif"]),
    default="text",
    show_default=True,
)
@snapshot_options
def diff(**params: Any) -> int:
    """Compare two sources, or a source and a proposed change: reachability, DNS, audit.

    \b
      netdiag diff --cluster old/ --after new/
      netdiag diff --cluster prod.yaml --with new-policy.yaml
      netdiag diff --context prod --without NetworkPolicy/shop/default-deny

    Exit 0 when nothing changed, 1 when something did, 2 on bad input.
    """
    from netdiag.diff.report import diff_snapshots

    ns = params.get("namespace")
    namespaces = () if params.get("all_namespaces") or not ns else (ns,)
    query = parse_ports(params["ports"])
    session = open_session(params)
    before = session.snapshot
    after, after_label = _after(params, before)
    parts = params["compare"] or PARTS
    result = diff_snapshots(
        before,
        after,
        granularity=params["granularity"],
        namespaces=namespaces,
        ports=query,
        parts=parts,
        zones=_zones(session, after),
        before=before.source,
        after=after_label,
    )
    fail_on = params["fail_on"]
    output = params["output"]
    if output == "json":
        from netdiag.diff.document import diff_document

        click.echo(json.dumps(diff_document(result, fail_on=fail_on), indent=2, sort_keys=True))
    elif output == "sarif":
        from netdiag.diff.sarif import diff_sarif

        click.echo(json.dumps(diff_sarif(result), indent=2, sort_keys=True))
    elif output == "md":
        from netdiag.diff.render import markdown

        click.echo(markdown(result), nl=False)
    else:
        from netdiag.diff.render import text_lines

        for line in text_lines(result):
            click.echo(line)
    return int(ExitCode.NEGATIVE if result.fails(fail_on) else ExitCode.OK)
