"""Throughput of the cluster zone, the wire responder and ``netdiag dns serve``.

Standalone: ``PYTHONPATH=. python benchmarks/bench_dns_serve.py [--seconds 10]``.
Prints numbers; results are recorded by hand in benchmarks/results/dns_serve.md.

1. ClusterZone.query per second in-process (memoised, as the tracer calls it)
   and the first-time cost (memo bypassed).
2. Responder.handle packets per second in-process (cached wire answers, and
   with the cache off = the dnspython render path).
3. dnsperf against a real ``netdiag dns serve`` process on 127.0.0.1 (UDP,
   closed loop, ``-q`` outstanding queries), demo cluster; the query mix is
   half answers, half search-path misses (docs/dns-ecosystem.md §6.1).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: CoreDNS 1 replica, 2 vCPU, internal names (coredns/deployment Scaling_CoreDNS.md).
COREDNS_QPS = 33_669


def query_mix() -> list[tuple[str, str]]:
    """Demo names a pod in ``default`` would send: hits, search misses, externals."""
    hits = [
        ("tke-six-six-six.default.svc.cluster.local.", "A"),
        ("tke-six-six-six.kube-system.svc.cluster.local.", "A"),
        ("kube-dns.kube-system.svc.cluster.local.", "A"),
        ("kube-dns.kube-system.svc.cluster.local.", "SRV"),
        ("baidu.com.", "A"),
        ("baidu.com.", "AAAA"),
        ("www.baidu.com.", "A"),
        ("dns-version.cluster.local.", "TXT"),
    ]
    misses = []
    for base in ("baidu.com", "github.com", "example.com", "registry.k8s.io"):
        for suffix in ("default.svc.cluster.local", "svc.cluster.local", "cluster.local"):
            misses.append((f"{base}.{suffix}.", "A"))
    mix = hits * (len(misses) // len(hits) + 1)
    return mix[: len(misses)] + misses


def bench_zone(seconds: float) -> tuple[float, float]:
    from netdiag.dns.zone.cluster import ClusterZone
    from netdiag.sources.demo import demo_upstream, load_demo

    zone = ClusterZone(load_demo(), demo_upstream())
    mix = query_mix()
    memo = _rate(lambda: [zone.query(n, t) for n, t in mix], len(mix), seconds)
    resolve = zone._resolve  # noqa: SLF001 - first-time cost, memo bypassed
    cold = _rate(lambda: [resolve(n, t, ()) for n, t in mix], len(mix), seconds)
    return memo, cold


def bench_responder(seconds: float) -> tuple[float, float]:
    import dns.message

    from netdiag.dns.server.wire import Responder
    from netdiag.dns.zone.cluster import ClusterZone
    from netdiag.sources.demo import demo_upstream, load_demo

    zone = ClusterZone(load_demo(), demo_upstream())
    packets = [dns.message.make_query(n, t).to_wire() for n, t in query_mix()]
    cached = Responder(zone)
    fast = _rate(lambda: [cached.handle(p, 512) for p in packets], len(packets), seconds)
    uncached = Responder(zone, cache=False)
    slow = _rate(lambda: [uncached.handle(p, 512) for p in packets], len(packets), seconds)
    return fast, slow


def _rate(batch: object, size: int, seconds: float) -> float:
    assert callable(batch)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        batch()
        done += size
    return done / (time.perf_counter() - start)


def bench_dnsperf(seconds: int, outstanding: int, query_log: bool) -> dict[str, str]:
    dnsperf = shutil.which("dnsperf")
    if dnsperf is None:
        return {"error": "dnsperf not installed (apt-get install dnsperf)"}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    serve = [sys.executable, "-m", "netdiag", "dns", "serve", "--listen", f"127.0.0.1:{port}"]
    log = Path(tempfile.gettempdir()) / f"bench-dns-serve-{os.getpid()}.jsonl"
    if query_log:
        serve += ["--query-log", str(log)]
    server = subprocess.Popen(
        serve,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stderr is not None
        while "listening on" not in server.stderr.readline():
            pass
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as data:
            data.writelines(f"{n} {t}\n" for n, t in query_mix())
        cmd = [dnsperf, "-s", "127.0.0.1", "-p", str(port), "-d", data.name]
        cmd += ["-l", str(seconds), "-c", "1", "-T", "1", "-q", str(outstanding)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
        Path(data.name).unlink(missing_ok=True)
        log.unlink(missing_ok=True)
    fields = {
        "qps": r"Queries per second:\s+([\d.]+)",
        "sent": r"Queries sent:\s+(\d+)",
        "completed": r"Queries completed:\s+(\d+)",
        "lost": r"Queries lost:\s+(\d+)",
        "avg_latency_s": r"Average Latency \(s\):\s+([\d.]+)",
    }
    result = {k: (m.group(1) if (m := re.search(p, out)) else "?") for k, p in fields.items()}
    result["command"] = " ".join(cmd[:1] + ["-s", "127.0.0.1", "-p", "PORT"] + cmd[5:])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--outstanding", type=int, default=100)
    parser.add_argument("--query-log", action="store_true", help="serve with --query-log")
    args = parser.parse_args()
    memo, cold = bench_zone(min(args.seconds, 3))
    print(f"zone.query (memoised):        {memo:12,.0f} queries/s")
    print(f"zone first-time (no memo):    {cold:12,.0f} queries/s")
    fast, slow = bench_responder(min(args.seconds, 3))
    print(f"responder, cached wire:       {fast:12,.0f} packets/s")
    print(f"responder, dnspython render:  {slow:12,.0f} packets/s")
    perf = bench_dnsperf(args.seconds, args.outstanding, args.query_log)
    if "error" in perf:
        print(perf["error"])
        return
    qps = float(perf["qps"]) if perf["qps"] != "?" else 0.0
    print(f"dnsperf: {perf['command']}")
    print(
        f"dns serve over UDP:           {qps:12,.0f} qps, sent {perf['sent']}, "
        f"lost {perf['lost']}, avg latency {perf['avg_latency_s']} s"
    )
    print(f"ratio to CoreDNS ({COREDNS_QPS:,} qps on 2 vCPU): {qps / COREDNS_QPS:.2f}")


if __name__ == "__main__":
    main()
