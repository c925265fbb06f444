"""Capture benchmarks: offline pcap parsing and lossless live capture over veth.

    PYTHONPATH=. python benchmarks/bench_capture.py [--packets N] [--live-rates 250,500]

1. Offline: writes an N-packet pcap (default 1,000,000; glibc-style search
   chains, A/AAAA pairs, NXDOMAIN walks) and times ``read_dns`` alone and
   ``read_dns`` + chain building + the report. Target ≥ 50,000 packets/s.
2. Live (root only): two network namespaces joined by a veth pair
   (10.253.0.0/30, explicit MACs — nothing leaves them); a responder in one,
   a paced query sender in the other, ``netdiag dns capture -i`` on the client
   veth. Reports packets sent vs captured per rate. Target: no loss at ≥ 500
   packets/s. ``--write`` also saves the capture with ``-w`` (flushed per
   packet) and checks the file holds every captured packet.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netdiag.dns.capture.chains import ChainBuilder  # noqa: E402
from netdiag.dns.capture.pcap import Stats, read_dns  # noqa: E402
from netdiag.dns.capture.pcapwrite import _frame, _wire  # noqa: E402
from netdiag.dns.capture.pipeline import detect_all as _detect_all  # noqa: E402
from netdiag.dns.capture.report import build_report  # noqa: E402
from netdiag.dns.records import Rcode, Record  # noqa: E402

SEARCH = ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")


class _Q:
    def __init__(self, name: str, rtype: str, rcode: str, answers: tuple[Record, ...] = ()):
        self.name, self.type, self.rcode, self.answers = name, rtype, Rcode(rcode), answers
        self.nameserver, self.round, self.tcp = "10.96.0.10", 0, False


def _template() -> list[tuple[float, bytes]]:
    """One block of frames: 25 lookups (external walks and first-domain hits)."""
    frames: list[tuple[float, bytes]] = []
    t, qid = 0.0, 1
    for i in range(25):
        client = f"10.244.{i % 5}.{10 + i}"
        name = f"api{i}.example.com" if i % 2 else f"svc{i}"
        hit = f"{name}." if i % 2 else f"{name}.{SEARCH[0]}."
        for cand in [f"{name}.{s}." for s in SEARCH] + [f"{name}."]:
            ok = cand == hit
            for rtype in ("A", "AAAA"):
                ans = (
                    (Record(name=cand, type="A", ttl=5, data="10.1.2.3"),)
                    if ok and rtype == "A"
                    else ()
                )
                q = _Q(cand, rtype, "NOERROR" if ok else "NXDOMAIN", ans)
                wq, wr = _wire(q, qid)
                qid += 1
                frames.append((t, _frame(client, q.nameserver, 40000 + i, 53, wq, False)))
                assert wr is not None
                frames.append((t + 0.0005, _frame(q.nameserver, client, 53, 40000 + i, wr, False)))
                t += 0.0001
            t += 0.001
            if ok:
                break
        t += 0.01
    return frames


def write_big(path: Path, packets: int) -> None:
    block = _template()
    span = block[-1][0] + 0.05
    rec = struct.Struct("<IIII")
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        written, base = 0, 1_700_000_000.0
        while written < packets:
            out = []
            for ts, frame in block[: packets - written]:
                t = base + ts
                out.append(rec.pack(int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
            fh.write(b"".join(out))
            written += len(out)
            base += span


def offline(packets: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.pcap"
        t0 = time.perf_counter()
        write_big(path, packets)
        size = path.stat().st_size
        t1 = time.perf_counter()
        stats = Stats()
        n = sum(1 for _ in read_dns(str(path), stats=stats))
        t2 = time.perf_counter()
        builder = ChainBuilder()
        for pkt in read_dns(str(path)):
            builder.feed(pkt)
        chains = builder.finish()
        detections = _detect_all(chains, None, {})  # what the CLI does, predictor included
        report = build_report(chains, detections, source={}, counters={})
        t3 = time.perf_counter()
    assert n == packets == stats.packets, (n, packets, stats)
    return {
        "packets": packets,
        "file_mb": size / 1e6,
        "write_s": t1 - t0,
        "parse_s": t2 - t1,
        "parse_pps": packets / (t2 - t1),
        "full_s": t3 - t2,
        "full_pps": packets / (t3 - t2),
        "chains": len(report["chains"]),
    }


RESPONDER = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("{ip}", 53))
print("ready", flush=True)
while True:
    d, peer = s.recvfrom(2048)
    s.sendto(d[:2] + bytes([d[2] | 0x80, 0x83]) + d[4:], peer)  # QR, RA, NXDOMAIN
"""

