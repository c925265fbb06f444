"""``netdiag snapshot``: what was loaded, as a summary or as manifests again."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import click

from netdiag.cli.options import open_session, snapshot_options

if TYPE_CHECKING:  # the model is imported when the command runs, not for --help
    from netdiag.cluster.model import ClusterSnapshot


@click.command()
@snapshot_options
@click.option(
    "-o",
    "--output",
    type=click.Choice(["table", "yaml", "json"]),
    default="table",
    show_default=True,
    help="Summary table, or the normalised snapshot as a Kubernetes List.",
)
def snapshot(output: str, **kwargs: Any) -> None:
    """Show what was loaded: counts per kind, namespaces, CNI, cluster DNS.

    With -o yaml|json, write the normalised snapshot back out as a Kubernetes
    List; loading that output again gives the same snapshot (an offline backup of
    a cluster's network-relevant objects). Pods and IPs netdiag invented carry the
    annotations netdiag.io/synthetic and netdiag.io/synthetic-ip; reads the API
    server refused are kept in the List's netdiag.io/incomplete annotation.
    """
    snap = open_session(kwargs).snapshot
    if output == "table":
        click.echo(render_summary(snap), nl=False)
        return
    from netdiag.cluster.serialize import dump_json, dump_yaml

    click.echo(dump_yaml(snap) if output == "yaml" else dump_json(snap), nl=False)


def _kind_rows(snap: ClusterSnapshot) -> list[tuple[str, int, str]]:
    synthetic = sum(p.synthetic for p in snap.pods)
    synthetic_ip = sum(p.synthetic_ip for p in snap.pods)
    derived = sum(s.derived for s in snap.endpoint_slices)
    undeclared = sum(not ns.declared for ns in snap.namespaces)
    rows = [
        ("Namespace", len(snap.namespaces), f"{undeclared} referenced only" if undeclared else ""),
        ("Node", len(snap.nodes), ""),
        ("Pod", len(snap.pods), _pod_note(synthetic, synthetic_ip)),
        ("Service", len(snap.services), ""),
        ("EndpointSlice", len(snap.endpoint_slices), f"{derived} derived" if derived else ""),
        ("NetworkPolicy", len(snap.network_policies), ""),
    ]
    workloads = Counter(w.kind for w in snap.workloads)
    rows += [(kind, n, "") for kind, n in sorted(workloads.items())]
    return rows


def _pod_note(synthetic: int, synthetic_ip: int) -> str:
    parts = []
    if synthetic:
        parts.append(f"{synthetic} expanded from workloads")
    if synthetic_ip:
        parts.append(f"{synthetic_ip} with synthetic IPs")
    return ", ".join(parts)


def _facts(snap: ClusterSnapshot) -> list[tuple[str, str]]:
    dns = snap.dns
    k8s = dns.kubernetes
    corefile = (
        "kube-system/coredns" if dns.corefile_present else "not found: kubeadm default assumed"
    )
    if snap.cni.plugins:
        enforces = {True: "enforces", False: "does NOT enforce", None: "unknown"}
        verdict = enforces[snap.cni.enforces_network_policy]
        cni = f"{', '.join(snap.cni.plugins)} ({verdict} NetworkPolicy)"
    else:
        cni = "not recognised"
    resolv = "; ".join(
        line.strip()
        for line in dns.node_resolv_conf.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", ";"))
    )
    return [
        ("source", snap.source),
        ("cluster domain", dns.cluster_domain),
        ("DNS service IPs", ", ".join(dns.dns_ips) or "none (no kube-system/kube-dns Service)"),
        ("Corefile", f"{corefile}; pods {k8s.pods}, ttl {k8s.ttl}"),
        ("NodeLocal DNSCache", dns.nodelocal_ip or "no"),
        ("node resolv.conf", resolv or "unknown (no kube-system/netdiag-node-resolv-conf)"),
        ("CNI", cni),
        ("namespaces", ", ".join(ns.name for ns in snap.namespaces) or "none"),
    ]


def render_summary(snap: ClusterSnapshot) -> str:
    """The default table: facts, then counts per kind, then skipped kinds and warnings."""
    lines: list[str] = []
    facts = _facts(snap)
    width = max(len(k) for k, _ in facts)
    lines += [f"{k.ljust(width)}  {v}" for k, v in facts]
    lines.append("")
    rows = _kind_rows(snap)
    kw = max(len("KIND"), *(len(k) for k, _, _ in rows))
    lines.append(f"{'KIND'.ljust(kw)}  {'COUNT':>5}  NOTE")
    lines += [f"{k.ljust(kw)}  {n:>5}  {note}".rstrip() for k, n, note in rows]
    if snap.skipped_kinds:
        skipped = ", ".join(f"{k} ({n})" for k, n in snap.skipped_kinds)
        lines += ["", f"skipped kinds: {skipped}"]
    if snap.incomplete:
        lines += ["", "incomplete: " + ", ".join(snap.incomplete)]
    if snap.warnings:
        lines += ["", f"warnings ({len(snap.warnings)}):"]
        lines += [f"  {w}" for w in snap.warnings]
    return "\n".join(lines) + "\n"
