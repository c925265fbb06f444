"""``netdiag resolve … --pcap FILE``: the simulated lookup as a capture file.

The queries of the trace become frames between the pod (its IP when ``--pod``
names a pod with a real IP, else a plausible pod address) and each query's
nameserver, with explicit MAC addresses (:mod:`netdiag.dns.capture.pcapwrite`), so the
file opens in Wireshark next to a real capture and reads back through
``netdiag dns capture -r``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from netdiag.errors import InputError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot
    from netdiag.dns.resolver.trace import Trace

pcap_option = click.option(
    "--pcap",
    "pcap",
    default=None,
    metavar="FILE",
    help="Also write the simulated queries and answers as a pcap (Wireshark, dns capture -r).",
)


def _client(snapshot: ClusterSnapshot, pod: str | None, v6: bool) -> str:
    from netdiag.dns.capture.pcapwrite import DEFAULT_CLIENT, DEFAULT_CLIENT6

    if pod and "/" in pod:
        ns, name = pod.split("/", 1)
        for p in snapshot.pods:
            if p.namespace == ns and p.name == name and not p.synthetic_ip:
                for ip in p.ips:
                    if (":" in ip) == v6:
                        return ip
    return DEFAULT_CLIENT6 if v6 else DEFAULT_CLIENT


def write_trace_pcap(path: str, trace: Trace, snapshot: ClusterSnapshot, params: Any) -> None:
    """Write ``trace`` to ``path``; a note on stderr says how many packets."""
    from netdiag.dns.capture.pcapwrite import nameserver_host, write_queries

    v6 = any(":" in nameserver_host(q.nameserver) for q in trace.queries[:1])
    try:
        count = write_queries(
            path,
            trace.queries,
            client=_client(snapshot, params.get("pod"), v6),
            resolver=trace.resolver,
            timeout=float(trace.resolv_conf.timeout),
        )
    except OSError as e:
        raise InputError(f"--pcap {path}: cannot write: {e.strerror or e}") from e
    click.echo(f"note: wrote {count} packets to {path}", err=True)
