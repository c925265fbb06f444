"""``netdiag replay`` throughput: 1M observed connections from a capture and from Hubble JSON.

The cluster is ``benchmarks/gencluster.py`` (default 10,000 pods / 2,000
policies). The flows go from pods to pods (by pod IP) or Services (by ClusterIP,
judged after DNAT), each with its own source port so every one is a new
connection; they repeat ``--conversations`` (default 20,000) random (source pod,
destination, port) triples, as real traffic does, or with ``--conversations 0``
every flow is a random triple (the worst case: nearly every denied flow its own
group). Files: a classic pcap of TCP SYNs written with ``struct`` (scapy
would take longer to write than we take to read), and ``hubble observe -o json``
lines with the fields Hubble emits. Measured: read + decode + map + judge +
group, CPU seconds of this process (``time.process_time``; the machine is
shared). Target: >= 50,000 flows/s.

    PYTHONPATH=. python benchmarks/bench_replay.py [--flows 1000000] [--pods 10000]
                                                   [--policies 2000] [--format pcap hubble]
"""

from __future__ import annotations

import argparse
import json
import random
import struct
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _targets(snap: object) -> tuple[list[str], list[tuple[str, int]]]:
    pods = [p.ips[0] for p in snap.pods if p.ips and not p.synthetic_ip]  # type: ignore[attr-defined]
    svcs = [(s.cluster_ips[0], s.ports[0].port) for s in snap.services if s.cluster_ips]  # type: ignore[attr-defined]
    return pods, svcs


def _pairs(
    snap: object, n: int, conversations: int = 0, seed: int = 7
) -> list[tuple[str, str, int, int]]:
    """``n`` connections, each with its own source port: between random endpoints, or
    (``conversations`` > 0) drawn from that many (source pod, destination, port) triples."""
    rng = random.Random(seed)
    pods, svcs = _targets(snap)

    def triple(k: int) -> tuple[str, str, int]:
        src = pods[rng.randrange(len(pods))]
        if k % 2:
            dst, port = svcs[rng.randrange(len(svcs))]
        else:
            dst, port = pods[rng.randrange(len(pods))], rng.choice((8080, 9090, 5432, 53))
        return src, dst, port

    pool = [triple(k) for k in range(conversations)]
    out = []
    for k in range(n):
        src, dst, port = pool[rng.randrange(len(pool))] if pool else triple(k)
        out.append((src, dst, port, 1024 + k % 60000 + (k // 60000) % 3))
    return out


def write_pcap(path: Path, pairs: list[tuple[str, str, int, int]]) -> None:
    import socket

    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for k, (src, dst, port, sport) in enumerate(pairs):
            ip = struct.pack(
                "!BBHHHBBH4s4s",
                0x45,
                0,
                40,
                k & 0xFFFF,
                0,
                64,
                6,
                0,
                socket.inet_aton(src),
                socket.inet_aton(dst),
            )
            tcp = struct.pack("!HHIIBBHHH", sport, port, k, 0, 5 << 4, 0x02, 64240, 0, 0)
            frame = eth + ip + tcp
            fh.write(
                struct.pack("<IIII", 1_700_000_000 + k // 1000, k % 1000, len(frame), len(frame))
            )
            fh.write(frame)


def write_hubble(path: Path, pairs: list[tuple[str, str, int, int]]) -> None:
    with open(path, "w") as fh:
        for src, dst, port, sport in pairs:
            flow = {
                "time": "2024-05-01T10:00:00.123456789Z",
                "verdict": "FORWARDED",
                "ethernet": {"source": "0a:58:0a:f4:01:1e", "destination": "0a:58:0a:f4:01:01"},
                "IP": {"source": src, "destination": dst, "ipVersion": "IPv4"},
                "l4": {
                    "TCP": {"source_port": sport, "destination_port": port, "flags": {"SYN": True}}
                },
                "source": {
                    "ID": 1042,
                    "identity": 31337,
                    "namespace": "ns",
                    "labels": [],
                    "pod_name": "p",
                },
                "destination": {"identity": 2},
                "Type": "L3_L4",
                "node_name": "kind-worker",
                "is_reply": False,
                "traffic_direction": "EGRESS",
                "trace_observation_point": "TO_STACK",
                "Summary": "TCP Flags: SYN",
            }
            fh.write(json.dumps({"flow": flow, "node_name": "kind-worker", "time": flow["time"]}))
            fh.write("\n")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.gencluster import generate
    from netdiag.replay.judge import Judge, replay
    from netdiag.replay.read import ReadStats, read_flows

    ap = argparse.ArgumentParser()
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--policies", type=int, default=2_000)
    ap.add_argument("--format", nargs="+", default=["pcap", "hubble"])
    ap.add_argument(
        "--conversations",
        type=int,
        default=20_000,
        help="distinct (pod, destination, port) triples the flows repeat; 0: all random",
    )
    args = ap.parse_args()
    snap = generate(pods=args.pods, policies=args.policies, namespaces=max(2, args.pods // 40))
    pairs = _pairs(snap, args.flows, args.conversations)
    tmp = Path(tempfile.mkdtemp(prefix="replay-"))
    for fmt in args.format:
        path = tmp / ("flows.pcap" if fmt == "pcap" else "flows.json")
        (write_pcap if fmt == "pcap" else write_hubble)(path, pairs)
        c0 = time.process_time()
        judge = Judge(snap)
        c1 = time.process_time()
        stats = ReadStats()
        result = replay(judge, read_flows(str(path), stats))
        c2 = time.process_time()
        print(
            json.dumps(
                {
                    "format": fmt,
                    "conversations": args.conversations or "random",
                    "file_mb": round(path.stat().st_size / 1e6, 1),
                    "flows": result.connections,
                    "denied": result.denied_flows,
                    "allowed": result.allowed,
                    "groups": len(result.groups),
                    "judge_setup_cpu_s": round(c1 - c0, 3),
                    "replay_cpu_s": round(c2 - c1, 3),
                    "flows_per_s": round(result.connections / (c2 - c1)),
                }
            )
        )
        path.unlink()


if __name__ == "__main__":
    main()
