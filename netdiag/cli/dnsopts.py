"""``--upstream-zone`` / ``--upstream`` and how they become a :class:`ClusterZone`.

Shared by ``netdiag dns serve``, ``netdiag dns query`` and ``netdiag resolve``.
Names outside the cluster domain are answered from an RFC 1035 zone file, a
real upstream server, or both (the file first); with neither, the bundled demo
cluster brings its own upstream zone and any other snapshot gets the
documented NXDOMAIN assumption (``ClusterZone.assumption``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from netdiag.errors import UsageError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.dns.upstream import UpstreamZone
    from netdiag.dns.zone import ClusterZone

F = TypeVar("F", bound=Callable[..., Any])


def upstream_options(func: F) -> F:
    """Add ``--upstream-zone FILE`` and ``--upstream HOST[:PORT]`` to a command."""
    func = click.option(
        "--upstream",
        "upstream",
        default=None,
        metavar="HOST[:PORT]",
        help="Real DNS server answering names outside the cluster domain.",
    )(func)
    func = click.option(
        "--upstream-zone",
        "upstream_zone",
        default=None,
        metavar="FILE",
        help="RFC 1035 zone file answering names outside the cluster domain.",
    )(func)
    return func


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
    from netdiag.cluster.bounded import read_text
    from netdiag.dns.upstream import parse_zone_text
    from netdiag.limits import current

    text = read_text(path, current(), f"--upstream-zone {path}")
    return parse_zone_text(text, filename=path)


def _is_demo(params: dict[str, Any]) -> bool:
    live = params.get("live") or params.get("context") or params.get("kubeconfig")
    return not params.get("cluster") and not live


def demo_upstream() -> UpstreamZone | None:
    """The bundled demo cluster's upstream zone (baidu.com and friends), if available."""
    try:
        from netdiag.cluster.demo import demo_upstream as bundled
    except ImportError:
        return None
    return bundled()


def build_zone(snapshot: ClusterSnapshot, params: dict[str, Any]) -> ClusterZone:
    """The cluster zone for a command's snapshot and its upstream flags."""
    from netdiag.dns.zone import ClusterZone

    upstream: UpstreamZone | None = None
    if params.get("upstream_zone"):
        upstream = load_upstream_zone(str(params["upstream_zone"]))
    elif not params.get("upstream") and _is_demo(params):
        upstream = demo_upstream()
    if params.get("upstream"):
        from netdiag.dns.forward import Forwarder

        host, port = parse_hostport(str(params["upstream"]), 53, flag="--upstream")
        forwarder = Forwarder(host, port)
        return ClusterZone(snapshot, upstream, forwarder=forwarder, forwarder_label=forwarder.label)
    return ClusterZone(snapshot, upstream)


#: The name ``netdiag resolve`` calls (netdiag/cli/resolve.py ``_zone``).
zone_from = build_zone
