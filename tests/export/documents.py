"""Reachability documents for the export tests, built by hand (and one hostile)."""

from __future__ import annotations

from typing import Any

SCHEMA = "netdiag/reachability/v1"


def node(node_id: str, kind: str = "pod", labels: dict[str, str] | None = None) -> dict[str, Any]:
    if kind == "cidr":
        return {"id": node_id, "kind": kind, "namespace": None, "name": node_id, "labels": {}}
    if kind == "namespace":
        return {"id": node_id, "kind": kind, "namespace": node_id, "name": node_id, "labels": {}}
    namespace, _, name = node_id.partition("/")
    return {
        "id": node_id,
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "labels": labels or {},
    }


def edge(source: str, target: str, *ports: str) -> dict[str, Any]:
    """``edge("a", "b", "TCP/80", "UDP", "TCP/8000-8080")``."""
    out = []
    for spec in ports:
        protocol, _, port = spec.partition("/")
        entry: dict[str, Any] = {"protocol": protocol}
        if port:
            first, _, last = port.partition("-")
            entry["port"] = int(first)
            if last:
                entry["end_port"] = int(last)
        out.append(entry)
    return {"from": source, "to": target, "ports": out}


def simple() -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "granularity": "pod",
        "nodes": [
            node("default/web", labels={"app": "web"}),
            node("default/api", labels={"app": "api", "tier": "backend"}),
            node("kube-system/coredns", labels={"k8s-app": "kube-dns"}),
            node("0.0.0.0/0", "cidr"),
        ],
        "edges": [
            edge("default/web", "default/api", "TCP/80", "TCP/443"),
            edge("default/web", "kube-system/coredns", "UDP/53", "TCP/53"),
            edge("default/api", "0.0.0.0/0", "TCP", "UDP", "SCTP"),
            edge("default/web", "default/api", "TCP/8000-8080"),  # parallel: merged
            # docs/architecture.md trap 8: a hostNetwork pod's verdict depends on the CNI.
            {**edge("kube-system/coredns", "0.0.0.0/0", "UDP/53"), "implementation_defined": True},
        ],
    }


#: Text users' clusters can hold (or a hand-written document can): quotes,
#: braces, Mermaid and DOT syntax, HTML, backslashes, line breaks, Unicode.
HOSTILE_TEXT = (
    'quote"d',
    "brace{}[]()",
    "arrow-->x",
    "<script>alert(1)</script>",
    "line\nbreak",
    "back\\slash\\",
    "pipe|semi;colon:",
    "end",
    "%%{init: {}}%%",
    "&amp; #quot; &lt;",
    "ünïcødé 名前 🚀",
    "tab\there",
    "subgraph",
    "`tick` *star* _under_",
)


def hostile() -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    for i, text in enumerate(HOSTILE_TEXT):
        namespace = f"ns-{text}" if i % 2 else text
        nodes.append(
            {
                "id": f"{namespace}/{text}",
                "kind": "pod" if i % 3 else "workload",
                "namespace": namespace,
                "name": text,
                "labels": {f"key{text}": text, "app": f'v"{i}'},
            }
        )
    nodes.append(node("10.0.0.0/8", "cidr"))
    nodes.append(node("2001:db8::/32", "cidr"))
    ids = [n["id"] for n in nodes]
    edges = [
        edge(ids[i], ids[(i * 5 + 3) % len(ids)], "TCP/80", f"UDP/{1000 + i}")
        for i in range(len(ids))
    ]
    edges.append(edge(ids[0], ids[1], "SCTP"))
    return {"schema": SCHEMA, "nodes": nodes, "edges": edges}


def big(pods_per_ns: int, namespaces: int, fanout: int) -> dict[str, Any]:
    """A deterministic pod-level document with ``namespaces * pods_per_ns * fanout`` edges."""
    ids = [f"ns{n}/pod{p}" for n in range(namespaces) for p in range(pods_per_ns)]
    edges = [
        edge(ids[i], ids[(i * 7 + k * 13 + 1) % len(ids)], "TCP/80", f"TCP/{8000 + k}")
        for i in range(len(ids))
        for k in range(fanout)
    ]
    edges = [e for e in edges if e["from"] != e["to"]]
    return {"schema": SCHEMA, "nodes": [node(i) for i in ids], "edges": edges}
