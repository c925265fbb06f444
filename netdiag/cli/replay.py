"""``netdiag replay``: would the traffic a cluster really sends pass these policies?"""

from __future__ import annotations

import json
from typing import Any

import click

from netdiag.cli.diff import change_option, changed_snapshot, read_change
from netdiag.cli.options import open_session, snapshot_options
from netdiag.errors import ExitCode, UsageError


@click.command()
@click.option(
    "--flows",
    "flows",
    required=True,
    metavar="FILE",
    help="A pcap/pcapng capture or 'hubble observe -o json' output (one flow per line).",
)
@change_option
@click.option(
    "--external",
    "externals",
    multiple=True,
    metavar="CIDR",
    help="Private addresses that are outside the cluster (repeatable); "
    "other private addresses no pod or Service has are reported as unknown.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@snapshot_options
def replay(**params: Any) -> int:
    """Judge observed connections against the snapshot (or a proposed change).

    Connections are TCP SYNs, first UDP datagrams (DNS queries included) and
    SCTP INITs of a capture, or the flows of a Hubble export. Each address is
    mapped to a pod, a Service (judged after DNAT), a node or an external
    address; unknown addresses are reported, not guessed. Denied connections are
    grouped by workload pair and port with the deciding rule. Exit 1 when any
    observed connection would be denied.
    """
    from netdiag.policy.compile import parse_network
    from netdiag.replay.judge import Judge, explain
    from netdiag.replay.judge import replay as run
    from netdiag.replay.read import ReadStats, read_flows, sniff
    from netdiag.replay.render import SHOWN

    for cidr in params["externals"]:
        try:
            parse_network(cidr)
        except ValueError:
            raise UsageError(f"--external: {cidr!r} is not an IP address or CIDR") from None
    path = params["flows"]
    sniff(path)  # bad input fails before the snapshot is loaded
    snap = open_session(params).snapshot
    source = snap.source
    if params["with_files"] or params["without"]:
        change = read_change(params["with_files"], params["without"])
        snap = changed_snapshot(snap, change)
        source = f"{source} {change.describe()}"
    stats = ReadStats()
    judge = Judge(snap, params["externals"])
    result = run(judge, read_flows(path, stats))
    explain(judge, result, None if params["output"] == "json" else SHOWN)
    if params["output"] == "json":
        from netdiag.replay.render import replay_document

        doc = replay_document(result, source=source, flows=path, fmt=stats.format)
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        from netdiag.replay.render import text_lines

        for line in text_lines(result, source=source, flows=path, fmt=stats.format):
            click.echo(line)
    return int(ExitCode.NEGATIVE if result.denied_flows else ExitCode.OK)
