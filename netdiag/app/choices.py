"""The closed sets of values the front doors offer, defined once."""

from __future__ import annotations

#: Stub resolvers whose algorithm ``resolve``/the TUI follow.
RESOLVERS = ("glibc", "musl", "go")
#: getaddrinfo families: ``unspec`` asks A and AAAA per candidate.
FAMILIES = ("unspec", "inet", "inet6")
#: Rows of a reachability matrix.
GRANULARITIES = ("pod", "workload", "namespace")
