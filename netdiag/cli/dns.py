"""``netdiag dns …``: the DNS server, direct zone queries and capture analysis."""

from __future__ import annotations

import click

from netdiag.cli import LazyGroup

#: subcommand -> "module:attribute", loaded on use like the top-level commands.
DNS_COMMANDS: dict[str, str] = {
    "serve": "netdiag.cli.dns_serve:serve",
    "query": "netdiag.cli.dns_query:query",
    "capture": "netdiag.cli.dns_capture:capture",
}


class DnsGroup(LazyGroup):
    commands_map = DNS_COMMANDS


@click.group(cls=DnsGroup)
def dns() -> None:
    """Serve the modelled cluster zone, query it, analyse captures."""
