"""Fixtures for the differential tests: real resolver clients and a real server.

The server is netdiag's own (``netdiag.dns.server.loop.DnsServer``) on a loopback
address, port 53, because a resolv.conf cannot name a port. Each client runs
inside ``unshare -m -u`` with the case's resolv.conf bind-mounted over
``/etc/resolv.conf`` (private mount namespace: the real file is never touched)
and a dot-less hostname (glibc and Go derive a search domain from it when the
file has none).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import require_root, require_tool

CLIENTS = Path(__file__).parent / "clients"
#: Loopback addresses of our own (a random 127.x.y.0/31 per session, retried when
#: taken), so concurrent test runs and other servers on port 53 never collide.
_LOOPBACK_NET = (53, 250)


@dataclass
class Clients:
    musl: str
    go: str
    glibc: tuple[str, ...]

    def command(self, resolver: str, name: str, mode: str) -> list[str]:
        if resolver == "musl":
            return [self.musl, name, mode]
        if resolver == "go":
            return [self.go, name, mode]
        return [*self.glibc, name, mode]


@pytest.fixture(scope="session")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Clients:
    """Build the musl and Go clients once per session into a tmp dir."""
    musl_gcc = require_tool("musl-gcc")
    go = require_tool("go")
    out = tmp_path_factory.mktemp("clients")
    subprocess.run(
        [
            musl_gcc,
            "-O2",
            "-static",
            "-o",
            str(out / "musl_client"),
            str(CLIENTS / "musl_client.c"),
        ],
        check=True,
    )
    env = {
        **os.environ,
        "CGO_ENABLED": "0",  # a static pure-Go binary, as in most images
        "GOFLAGS": "-mod=mod",
        "GOPATH": str(out / "gopath"),
        "GOCACHE": str(out / "gocache"),
        "GOPROXY": "off",
        "GO111MODULE": "off",
    }
    subprocess.run(
        [go, "build", "-o", str(out / "go_client"), str(CLIENTS / "go_client.go")],
        check=True,
        env=env,
        cwd=out,
    )
    return Clients(
        musl=str(out / "musl_client"),
        go=str(out / "go_client"),
        glibc=(sys.executable, str(CLIENTS / "glibc_client.py")),
    )


@dataclass
class QueryLog:
    #: The server's two addresses (port 53), ``first`` is the default nameserver.
    first: str = ""
    second: str = ""
    entries: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.entries.append(entry)

    def mark(self) -> int:
        with self.lock:
            return len(self.entries)

    def since(self, mark: int, expect: int = 0) -> list[tuple[str, str, str]]:
        """Entries after ``mark``, once the server has logged the last replies.

        The server records after answering and the box may be loaded, so a fast
        client can exit first: wait for ``expect`` entries (up to 5 s), then for
        the log to stay quiet for a moment.
        """
        import time

        deadline = time.monotonic() + 5
        while self.mark() - mark < expect and time.monotonic() < deadline:
            time.sleep(0.02)
        count, quiet = -1, 0
        while quiet < 3:
            time.sleep(0.03)
            now = self.mark()
            quiet = quiet + 1 if now == count else 0
            count = now
        with self.lock:
            return [(e["name"].lower(), e["type"], e["proto"]) for e in self.entries[mark:]]


def run_in_namespace(resolv_conf: Path, argv: list[str], timeout: float = 30) -> str:
    """Run ``argv`` with ``resolv_conf`` mounted over /etc/resolv.conf, privately."""
    unshare = require_tool("unshare")
    script = 'mount --bind "$0" /etc/resolv.conf && hostname differential && exec "$@"'
    proc = subprocess.run(
        [unshare, "-m", "-u", "sh", "-c", script, str(resolv_conf), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def server_log() -> Iterator[QueryLog]:
    """netdiag's DNS server for the differential zone on two loopback addresses, port 53."""
    require_root()
    require_tool("unshare")
    import random

    from netdiag.dns.server.loop import DnsServer
    from netdiag.errors import UsageError
    from tests.dns.differential_zone import differential_zone

    log = QueryLog()
    zone = differential_zone()
    for _attempt in range(10):
        net = f"127.{random.randint(*_LOOPBACK_NET)}.{random.randint(1, 254)}"
        log.first, log.second = f"{net}.1", f"{net}.2"
        server = DnsServer(zone, [(log.first, 53), (log.second, 53)], on_query=log, cache=False)
        try:
            server.start()
        except UsageError:  # address in use: another run picked the same one
            continue
        try:
            yield log
        finally:
            server.stop()
        return
    pytest.fail("no free loopback address for the differential DNS server")


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
