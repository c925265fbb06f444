"""Differential test against IBM/np-guard network-config-analyzer (NCA 2.1.0) on generated clusters.

NCA runs as ``nca --connectivity --resource_list DIR -o txt_no_fw_rules
--output_endpoints pods`` (docs/peers.md §3); its pod-to-pod lines
are compared with netdiag's pod matrix, pair by pair, as port sets.

NCA's known divergences from the spec are excluded *by rule*, never by case:

1. NCA's ipBlocks never match pod IPs (its IP space is outside the cluster);
   the spec matches addresses, pods included (trap 4). Rule: a pair is skipped
   when an ipBlock of a policy selecting the source (egress) or the destination
   (ingress) holds the other pod's IP.
2. NCA isolates egress for ``egress: []`` without policyTypes; the spec does not
   (trap 1). Rule: a pair is skipped when its source is selected by a policy
   with no policyTypes and no egress rules whose manifest wrote ``egress: []``
   (the generator never writes it, so this rule is documented, not exercised).
3. NCA keeps at most two pods per (namespace, owner, labels): the generator
   writes bare Pods without ownerReferences, so nothing is collapsed.
4. Pods NCA invents ("livesim" kube-dns, ingress controller) are ignored: only
   pods of the snapshot are compared.

NCA needs its own virtualenv (``pip install network-config-analyzer==2.1.0``);
point ``NETDIAG_NCA`` at its ``nca`` or put it on PATH.
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
from pathlib import Path

import pytest

from benchmarks.gencluster import generate, write_manifests
from netdiag.cluster.meta import Protocol
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.matrix import Matrix
from netdiag.policy.ports import ALL, EMPTY, PortSet
from netdiag.policy.verdict import Direction, Verdict
from netdiag.sources.manifests import load_manifests
from tests.helpers import require_tool

CUBE = re.compile(r"\{protocols:([A-Z, ]+?)(?:,dst_ports:([0-9,\-]+))?\}")


def nca_ports(text: str) -> PortSet:
    """NCA connections: ``All connections``, ``All but {…}``, ``{protocols:…,dst_ports:…}``."""
    text = text.strip()
    if text == "All connections":
        return ALL
    if text.startswith("All but "):
        return ALL - nca_ports(text[len("All but ") :])
    out = EMPTY
    for protos, ports in CUBE.findall(text):
        for proto in (p.strip() for p in protos.split(",")):
            if not ports:
                out = out | PortSet.of(Protocol[proto])
                continue
            for part in ports.split(","):
                lo, _, hi = part.partition("-")
                out = out | PortSet.of(Protocol[proto], int(lo), int(hi or lo))
    assert out or text == "", f"unparsed NCA connection {text!r}"
    return out


def nca() -> str:
    path = os.environ.get("NETDIAG_NCA")
    return path if path and Path(path).exists() else require_tool("nca")


def excluded(ev: Evaluator, src_key: str, dst_key: str) -> bool:
    """Divergence 1: an ipBlock that the spec matches against a pod IP."""
    s = ev.snapshot.pod(*src_key.split("/", 1))
    d = ev.snapshot.pod(*dst_key.split("/", 1))
    assert s is not None and d is not None
    for subject, other, direction in ((s, d, Direction.EGRESS), (d, s, Direction.INGRESS)):
        for pol in ev.selecting(subject, direction):
            rules = pol.egress if direction is Direction.EGRESS else pol.ingress
            for rule in rules:
                for cp in rule.peers:
                    if cp.ip_block is not None and any(
                        cp.ip_block.contains_address(ipaddress.ip_address(ip)) for ip in other.ips
                    ):
                        return True
    return False


@pytest.mark.system
@pytest.mark.parametrize(("pods", "seed"), [(50, 1), (50, 2), (120, 3), (200, 4)])
def test_pod_pairs_agree_with_nca(tmp_path: Path, pods: int, seed: int) -> None:
    exe = nca()
    write_manifests(generate(pods=pods, seed=seed), tmp_path / "c")
    out = tmp_path / "nca.txt"
    subprocess.run(
        [
            exe,
            "--connectivity",
            "--resource_list",
            str(tmp_path / "c"),
            "-o",
            "txt_no_fw_rules",
            "--output_endpoints",
            "pods",
            "-f",
            str(out),
        ],
        check=False,
        capture_output=True,
        timeout=600,
    )
    snap = load_manifests([str(tmp_path / "c")])
    keys = {p.key for p in snap.pods}
    theirs: dict[tuple[str, str], PortSet] = {}
    for line in out.read_text().splitlines():
        pair, _, conn = line.partition(" : ")
        src, _, dst = pair.partition(" => ")
        if src in keys and dst in keys:
            theirs[(src, dst)] = nca_ports(conn)
    assert theirs, "NCA printed no pod pairs"
    m = Matrix(snap, policy_cidrs=False)
    ev = m.evaluator
    compared = 0
    for i, r in enumerate(m.rows):
        for j, c in enumerate(m.cols):
            if i == j or excluded(ev, r.id, c.id):
                continue
            cell = m.cell(i, j)
            ours = cell.ports if cell.verdict is Verdict.ALLOWED else EMPTY
            assert ours == theirs.get((r.id, c.id), EMPTY), (r.id, c.id, str(ours))
            compared += 1
    assert compared > pods * (pods - 1) // 2


def test_nca_connection_strings_parse() -> None:
    assert nca_ports("All connections") == ALL
    assert nca_ports("{protocols:TCP, UDP,dst_ports:53}") == PortSet.of(
        Protocol.TCP, 53
    ) | PortSet.of(Protocol.UDP, 53)
    assert nca_ports("{protocols:TCP,dst_ports:8080,50051}") == PortSet.of(
        Protocol.TCP, 8080
    ) | PortSet.of(Protocol.TCP, 50051)
    assert nca_ports("All but {protocols:SCTP}") == ALL - PortSet.of(Protocol.SCTP)
