"""``netdiag audit``: isolation and name-resolution findings, CI-gateable."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from netdiag.cli.options import namespace_option, open_session, snapshot_options
from netdiag.errors import ExitCode


@click.command()
@namespace_option
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding at or above this severity exists.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
)
@snapshot_options
def audit(**params: Any) -> int:
    """Find isolation and name-resolution hazards, with the objects and the fix.

    Scope is every namespace unless -n is given. Exit 1 when a finding at or
    above --fail-on exists, so it can gate CI on manifests.
    """
    from netdiag.audit.findings import Severity
    from netdiag.audit.render import to_json, to_text
    from netdiag.audit.run import all_checks, at_or_above
    from netdiag.audit.sarif import to_sarif

    namespace = None if params["all_namespaces"] else params["namespace"]
    findings = open_session(params, namespace).audit(namespace=namespace)
    output = params["output"]
    if output == "json":
        click.echo(json.dumps(to_json(findings), indent=2, sort_keys=True))
    elif output == "sarif":
        click.echo(json.dumps(to_sarif(findings, all_checks()), indent=2, sort_keys=True))
    else:
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        click.echo(to_text(findings, colour=colour))
    failing = at_or_above(findings, Severity(params["fail_on"]))
    return int(ExitCode.NEGATIVE) if failing else int(ExitCode.OK)
