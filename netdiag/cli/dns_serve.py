"""``netdiag dns serve``: a real UDP+TCP DNS server answering like the cluster's CoreDNS."""

from __future__ import annotations

from typing import Any

import click

from netdiag.app.upstream import parse_hostport
from netdiag.cli.dnsopts import upstream_options
from netdiag.cli.options import open_session, snapshot_options


@click.command()
@click.option(
    "--listen",
    "listen",
    multiple=True,
    default=("127.0.0.1:5353",),
    show_default=True,
    metavar="ADDR:PORT",
    help="Address to serve on, UDP and TCP (repeatable; [v6]:PORT for IPv6).",
)
@click.option(
    "--query-log",
    "query_log",
    default=None,
    metavar="FILE",
    help="Append one JSON line per query (time, client, proto, id, name, type, rcode).",
)
@snapshot_options
@upstream_options
def serve(listen: tuple[str, ...], query_log: str | None, **params: Any) -> None:
    """Serve the snapshot's cluster zone (and upstream) over UDP and TCP.

    Answers exactly as `netdiag dns query` and the `resolve` model do: the
    cluster zone as CoreDNS's kubernetes plugin would, names outside it from
    --upstream-zone / --upstream. Stops cleanly on Ctrl-C or SIGTERM.
    """
    from netdiag.dns.server.loop import DnsServer

    addresses = [parse_hostport(item, 5353, flag="--listen") for item in listen]
    zone = open_session(params).zone()
    server = DnsServer(zone, addresses, query_log=query_log)

    def ready() -> None:
        where = ", ".join(_fmt(h, p) for h, p in server.addresses)
        zones = ", ".join(z.rstrip(".") for z in sorted(zone.zones))
        click.echo(f"netdiag dns serve: listening on {where} (udp, tcp) for {zones}", err=True)
        click.echo(f"note: {zone.assumption}", err=True)
        if query_log:
            click.echo(f"query log: {query_log}", err=True)

    server.serve_forever(on_ready=ready)
    click.echo(f"netdiag dns serve: stopped after {server.queries} queries", err=True)


def _fmt(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
