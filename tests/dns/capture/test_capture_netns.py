"""End to end in network namespaces: real resolvers, a real server, live capture.

The client namespace runs real resolvers — glibc ``getaddrinfo`` (``getent
ahosts``), the static musl and pure-Go clients of tests/dns/clients — with a
resolv.conf bind-mounted in ``unshare -m``, against ``netdiag dns serve`` in
the server namespace, while ``netdiag dns capture -i`` listens on the client's
veth. The chains captured must be what ``netdiag resolve --resolver R``
predicts for the same resolv.conf and names; what ``-w FILE`` saved must read
back — through our reader, scapy and tcpdump — to that same report.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netdiag.dns.capture.pcap import read_frames
from tests.dns import netns
from tests.helpers import require_root, require_tool, run_cli

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SEARCH = "default.svc.cluster.local svc.cluster.local cluster.local"
# kube-system.svc.cluster.local. is a namespace: NODATA, where musl stops searching.
NAMES = ("tke-six-six-six", "baidu.com", "doesnotexist", "kube-system")

pytestmark = pytest.mark.system


@pytest.fixture
def pair() -> Iterator[netns.Pair]:
    require_root()
    for tool in ("ip", "unshare", "getent"):
        require_tool(tool)
    p = netns.Pair.create("e")
    try:
        yield p
    finally:
        p.close()


def _start_server(pair: netns.Pair) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "netdiag", "dns", "serve", "--listen", f"{netns.SERVER_IP}:53"]
    proc = subprocess.Popen(pair.exec_args(pair.server_ns, *cmd), env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # ready when the port answers
        probe = subprocess.run(
            pair.exec_args(pair.client_ns, sys.executable, "-c",
                           "import dns.message as m, dns.query as q;"
                           f"q.udp(m.make_query('probe.', 'A'), '{netns.SERVER_IP}', timeout=0.3)"),
            capture_output=True)  # fmt: skip
        if probe.returncode == 0:
            return proc
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.communicate()[1]}")
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("DNS server in the server namespace never answered")


def _start_capture(
    pair: netns.Pair, *extra: str, iface: str | None = None
) -> subprocess.Popen[str]:
    iface = iface or pair.client_if
    cmd = [sys.executable, "-m", "netdiag", "dns", "capture", "-i", iface, *extra]
    proc = subprocess.Popen(pair.exec_args(pair.client_ns, *cmd), env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 30
    while "listening on" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 1)
        if ready:
            seen += proc.stderr.readline()
        if proc.poll() is not None:
            raise AssertionError(seen + proc.stderr.read())
    assert "listening on" in seen, seen
    return proc


def _lookup(pair: netns.Pair, resolv: Path, argv: list[str]) -> int:
    """Run a resolver client in the client namespace with ``resolv`` as its resolv.conf."""
    script = f"mount --bind {resolv} /etc/resolv.conf && exec {shlex.join(argv)}"
    cmd = pair.exec_args(pair.client_ns, "unshare", "-m", "sh", "-c", script)
    return subprocess.run(cmd, capture_output=True, timeout=60).returncode


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=60)


Walk = list[tuple[str, frozenset[tuple[str, str]]]]


def _walk(queries: list[dict[str, Any]]) -> Walk:
    """Candidates in order, each with its (type, rcode) set (Go's pair order is random)."""
    out: list[tuple[str, set[tuple[str, str]]]] = []
    for q in queries:
        if out and out[-1][0] == q["name"]:
            out[-1][1].add((q["type"], q["rcode"]))
        else:
            out.append((q["name"], {(q["type"], q["rcode"])}))
    return [(n, frozenset(s)) for n, s in out]


def _predicted(resolv: Path, name: str, resolver: str) -> Walk:
    result = run_cli(["resolve", name, "--resolv-conf", str(resolv), "--resolver", resolver,
                      "-o", "json"])  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    return _walk(json.loads(result.stdout)["queries"])


@pytest.mark.parametrize("resolver", ["glibc", "musl", "go"])
def test_captured_chains_equal_the_prediction(
    pair: netns.Pair, tmp_path: Path, resolver: str, request: pytest.FixtureRequest
) -> None:
    if resolver == "glibc":
        argv = lambda name: ["getent", "ahosts", name]  # noqa: E731 - glibc getaddrinfo
    else:
        clients = request.getfixturevalue("clients")  # tests/dns/conftest.py builds them
        argv = lambda name: clients.command(resolver, name, "unspec")  # noqa: E731
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {netns.SERVER_IP}\nsearch {SEARCH}\noptions ndots:5\n")
    # Two runs also save what they capture: tcpdump's default format, and pcapng.
    saved = {"glibc": tmp_path / "live.pcap", "go": tmp_path / "live.pcapng"}.get(resolver)
    args = ["-o", "json", "--resolv-conf", str(resolv)]
    server = _start_server(pair)
    try:
        capture = _start_capture(pair, *args, *(["-w", str(saved)] if saved else []))
        codes = [_lookup(pair, resolv, argv(name)) for name in NAMES]
        # Flushed as they arrive: readable in full while the capture still runs.
        mid = _read_settled(saved, args) if saved else None
        out, err = _stop(capture)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert [c == 0 for c in codes] == [True, True, False, False], codes
    assert capture.returncode == 0, err
    report = json.loads(out)
    if saved:
        _assert_saved(saved, report, mid, _read_back(saved, args))
    chains = report["chains"]
    assert [(c["client"], c["name"]) for c in chains] == [
        (netns.CLIENT_IP, name) for name in NAMES
    ], json.dumps(chains, indent=1)
    for name, chain in zip(NAMES, chains, strict=True):
        assert _walk(chain["queries"]) == _predicted(resolv, name, resolver), name
        assert resolver in chain["consistent_profiles"], chain["profile_reasons"]
    if resolver == "go":
        assert {c["profile"] for c in chains} == {"go"}
    assert report["packets"]["malformed"] == 0
    _assert_explained(resolver, chains)


def _assert_explained(resolver: str, chains: list[dict[str, Any]]) -> None:
    """Real resolvers' walks, explained: alike for three names, told apart at a NODATA."""
    *alike, parted = (c["profile_explanation"] for c in chains)
    for e in alike:  # the walk alone never decides these (transport may)
        assert e["decided_by"] == [], e
        if resolver != "go":
            assert e["same_walk"] == ["glibc", "musl"] and e["why"], e
            assert e["would_separate"][0]["next"]["musl"] is None  # musl stops there
    nodata = "kube-system.svc.cluster.local."
    if resolver == "musl":
        assert {d["profile"] for d in parted["decided_by"]} == {"glibc", "go"}
        assert {(d["after"], d["after_verdict"], d["captured"], d["predicted"])
                for d in parted["decided_by"]} == {
            (nodata, "NODATA", None, "kube-system.cluster.local.")}  # fmt: skip
    else:
        [musl] = parted["decided_by"]
        assert (musl["profile"], musl["after"], musl["after_verdict"]) == ("musl", nodata, "NODATA")
        assert (musl["captured"], musl["predicted"]) == ("kube-system.cluster.local.", None)


def _read_back(path: Path, args: list[str]) -> dict[str, Any]:
    result = run_cli(["dns", "capture", "-r", str(path), *args])
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _read_settled(path: Path, args: list[str]) -> dict[str, Any]:
    """The file's report once it stops growing (libpcap hands frames over in blocks)."""
    report, deadline = _read_back(path, args), time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(0.5)
        again = _read_back(path, args)
        if again == report:
            break
        report = again
    return report


def _assert_saved(
    path: Path, live: dict[str, Any], mid: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """The file holds every packet of the live report, and nothing else."""
    from scapy.utils import rdpcap

    written = live["source"].pop("written")
    assert written == {
        "file": str(path),
        "format": path.suffix[1:],
        "packets": live["packets"]["total"],
    }
    assert after["source"].pop("file") == str(path)
    del live["source"]["interface"], live["source"]["ports"]
    assert after == live  # same chains, marks, timings, profiles, counters
    assert mid is not None
    mid["source"].pop("file")
    assert mid == live
    assert len(rdpcap(str(path))) == live["packets"]["total"]
    tcpdump = require_tool("tcpdump")
    shown = subprocess.run([tcpdump, "-nn", "-r", str(path)], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(lines) == live["packets"]["total"], shown.stdout
    questions = [ln.split("? ")[1].split()[0] for ln in lines if " A? " in ln or " AAAA? " in ln]
    assert len(questions) == sum(c["wire_queries"] for c in live["chains"])
    sent = {q["name"] for c in live["chains"] for q in c["queries"]}
    assert set(questions) == sent


def test_count_duration_and_sigterm_stop_with_a_summary(pair: netns.Pair, tmp_path: Path) -> None:
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {netns.SERVER_IP}\nsearch {SEARCH}\noptions ndots:5\n")
    server = _start_server(pair)
    try:
        counted = _start_capture(pair, "--count", "4", "-o", "json")
        assert _lookup(pair, resolv, ["getent", "ahosts", "tke-six-six-six"]) == 0
        out, err = counted.communicate(timeout=60)  # stops by itself after 4 packets
        assert counted.returncode == 0, err
        assert json.loads(out)["packets"]["dns"] == 4
        timed = _start_capture(pair, "--duration", "1", "-o", "json")
        out, err = timed.communicate(timeout=60)
        assert timed.returncode == 0 and json.loads(out)["chains"] == [], err
        termed = _start_capture(pair, "-w", str(tmp_path / "termed.pcap"))
        assert _lookup(pair, resolv, ["getent", "ahosts", "baidu.com"]) == 0
        time.sleep(0.3)
        termed.terminate()
        out, err = termed.communicate(timeout=60)
        assert termed.returncode == 0, err
        assert "FQDN ADVICE" in out and "baidu.com." in out
        assert "note: wrote 16 packets to" in err  # 8 queries, 8 answers
        [chain] = _read_back(tmp_path / "termed.pcap", ["-o", "json"])["chains"]
        assert chain["name"] == "baidu.com" and chain["wire_queries"] == 8
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_written_file_survives_sigkill(pair: netns.Pair, tmp_path: Path) -> None:
    """Every packet is flushed as it arrives: a killed capture leaves a whole file."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {netns.SERVER_IP}\nsearch {SEARCH}\noptions ndots:5\n")
    saved = tmp_path / "killed.pcapng"
    server = _start_server(pair)
    try:
        capture = _start_capture(pair, "-w", str(saved))
        assert _lookup(pair, resolv, ["getent", "ahosts", "tke-six-six-six"]) == 0
        _read_settled(saved, ["-o", "json"])
        capture.kill()
        capture.communicate(timeout=60)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    report = _read_back(saved, ["-o", "json", "--resolv-conf", str(resolv)])
    assert report["packets"] == {**report["packets"], "total": 4, "dns": 4, "malformed": 0}
    assert [c["name"] for c in report["chains"]] == ["tke-six-six-six"]
    shown = subprocess.run([require_tool("tcpdump"), "-nn", "-r", str(saved)],
                           capture_output=True, text=True)  # fmt: skip
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == 4, shown.stderr


def test_any_interface_is_saved_with_its_cooked_link_type(pair: netns.Pair, tmp_path: Path) -> None:
    """``-i any`` hands over Linux cooked frames: the file says so, and reads back the same."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {netns.SERVER_IP}\nsearch {SEARCH}\noptions ndots:5\n")
    saved = tmp_path / "any.pcapng"
    args = ["-o", "json", "--resolv-conf", str(resolv)]
    server = _start_server(pair)
    try:
        capture = _start_capture(pair, *args, "-w", str(saved), iface="any")
        assert _lookup(pair, resolv, ["getent", "ahosts", "baidu.com"]) == 0
        out, err = _stop(capture)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert capture.returncode == 0, err
    live, after = json.loads(out), _read_back(saved, args)
    assert live["source"]["interface"] == "any"
    del live["source"], after["source"]
    assert after == live and [c["name"] for c in live["chains"]] == ["baidu.com"]
    with open(saved, "rb") as fh:
        assert {lt for _, lt, _ in read_frames(str(saved), fh)} == {113}  # LINKTYPE_LINUX_SLL
    shown = subprocess.run([require_tool("tcpdump"), "-nn", "-r", str(saved)],
                           capture_output=True, text=True)  # fmt: skip
    assert "Linux cooked" in shown.stderr and len(shown.stdout.splitlines()) == 16