SENDER = """
import socket, struct, time
rate, seconds = {rate}, {seconds}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.setblocking(False)
n = int(rate * seconds)
start = time.perf_counter()
got = 0
for i in range(n):
    while time.perf_counter() < start + i / rate:
        try:
            s.recv(2048); got += 1
        except BlockingIOError:
            time.sleep(0.0002)
    name = b"".join(bytes([len(x)]) + x for x in (b"q%d" % i, b"bench", b"test")) + b"\\0"
    s.sendto(struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + name + b"\\0\\1\\0\\1",
             ("{server}", 53))
deadline = time.perf_counter() + 2
while got < n and time.perf_counter() < deadline:
    try:
        s.recv(2048); got += 1
    except BlockingIOError:
        time.sleep(0.001)
print(n, got)
"""


def _wait_line(proc: subprocess.Popen[str], needle: str, timeout: float = 30) -> None:
    stream = proc.stderr if needle.startswith("listening") else proc.stdout
    assert stream is not None
    seen, deadline = "", time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        if select.select([stream], [], [], 0.5)[0]:
            seen += stream.readline()
        if proc.poll() is not None:
            raise RuntimeError(seen + stream.read())
    if needle not in seen:
        raise RuntimeError(f"timed out waiting for {needle!r}: {seen}")


def live(rate: float, seconds: float, write: bool = False) -> dict[str, float]:
    from tests.dns import netns

    saved = Path(tempfile.mkdtemp()) / "live.pcap"

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pair = netns.Pair.create("b")
    server = capture = None
    try:
        code = RESPONDER.format(ip=netns.SERVER_IP)
        server = subprocess.Popen(
            pair.exec_args(pair.server_ns, sys.executable, "-c", code),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _wait_line(server, "ready")
        capture = subprocess.Popen(
            pair.exec_args(
                pair.client_ns,
                sys.executable,
                "-m",
                "netdiag",
                "dns",
                "capture",
                "-i",
                pair.client_if,
                "-o",
                "json",
                *(["-w", str(saved)] if write else []),
            ),
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _wait_line(capture, "listening on")
        code = SENDER.format(rate=rate, seconds=seconds, server=netns.SERVER_IP)
        t0 = time.perf_counter()
        sent = subprocess.run(
            pair.exec_args(pair.client_ns, sys.executable, "-c", code),
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
        elapsed = time.perf_counter() - t0
        queries, answers = map(int, sent.stdout.split())
        time.sleep(0.5)
        capture.send_signal(signal.SIGINT)
        out, err = capture.communicate(timeout=300)
        if not out.strip():
            raise RuntimeError(f"capture printed nothing: {err}")
        report = json.loads(out)
    finally:
        for proc in (capture, server):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
        pair.close()
    on_wire = queries + answers
    captured = report["packets"]["dns"]
    in_file = -1
    if write:
        stats = Stats()
        sum(1 for _ in read_dns(str(saved), stats=stats))
        in_file = stats.dns
        saved.unlink()
    saved.parent.rmdir()
    return {
        "in_file": in_file,
        "rate_pps": on_wire / elapsed,
        "sent_queries": queries,
        "answers": answers,
        "on_wire": on_wire,
        "captured": captured,
        "loss_pct": 100.0 * (on_wire - captured) / on_wire if on_wire else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--live-rates", default="250,500,1000", help="query rates (q/s)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--write", action="store_true", help="live capture with -w FILE too")
    args = parser.parse_args()
    off = offline(args.packets)
    print(f"offline: {off['packets']:,} packets ({off['file_mb']:.0f} MB)")
    print(f"  parse only      {off['parse_s']:6.1f} s  {off['parse_pps']:>9,.0f} packets/s")
    print(
        f"  parse + chains  {off['full_s']:6.1f} s  {off['full_pps']:>9,.0f} packets/s"
        f"  ({off['chains']:,} chains)"
    )
    print(f"  machine load average during the run: {os.getloadavg()[0]:.1f} (2 cores)")
    if os.geteuid() != 0 or not args.live_rates:
        print("live: skipped (needs root for network namespaces, and --live-rates)")
        return
    for rate in (float(r) for r in args.live_rates.split(",")):
        for write in (False, True) if args.write else (False,):
            r = live(rate, args.seconds, write)
            print(
                f"live{' -w' if write else ''}: {rate:.0f} q/s -> {r['rate_pps']:.0f} packets/s "
                f"on the wire, {r['on_wire']} sent, {r['captured']} captured, "
                f"loss {r['loss_pct']:.2f} %" + (f", {r['in_file']} in the file" if write else "")
            )


if __name__ == "__main__":
    main()
