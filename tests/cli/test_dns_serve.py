"""``netdiag dns serve`` as a user runs it: a process, dig, then a signal."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import require_tool

pytestmark = pytest.mark.system


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return int(udp.getsockname()[1])


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "netdiag", "dns", "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_listening(proc: subprocess.Popen[str]) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + 30
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "listening on" in line:
            return lines
    proc.kill()
    raise AssertionError("server did not start: " + "".join(lines))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_dig_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    dig = require_tool("dig")
    port = free_port()
    log = tmp_path / "q.jsonl"
    proc = start("--listen", f"127.0.0.1:{port}", "--query-log", str(log))
    try:
        lines = wait_listening(proc)
        assert f"127.0.0.1:{port} (udp, tcp)" in lines[-1]
        out = subprocess.run(
            [
                dig,
                "@127.0.0.1",
                "-p",
                str(port),
                "+short",
                "+time=5",
                "+tries=3",
                "tke-six-six-six.default.svc.cluster.local",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        assert out.split() == ["10.96.66.6"]
    finally:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    # dig may retry over a loaded machine, so at least one query, not exactly one.
    assert re.search(r"stopped after [1-9]\d* queries", err), err
    assert "Traceback" not in err
    entry = json.loads(log.read_text().splitlines()[0])
    assert entry["name"] == "tke-six-six-six.default.svc.cluster.local."


def test_port_in_use_is_one_line_exit_2() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        proc = start("--listen", f"127.0.0.1:{port}")
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert error_lines == [f"error: --listen 127.0.0.1:{port}: address already in use"]
    assert "Traceback" not in err


def test_bad_listen_address_is_a_usage_error() -> None:
    proc = start("--listen", "127.0.0.1:notaport")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "error: --listen 127.0.0.1:notaport" in err
