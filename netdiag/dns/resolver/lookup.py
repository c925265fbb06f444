"""Starting a lookup: the named stub resolver's algorithm over a resolv.conf.

The profiles (:mod:`~netdiag.dns.resolver.glibc`, ``musl``, ``golang``) build
on the shared vocabulary of :mod:`netdiag.dns.resolver.search`; this module
picks one by name, so neither needs the other.
"""

from __future__ import annotations

from collections.abc import Callable

from netdiag.dns.resolver.glibc import glibc_search
from netdiag.dns.resolver.golang import go_search
from netdiag.dns.resolver.musl import musl_search
from netdiag.dns.resolver.profiles import ProfileConfig, config_for
from netdiag.dns.resolver.resolvconf import ResolvConf
from netdiag.dns.resolver.search import (
    FAMILIES,
    RESOLVERS,
    Algorithm,
    Resolution,
    qtypes_for,
    validate_name,
)
from netdiag.errors import InputError


def start(
    resolver: str,
    name: str,
    conf: ResolvConf,
    *,
    family: str = "unspec",
    rtype: str | None = None,
    nameservers: tuple[str, ...] | None = None,
) -> Resolution:
    """A fresh :class:`Resolution` of ``name`` by ``resolver`` under ``conf``."""
    if resolver not in RESOLVERS:
        raise InputError(f"unknown resolver {resolver!r}", hint="choose glibc, musl or go")
    if family not in FAMILIES:
        raise InputError(f"unknown family {family!r}", hint="choose unspec, inet or inet6")
    validate_name(name)
    config = config_for(resolver, conf, nameservers=nameservers)
    qtypes = qtypes_for(family, rtype, config)
    return Resolution(
        algorithm=_algorithm(resolver)(config, name, qtypes, rtype is not None, family),
        config=config,
    )


AlgorithmFactory = Callable[[ProfileConfig, str, tuple[str, ...], bool, str], Algorithm]


#: Each stub resolver's search algorithm (a generator fed by the drivers).
_ALGORITHMS: dict[str, AlgorithmFactory] = {
    "glibc": glibc_search,
    "musl": musl_search,
    "go": go_search,
}


def _algorithm(resolver: str) -> AlgorithmFactory:
    return _ALGORITHMS[resolver]
