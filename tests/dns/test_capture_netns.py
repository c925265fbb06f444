"""End to end in network namespaces: real resolvers, a real server, live capture.

The client namespace runs glibc ``getaddrinfo`` (``getent ahosts``) with a
resolv.conf bind-mounted in ``unshare -m``, against ``netdiag dns serve`` in
the server namespace, while ``netdiag dns capture -i`` listens on the client's
veth. The chains captured must be what ``netdiag resolve`` predicts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dns import netns
from tests.helpers import require_root, require_tool, run_cli

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SEARCH = "default.svc.cluster.local svc.cluster.local cluster.local"
NAMES = ("tke-six-six-six", "baidu.com", "doesnotexist")
HAVE_SERVE = importlib.util.find_spec("netdiag.cli.dns_serve") is not None
HAVE_RESOLVE = importlib.util.find_spec("netdiag.cli.resolve") is not None

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
    if HAVE_SERVE:
        cmd = [sys.executable, "-m", "netdiag", "dns", "serve", "--listen", f"{netns.SERVER_IP}:53"]
    else:  # until netdiag dns serve lands: same answers as the demo cluster for NAMES
        cmd = [sys.executable, str(HERE / "standin_dns.py"), netns.SERVER_IP, "53",
               "tke-six-six-six.default.svc.cluster.local=10.96.0.66",
               "baidu.com=39.156.66.10"]  # fmt: skip
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


def _start_capture(pair: netns.Pair, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "netdiag", "dns", "capture", "-i", pair.client_if, *extra]
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


def _getent(pair: netns.Pair, resolv: Path, name: str) -> int:
    script = f"mount --bind {resolv} /etc/resolv.conf && exec getent ahosts {name}"
    cmd = pair.exec_args(pair.client_ns, "unshare", "-m", "sh", "-c", script)
    return subprocess.run(cmd, capture_output=True, timeout=60).returncode


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=60)


def _predicted(resolv: Path, name: str) -> list[tuple[str, str, str]]:
    result = run_cli(["resolve", name, "--resolv-conf", str(resolv), "--resolver", "glibc",
                      "-o", "json"])  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    return [(q["name"], q["type"], q["rcode"]) for q in json.loads(result.stdout)["queries"]]


FALLBACK = {  # what glibc sends against the stand-in (resolver-semantics.md §2)
    "tke-six-six-six": [("tke-six-six-six.default.svc.cluster.local.", "NOERROR")],
    "baidu.com": [(f"baidu.com.{s}.", "NXDOMAIN") for s in SEARCH.split()]
    + [("baidu.com.", "NOERROR")],
    "doesnotexist": [(f"doesnotexist.{s}.", "NXDOMAIN") for s in SEARCH.split()]
    + [("doesnotexist.", "NXDOMAIN")],
}


def _expected(resolv: Path, name: str) -> list[tuple[str, str, str]]:
    if HAVE_RESOLVE and HAVE_SERVE:
        return _predicted(resolv, name)
    return [(n, t, rc) for n, rc in FALLBACK[name] for t in ("A", "AAAA")]


def test_glibc_chains_equal_the_prediction(pair: netns.Pair, tmp_path: Path) -> None:
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {netns.SERVER_IP}\nsearch {SEARCH}\noptions ndots:5\n")
    server = _start_server(pair)
    try:
        capture = _start_capture(pair, "-o", "json")
        codes = [_getent(pair, resolv, name) for name in NAMES]
        out, err = _stop(capture)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert codes == [0, 0, 2], codes
    assert capture.returncode == 0, err
    report = json.loads(out)
    chains = report["chains"]
    assert [c["client"] for c in chains] == [netns.CLIENT_IP] * 3, json.dumps(chains, indent=1)
    for name, chain in zip(NAMES, chains, strict=True):
        got = [(q["name"], q["type"], q["rcode"]) for q in chain["queries"]]
        assert got == _expected(resolv, name), name
        assert "glibc" in chain["consistent_profiles"] and "go" not in chain["consistent_profiles"]
        # glibc: a socket per candidate, the A/AAAA pair on it (no Go signature).
        assert len(chain["ports"]) <= len({q["name"] for q in chain["queries"]})
    assert report["packets"]["malformed"] == 0
