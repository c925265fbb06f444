"""How long a lookup takes against a silent nameserver: the real glibc, musl and
Go resolvers, ``netdiag resolve --backend live``, and the model's cost.

Each library has its own retransmission schedule (``netdiag/dns/resolver/timing.py``):
glibc waits ``timeout`` per nameserver and attempt (``send_dg``: shifted by the
server index, not the attempt), musl resends every ``timeout/attempts`` until
``timeout``, Go waits ``timeout`` per exchange. The nameserver here reads every
query and never answers.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netdiag.dns.resolver.driver import per_query, run
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.resolvconf import parse
from tests.dns.conftest import Clients, run_in_namespace
from tests.helpers import require_root, run_cli

pytestmark = [pytest.mark.system]

#: Seconds the wall clock may differ from the schedule (process start-up, a
#: loaded 2-core box); the schedules compared differ by 1 s or more.
TOLERANCE = 0.6
BODY = "search a.test b.test\noptions timeout:1 attempts:2 ndots:1{extra}\n"


@pytest.fixture(scope="module")
def silent() -> Iterator[str]:
    """A UDP socket on a private loopback address, port 53, that never answers."""
    require_root()
    for _ in range(10):
        addr = f"127.{random.randint(53, 250)}.{random.randint(1, 254)}.9"
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((addr, 53))
        except OSError:
            sock.close()
            continue
        stop = threading.Event()

        def drain(s: socket.socket = sock, stop: threading.Event = stop) -> None:
            s.settimeout(0.2)
            while not stop.is_set():
                try:
                    s.recvfrom(4096)
                except OSError:
                    continue

        thread = threading.Thread(target=drain, daemon=True)
        thread.start()
        try:
            yield addr
        finally:
            stop.set()
            thread.join()
            sock.close()
        return
    pytest.fail("no free loopback address for the silent nameserver")


def _timed(fn: object) -> float:
    t0 = time.monotonic()
    fn()  # type: ignore[operator]
    return time.monotonic() - t0


@pytest.mark.parametrize(
    ("resolver", "extra", "expected"),
    [
        ("glibc", "", 4.0),
        # send_dg sends AAAA only after A's reply: a timeout ends the exchange.
        ("glibc", " single-request", 4.0),
        ("musl", "", 1.0),
        ("go", "", 6.0),
    ],
)
def test_silent_server_time_matches_the_library(
    clients: Clients, silent: str, tmp_path: Path, resolver: str, extra: str, expected: float
) -> None:
    text = f"nameserver {silent}\n{BODY.format(extra=extra)}"
    path = tmp_path / "resolv.conf"
    path.write_text(text)

    _q, result, cost = run(start(resolver, "www", parse(text)), per_query(lambda n, t, s: None))
    assert not result.resolved and cost.waited_seconds == expected

    real = _timed(lambda: run_in_namespace(path, clients.command(resolver, "www", "unspec")))
    args = ["resolve", "www", "--resolver", resolver, "--resolv-conf", str(path)]
    live = _timed(lambda: run_cli([*args, "--backend", "live", "--nameserver", silent]))
    assert abs(real - expected) < TOLERANCE, (resolver, real)
    assert abs(live - expected) < TOLERANCE, (resolver, live)
