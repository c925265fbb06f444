"""The DNS server under fuzzing over UDP and TCP, with a liveness check after each family.

Families: random bytes, mutated real queries, hostile names (dotted labels,
control bytes, over-long names, compression loops), TCP framing abuse (short and
lying length prefixes, half-sent messages, connections dropped mid-message).
After each family a real query must still get the right answer, over both
transports. Everything goes to the loopback server this test starts.
"""

from __future__ import annotations

import random
import socket
import struct
from collections.abc import Callable, Iterator

import dns.message
import dns.name
import dns.query
import dns.rcode
import pytest

from netdiag.dns.server.loop import DnsServer
from netdiag.dns.zone.cluster import ClusterZone
from tests.dns.zonefixtures import snapshot, upstream

COUNT = 400


@pytest.fixture(scope="module")
def server() -> Iterator[DnsServer]:
    with DnsServer(ClusterZone(snapshot(), upstream()), [("127.0.0.1", 0)]) as s:
        yield s


def alive(server: DnsServer) -> None:
    host, port = server.addresses[0]
    q = dns.message.make_query("web.default.svc.cluster.local", "A")
    for send in (dns.query.udp, dns.query.tcp):
        r = send(q, host, port=port, timeout=5)
        assert r.rcode() == dns.rcode.NOERROR
        assert [rd.to_text() for rd in r.answer[0]] == ["10.96.0.20"]


def random_bytes(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 120)))


BASE = dns.message.make_query("_http._tcp.web.default.svc.cluster.local", "SRV", use_edns=0)


def mutated(rng: random.Random) -> bytes:
    data = bytearray(BASE.to_wire())
    for _ in range(rng.randrange(1, 5)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data[: rng.randrange(12, len(data) + 1)])


def hostile_name(rng: random.Random) -> bytes:
    header = struct.pack(">HHHHHH", rng.randrange(65536), 0x0100, 1, 0, 0, 0)
    choice = rng.randrange(4)
    if choice == 0:  # a label holding dots and control bytes
        label = b"web.default\x1b]0;x\x07"[: rng.randrange(1, 19)]
        name = bytes([len(label)]) + label + b"\x07default\x03svc\x07cluster\x05local\x00"
    elif choice == 1:  # longer than 255 octets
        name = (b"\x3f" + b"a" * 63) * rng.randrange(4, 6) + b"\x00"
    elif choice == 2:  # a compression pointer to itself
        name = b"\xc0\x0c"
    else:  # a label length running past the end
        name = bytes([rng.randrange(1, 64)]) + b"x" * rng.randrange(0, 8)
    return header + name + b"\x00\x01\x00\x01"


def send_udp(server: DnsServer, packets: list[bytes]) -> None:
    host, port = server.addresses[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for i, p in enumerate(packets):
            s.sendto(p, (host, port))
            if i % 50 == 49:  # pace the burst so the socket buffer keeps most of it
                ping = dns.message.make_query("web.default.svc.cluster.local", "A")
                dns.query.udp(ping, host, port=port, timeout=5, ignore_unexpected=True)


def send_tcp(server: DnsServer, packets: list[bytes], rng: random.Random) -> None:
    host, port = server.addresses[0]
    for p in packets:
        with socket.create_connection((host, port), timeout=2) as s:
            how = rng.randrange(4)
            if how == 0:  # well framed
                s.sendall(struct.pack(">H", len(p)) + p)
                s.shutdown(socket.SHUT_WR)
            elif how == 1:  # a length prefix that lies (longer than what follows), then EOF
                s.sendall(struct.pack(">H", len(p) + rng.randrange(1, 500)) + p)
                s.shutdown(socket.SHUT_WR)
            elif how == 2:  # half a length prefix
                s.sendall(b"\x00")
                s.shutdown(socket.SHUT_WR)
            else:  # several messages back to back, the last one cut
                s.sendall((struct.pack(">H", len(p)) + p) * 3 + struct.pack(">H", 40) + p[:5])
                s.shutdown(socket.SHUT_WR)
            s.settimeout(0.2)
            try:
                while s.recv(65535):
                    pass
            except OSError:
                pass


FAMILIES: dict[str, Callable[[random.Random], bytes]] = {
    "random-bytes": random_bytes,
    "mutated-queries": mutated,
    "hostile-names": hostile_name,
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_server_survives_and_answers(server: DnsServer, family: str, transport: str) -> None:
    rng = random.Random(f"{family}/{transport}")
    packets = [FAMILIES[family](rng) for _ in range(COUNT if transport == "udp" else COUNT // 8)]
    if transport == "udp":
        send_udp(server, packets)
    else:
        send_tcp(server, packets, rng)
    alive(server)


def test_dotted_label_over_the_wire_is_not_the_dotted_name(server: DnsServer) -> None:
    host, port = server.addresses[0]
    q = dns.message.make_query(dns.name.Name([b"web.default.svc.cluster.local", b""]), "A")
    for send in (dns.query.udp, dns.query.tcp):
        r = send(q, host, port=port, timeout=5)
        assert r.rcode() == dns.rcode.NXDOMAIN and not r.answer
