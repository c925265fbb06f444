"""Policy layers a command's answer does not take into account: one ``warning:`` line each."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from netdiag.cluster.model import ClusterSnapshot

if TYPE_CHECKING:
    from netdiag.dns.upstream import UpstreamZone

F = TypeVar("F", bound=Callable[..., Any])


def upstream_zone_option(func: F) -> F:
    """``--upstream-zone FILE``: where ClusterNetworkPolicy ``domainNames`` resolve outside
    the cluster domain (the bundled demo cluster brings its own)."""
    return click.option(
        "--upstream-zone",
        "upstream_zone",
        default=None,
        metavar="FILE",
        help="RFC 1035 zone file answering names outside the cluster domain "
        "(for ClusterNetworkPolicy domainNames peers).",
    )(func)


def upstream_for(params: dict[str, Any]) -> UpstreamZone | None:
    """The upstream zone a reachability command resolves ``domainNames`` through."""
    from netdiag.cli.dnsopts import demo_upstream, load_upstream_zone

    if params.get("upstream_zone"):
        return load_upstream_zone(str(params["upstream_zone"]))
    live = params.get("live") or params.get("context") or params.get("kubeconfig")
    demo = not params.get("cluster") and not live
    return demo_upstream() if demo else None


def warn_unevaluated(snapshot: ClusterSnapshot) -> None:
    """One ``warning:`` line on stderr per policy kind present but not evaluated.

    The kinds and groups come from netdiag's own table, never from the input,
    so the line holds no attacker-controlled text.
    """
    for layer in snapshot.unevaluated_layers:
        click.echo(f"warning: {layer.warning}", err=True)
