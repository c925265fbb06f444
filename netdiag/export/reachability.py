"""Ask the policy engine for the ``netdiag/reachability/v1`` document to draw.

The one place ``netdiag export`` meets :mod:`netdiag.policy`: it maps the
export flags onto :class:`~netdiag.policy.matrix.Matrix` and returns the
engine's own document, unchanged, with the engine's notes (CNI enforcement).
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from netdiag.errors import UsageError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.dns.upstream import UpstreamZone
    from netdiag.policy.ports import PortSet


def port_query(ports: Sequence[str]) -> PortSet | None:
    """The union of ``--port`` values (``80``, ``53/UDP``, ``8000-8080/TCP``, ``SCTP``)."""
    from netdiag.policy.ports import parse_port_spec

    query: PortSet | None = None
    for text in ports:
        try:
            one = parse_port_spec(text)
        except ValueError as e:
            raise UsageError(f"--port: {e}", hint="e.g. --port 80, --port 53/UDP") from e
        query = one if query is None else query.union(one)
    return query


def reachability_for(
    snapshot: ClusterSnapshot,
    *,
    granularity: str,
    ports: Sequence[str] = (),
    namespace: str | None = None,
    externals: Sequence[str] = (),
    upstream: UpstreamZone | None = None,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The reachability document of ``snapshot`` at ``granularity``, and notes
    (``upstream``: the zone ClusterNetworkPolicy ``domainNames`` resolve through)."""
    from netdiag.policy.matrix import Matrix, reachability_document

    check_externals(externals)
    if namespace is not None:
        check_namespace(snapshot, namespace)
    matrix = Matrix(
        snapshot,
        granularity=granularity,
        namespaces=(namespace,) if namespace else (),
        externals=tuple(externals),
        ports=port_query(ports),
        upstream=upstream,
    )
    return reachability_document(matrix), tuple(matrix.notes)


def check_externals(externals: Sequence[str]) -> None:
    for text in externals:
        try:
            ipaddress.ip_network(text.strip(), strict=False)
        except ValueError as e:
            raise UsageError(
                f"--external {text!r}: not an IP address or CIDR",
                hint="e.g. --external 10.0.0.0/8 --external 8.8.8.8",
            ) from e


def check_namespace(snapshot: ClusterSnapshot, namespace: str) -> None:
    known = sorted({ns.name for ns in snapshot.namespaces} | {p.namespace for p in snapshot.pods})
    if namespace not in known:
        close = difflib.get_close_matches(namespace, known, n=3)
        raise UsageError(
            f"-n {namespace!r}: no such namespace in the snapshot",
            hint=("did you mean " + ", ".join(close) + "?")
            if close
            else "namespaces: " + ", ".join(known),
        )
