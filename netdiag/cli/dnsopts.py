"""``--upstream-zone`` / ``--upstream``: how names outside the cluster domain are answered.

Shared by ``netdiag dns serve``, ``netdiag dns query`` and ``netdiag resolve``;
they become part of the :class:`~netdiag.app.source.Source`, and
:mod:`netdiag.app.upstream` builds the zone from them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    pass

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
