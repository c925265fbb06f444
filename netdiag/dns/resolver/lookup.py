"""Starting a lookup: the named stub resolver's algorithm over a resolv.conf.

The profiles (:mod:`~netdiag.dns.resolver.glibc`, ``musl``, ``golang``) build
on the shared vocabulary of :mod:`netdiag.dns.resolver.search`; this module
picks one by name, so neither needs the other.
"""

from __future__ import annotations

from collections.abc import Callable

from netdiag.dns.records import Record
from netdiag.dns.resolver.glibc import glibc_search
from netdiag.dns.resolver.golang import go_search
from netdiag.dns.resolver.musl import musl_search
from netdiag.dns.resolver.profiles import ProfileConfig, config_for
from netdiag.dns.resolver.resolvconf import ResolvConf
from netdiag.dns.resolver.search import (
    FAMILIES,
    RESOLVERS,
    Algorithm,
    LookupResult,
    Resolution,
    ip_literal,
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
    if rtype is None:
        address = ip_literal(name)
        if address is not None:
            return Resolution(algorithm=_numeric(resolver, address, family), config=config)
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


#: The error for a literal of the other family: glibc ``gaih_inet`` returns
#: ``-EAI_ADDRFAMILY``, musl ``__lookup_ipliteral`` ``EAI_NONAME``, Go's
#: ``filterAddrList`` an ``AddrError`` "no suitable address found".
_FAMILY_ERRORS = {
    "glibc": "EAI_ADDRFAMILY",
    "musl": "EAI_NONAME",
    "go": "no suitable address found",
}


def _numeric(resolver: str, address: str, family: str) -> Algorithm:
    """A numeric host: no query; the address itself, if the family allows it."""
    v6 = ":" in address
    if (family == "inet" and v6) or (family == "inet6" and not v6):
        return LookupResult(
            resolved=False,
            error=_FAMILY_ERRORS[resolver],
            notes=(f"{address} is an IP address of the other family: no query is sent",),
        )
    record = Record(name=address, type="AAAA" if v6 else "A", ttl=0, data=address)
    return LookupResult(
        resolved=True,
        winner=address,
        records=(record,),
        notes=(f"{address} is an IP address: getaddrinfo returns it without a query",),
    )
    yield ()  # a generator that finishes at once: no batch is sent
