"""``netdiag reach SRC DST``: can SRC open a connection to DST, and which rules decide it."""

from __future__ import annotations

import json
import shutil
from typing import Any

import click

from netdiag.cli.matrix import use_color
from netdiag.cli.options import open_session, snapshot_options
from netdiag.errors import ExitCode


@click.command()
@click.argument("src")
@click.argument("dst")
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="PORT/PROTO",
    help="Ask about this port (80, 53/UDP, 8000-8080/TCP); default: every port.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@snapshot_options
@click.pass_context
def reach(ctx: click.Context, /, src: str, dst: str, **kwargs: Any) -> None:
    """Evaluate SRC → DST: ns/pod, ns/service, an IP or a CIDR.

    Shows the egress side of SRC and the ingress side of DST: which policies
    select each, which rule (policy, rule index, peer index, port) allowed it,
    or the nearest miss. A Service is judged per backend pod after DNAT to
    its targetPort. Exit status: 0 allowed, 1 denied or implementation-defined.
    """
    from netdiag.policy.render import Style, verdict_lines
    from netdiag.policy.verdict import Verdict, verdict_document

    v = open_session(kwargs).reach(src, dst, ports=kwargs["ports"])
    if kwargs["output"] == "json":
        click.echo(json.dumps(verdict_document(v), indent=2))
    else:
        color = use_color()
        width = shutil.get_terminal_size((120, 24)).columns
        for line in verdict_lines(v, Style(color=color, unicode=color, width=width)):
            click.echo(line)
    ctx.exit(int(ExitCode.OK if v.verdict is Verdict.ALLOWED else ExitCode.NEGATIVE))
