"""``--upstream-zone`` / ``--upstream``: how names outside the cluster domain are answered.

Shared by ``netdiag dns serve``, ``netdiag dns query`` and ``netdiag resolve``;
they become part of the :class:`~netdiag.app.source.Source`, and
:mod:`netdiag.app.upstream` builds the zone from them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

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


def upstream_zone_option(func: F) -> F:
    """``--upstream-zone FILE`` alone: where ClusterNetworkPolicy ``domainNames``
    resolve outside the cluster domain (the bundled demo cluster brings its own)."""
    return click.option(
        "--upstream-zone",
        "upstream_zone",
        default=None,
        metavar="FILE",
        help="RFC 1035 zone file answering names outside the cluster domain "
        "(for ClusterNetworkPolicy domainNames peers).",
    )(func)
