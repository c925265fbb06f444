"""How names outside the cluster domain are answered, and the cluster zone built on it.

An RFC 1035 zone file (``--upstream-zone``), a real upstream server
(``--upstream``), or both (the file first); with neither, the bundled demo
cluster brings its own upstream zone and any other snapshot gets the
documented NXDOMAIN assumption (``ClusterZone.assumption``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netdiag.errors import InputError, UsageError

if TYPE_CHECKING:
    from netdiag.app.source import Source
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.dns.zone.cluster import ClusterZone
    from netdiag.dns.zone.upstream import UpstreamZone


def parse_hostport(text: str, default_port: int, *, flag: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address → ``(host, port)``."""
    host, port_text = text, ""
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise UsageError(f"{flag} {text}: expected [ADDRESS]:PORT")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host:
        raise UsageError(f"{flag} {text}: missing host")
    if not port_text:
        return host, default_port
    if not (port_text.isascii() and port_text.isdigit()) or not 0 <= int(port_text) <= 65535:
        raise UsageError(f"{flag} {text}: port must be a number from 0 to 65535")
    return host, int(port_text)


def load_upstream_zone(path: str) -> UpstreamZone:
    """Read a zone file; unreadable files are one-line input errors."""
    from netdiag.dns.zone.upstream import parse_zone_text

    try:  # open(), not pathlib: resolve's start-up does not need pathlib's imports
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"--upstream-zone {path}: cannot read: {e}") from e
    return parse_zone_text(text, filename=path)


def build_zone(snapshot: ClusterSnapshot, source: Source) -> ClusterZone:
    """The cluster zone for ``snapshot`` with ``source``'s upstream settings."""
    from netdiag.dns.zone.cluster import ClusterZone

    upstream: UpstreamZone | None = None
    if source.upstream_zone:
        upstream = load_upstream_zone(source.upstream_zone)
    elif not source.upstream and source.is_demo:
        from netdiag.sources.demo import demo_upstream

        upstream = demo_upstream()
    if source.upstream:
        from netdiag.dns.zone.forward import Forwarder

        host, port = parse_hostport(source.upstream, 53, flag="--upstream")
        forwarder = Forwarder(host, port)
        return ClusterZone(snapshot, upstream, forwarder=forwarder, forwarder_label=forwarder.label)
    return ClusterZone(snapshot, upstream)
