"""``ctrl+s`` saves what the screen shows, in the formats of the CLI command behind it.

- resolve: the trace, as ``netdiag resolve -o text`` / ``-o json`` / ``--pcap`` write it;
- matrix: the graph formats of ``netdiag export`` (``engine.export``);
- policies: the listed policies (scope and filter applied) as YAML manifests;
- every screen: an SVG screenshot.

Each choice names its file extension, so every default file name is distinct
(``netdiag-matrix.svg`` the graph, ``netdiag-matrix-screen.svg`` the screenshot).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netdiag.app.session import Session
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.dns.resolver.trace import Trace
    from netdiag_tui.describe import PolicyView

SCREENSHOT = "screenshot (svg)"
TRACE_FORMATS = ("trace text", "trace json", "trace pcap")
POLICIES_YAML = "policies yaml"


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of the save dialog: what to write, and its file extension."""

    format: str
    extension: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceRequest:
    """The resolve screen's question, to ask the session again for the raw trace."""

    name: str
    namespace: str
    pod: str | None
    resolver: str
    family: str


def choices(mode: str, graph_formats: tuple[str, ...]) -> tuple[Choice, ...]:
    """What ``ctrl+s`` offers on ``mode``'s screen (the screenshot last)."""
    own: tuple[Choice, ...] = ()
    if mode == "resolve":
        own = (
            Choice("trace text", "txt"),
            Choice("trace json", "json"),
            Choice("trace pcap", "pcap"),
        )
    elif mode == "matrix":
        own = tuple(Choice(f, f) for f in graph_formats)
    elif mode == "policies":
        own = (Choice(POLICIES_YAML, "yaml"),)
    return (*own, Choice(SCREENSHOT, "svg"))


def default_stem(mode: str, choice: Choice, trace_name: str = "") -> str:
    if choice.format == SCREENSHOT:
        return f"netdiag-{mode}-screen"
    if mode == "resolve" and trace_name:
        safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in trace_name)
        return f"netdiag-trace-{safe.strip('.')[:60] or 'name'}"
    return f"netdiag-{mode}"


def _trace(session: Session, request: TraceRequest) -> Trace:
    return session.trace(
        request.name,
        namespace=None if request.pod else request.namespace,
        pod=f"{request.namespace}/{request.pod}" if request.pod else None,
        resolver=request.resolver,
        family=request.family,
    )


def _pcap_client(snapshot: ClusterSnapshot, pod: str | None, v6: bool) -> str:
    """The pod's own address when it has a real one, else the capture writer's default
    (the same choice as ``netdiag resolve --pcap``)."""
    from netdiag.dns.capture.pcapwrite import DEFAULT_CLIENT, DEFAULT_CLIENT6

    if pod is not None:
        ns, _, name = pod.partition("/")
        for p in snapshot.pods:
            if p.namespace == ns and p.name == name and not p.synthetic_ip:
                for ip in p.ips:
                    if (":" in ip) == v6:
                        return ip
    return DEFAULT_CLIENT6 if v6 else DEFAULT_CLIENT


def write_trace(session: Session, request: TraceRequest, fmt: str, path: Path) -> str:
    """Write the trace of ``request`` as ``fmt`` (blocking: call from a worker)."""
    import json

    from netdiag.dns.resolver.report import render_text, to_json

    trace = _trace(session, request)
    if fmt == "trace json":
        path.write_text(json.dumps(to_json(trace), indent=2, sort_keys=True) + "\n")
        return f"saved the trace of {request.name} to {path}"
    if fmt == "trace text":
        path.write_text(render_text(trace))
        return f"saved the trace of {request.name} to {path}"
    from netdiag.dns.capture.pcapwrite import nameserver_host, write_queries

    v6 = any(":" in nameserver_host(q.nameserver) for q in trace.queries[:1])
    pod = f"{request.namespace}/{request.pod}" if request.pod else None
    count = write_queries(
        str(path),
        trace.queries,
        client=_pcap_client(session.snapshot, pod, v6),
        resolver=trace.resolver,
        timeout=float(trace.resolv_conf.timeout),
    )
    return f"saved {count} packets of the trace of {request.name} to {path}"


def write_policies(views: tuple[PolicyView, ...], path: Path) -> str:
    """The listed policies as one multi-document YAML file (``kubectl apply -f`` ready)."""
    from netdiag_tui.engine import policy_yaml

    path.write_text("---\n".join(policy_yaml(v) for v in views))
    return f"saved {len(views)} policies to {path}"
