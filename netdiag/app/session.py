"""A loaded source and every question a front door asks of it.

A :class:`Session` holds one snapshot and what is derived from it once (the
cluster zone, the policy evaluator). Every front door validates names through
it (an unknown namespace or pod is one error with a did-you-mean, in every
command) and asks it for traces, matrices, verdicts and findings, so the CLI,
the TUI, exports and audit cannot drift apart. Thread-safe: the TUI asks from
worker threads.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from netdiag.app.source import Source, load_snapshot
from netdiag.errors import InputError, UsageError

if TYPE_CHECKING:
    from netdiag.audit.findings import Finding
    from netdiag.cluster.model import ClusterSnapshot, Pod
    from netdiag.dns.resolver.resolvconf import ResolvConf
    from netdiag.dns.resolver.trace import Trace
    from netdiag.dns.zone.cluster import ClusterZone
    from netdiag.policy.evaluate import Evaluator
    from netdiag.policy.matrix import Matrix
    from netdiag.policy.ports import PortSet
    from netdiag.policy.verdict import ConnectionVerdict


def parse_ports(values: Iterable[str], *, flag: str = "--port") -> PortSet | None:
    """The union of ``--port`` values (``80``, ``53/UDP``, ``8000-8080/TCP``, ``SCTP``);
    ``None`` when none was given (every port)."""
    from netdiag.policy.ports import parse_port_spec

    query: PortSet | None = None
    for text in values:
        try:
            one = parse_port_spec(text)
        except ValueError as e:
            raise UsageError(f"{flag}: {e}", hint="e.g. --port 80/TCP --port 53/UDP") from None
        query = one if query is None else query | one
    return query


def check_externals(externals: Sequence[str]) -> None:
    from netdiag.policy.compile import parse_network

    for text in externals:
        try:
            parse_network(text.strip())
        except ValueError:
            raise UsageError(
                f"--external {text!r}: not an IP address or CIDR",
                hint="e.g. --external 10.0.0.0/8 --external 8.8.8.8",
            ) from None


def did_you_mean(word: str, known: Iterable[str], *, listing: str) -> str:
    """A hint naming the closest known values, else listing them all."""
    known = sorted(set(known))
    close = difflib.get_close_matches(word, known, n=3, cutoff=0.5)
    if close:
        return "did you mean " + ", ".join(close) + "?"
    return f"{listing}: " + (", ".join(known) if known else "none")


class Session:
    """One snapshot (and the source it came from) being questioned."""

    def __init__(self, source: Source, snapshot: ClusterSnapshot) -> None:
        self.source = source
        self.snapshot = snapshot
        self._lock = threading.Lock()
        self._zone: ClusterZone | None = None
        self._evaluator: Evaluator | None = None

    @classmethod
    def open(
        cls,
        source: Source,
        *,
        note: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        quiet_progress: bool = False,
    ) -> Session:
        """Load ``source`` (blocking) and start questioning it."""
        return cls(
            source, load_snapshot(source, note=note, warn=warn, quiet_progress=quiet_progress)
        )

    def with_snapshot(self, snapshot: ClusterSnapshot) -> Session:
        """The same source, a newer snapshot (a live reload)."""
        return Session(self.source, snapshot)

    # -- names ------------------------------------------------------------------
    def namespaces(self) -> tuple[str, ...]:
        """Declared namespaces and those any pod or Service lives in."""
        snap = self.snapshot
        names = {ns.name for ns in snap.namespaces}
        names.update(p.namespace for p in snap.pods)
        names.update(s.namespace for s in snap.services)
        return tuple(sorted(names))

    def check_namespace(self, namespace: str, *, flag: str = "-n") -> None:
        """Raise a usage error with a did-you-mean when ``namespace`` is not in the snapshot."""
        known = self.namespaces()
        if namespace not in known:
            raise UsageError(
                f"{flag} {namespace!r}: no such namespace in the snapshot",
                hint=did_you_mean(namespace, known, listing="namespaces"),
            )

    def pod(self, text: str, *, flag: str = "--pod") -> Pod:
        """The pod ``NAMESPACE/NAME`` names, or an input error with a did-you-mean."""
        ns, sep, name = text.partition("/")
        if not sep or not ns or not name:
            raise InputError(f"{flag} {text!r}: expected NAMESPACE/POD")
        found = self.snapshot.pod(ns, name)
        if found is None:
            raise InputError(
                f"{flag} {text!r}: no such pod in the snapshot",
                hint=did_you_mean(text, (p.key for p in self.snapshot.pods), listing="pods"),
            )
        return found

    # -- DNS --------------------------------------------------------------------
    def zone(self) -> ClusterZone:
        """The cluster zone with the source's upstream (built once)."""
        with self._lock:
            if self._zone is None:
                from netdiag.app.upstream import build_zone

                self._zone = build_zone(self.snapshot, self.source)
            return self._zone

    def trace(
        self,
        name: str,
        *,
        namespace: str | None = None,
        pod: str | None = None,
        resolver: str = "glibc",
        family: str = "unspec",
        rtype: str | None = None,
        resolv_conf: ResolvConf | None = None,
        live: bool = False,
        nameservers: tuple[str, ...] = (),
    ) -> Trace:
        """How ``name`` is resolved from ``pod`` (or a ClusterFirst pod of ``namespace``).

        ``live`` (or ``nameservers``) sends real queries instead of asking the model.
        """
        from netdiag.dns.resolver.search import FAMILIES, RESOLVERS, validate_name
        from netdiag.dns.resolver.trace import trace_name

        _choice(resolver, RESOLVERS, "--resolver")
        _choice(family, FAMILIES, "--family")
        if pod is not None and namespace is not None:
            raise UsageError("--pod and --namespace are exclusive")
        validate_name(name)
        target = self.pod(pod) if pod is not None else None
        if namespace is not None:
            self.check_namespace(namespace)
        if live or nameservers:
            from netdiag.dns.resolver.live import parse_nameserver, send_batch

            for ns in nameservers:
                parse_nameserver(ns)
            return trace_name(
                self.snapshot,
                name,
                namespace=namespace,
                pod=target,
                resolver=resolver,
                family=family,
                rtype=rtype,
                resolv_conf=resolv_conf,
                send=send_batch,
                nameservers=nameservers or None,
            )
        return trace_name(
            self.snapshot,
            name,
            namespace=namespace,
            pod=target,
            resolver=resolver,
            family=family,
            rtype=rtype,
            resolv_conf=resolv_conf,
            zone=self.zone(),
        )

    # -- policy -----------------------------------------------------------------
    def evaluator(self) -> Evaluator:
        """The compiled policies of the snapshot (built once)."""
        with self._lock:
            if self._evaluator is None:
                from netdiag.policy.evaluate import Evaluator

                self._evaluator = Evaluator(self.snapshot)
            return self._evaluator

    def matrix(
        self,
        *,
        granularity: str = "pod",
        namespace: str | None = None,
        ports: Sequence[str] = (),
        externals: Sequence[str] = (),
    ) -> Matrix:
        """Who can open a connection to whom (flags as ``netdiag matrix`` takes them)."""
        from netdiag.policy.matrix import GRANULARITIES, Matrix

        _choice(granularity, GRANULARITIES, "--granularity")
        query = parse_ports(ports)
        check_externals(externals)
        if namespace is not None:
            self.check_namespace(namespace)
            if not any(p.namespace == namespace for p in self.snapshot.pods):
                raise UsageError(
                    f"-n: no pods in namespace {namespace!r}",
                    hint="namespaces with pods: "
                    + ", ".join(sorted({p.namespace for p in self.snapshot.pods})),
                )
        return Matrix(
            self.snapshot,
            granularity=granularity,
            namespaces=(namespace,) if namespace else (),
            externals=tuple(externals),
            ports=query,
        )

    def reachability(
        self,
        *,
        granularity: str = "pod",
        namespace: str | None = None,
        ports: Sequence[str] = (),
        externals: Sequence[str] = (),
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The ``netdiag/reachability/v1`` document of :meth:`matrix`, and its notes."""
        from netdiag.policy.matrix import reachability_document

        m = self.matrix(
            granularity=granularity, namespace=namespace, ports=ports, externals=externals
        )
        return reachability_document(m), tuple(m.notes)

    def reach(self, src: str, dst: str, *, ports: Sequence[str] = ()) -> ConnectionVerdict:
        """Can ``src`` open a connection to ``dst`` (ns/pod, ns/service, IP, CIDR)?"""
        from netdiag.cluster.model import Service
        from netdiag.policy.endpoints import resolve_endpoint

        query = parse_ports(ports)
        s = resolve_endpoint(self.snapshot, src)
        d = resolve_endpoint(self.snapshot, dst)
        if not any(isinstance(e, Service) or e.pod is not None for e in (s, d)):
            # The matrix leaves external→external cells empty ('-'): no policy of
            # the cluster sees that traffic. Say so rather than answer "allowed".
            raise UsageError(
                f"{src} → {dst}: neither end is a pod or Service of the cluster",
                hint="NetworkPolicies judge traffic to or from pods; name a pod or Service",
            )
        return self.evaluator().connection(s, d, query)

    # -- audit ------------------------------------------------------------------
    def audit(self, *, namespace: str | None = None) -> tuple[Finding, ...]:
        """Every finding in ``namespace`` (all namespaces when ``None``)."""
        from netdiag.audit.run import run_audit

        if namespace is not None:
            self.check_namespace(namespace)
        return run_audit(
            self.snapshot, namespaces=[namespace] if namespace else [], zone=self.zone()
        )


def _choice(value: str, allowed: tuple[str, ...], flag: str) -> str:
    if value not in allowed:
        raise UsageError(f"{flag} {value!r}: expected one of {', '.join(allowed)}")
    return value
