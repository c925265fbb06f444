"""Generate DNS capture fixtures with scapy (explicit MACs: nothing is ever sent).

Each helper returns scapy packets with ``.time`` set; :func:`write` saves them
as pcap or pcapng. Building from Ether with both MACs given keeps scapy from
resolving a MAC (``getmacbyip`` would ARP on a real interface).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scapy.layers.dns import DNS, DNSQR, DNSRR, DNSRROPT
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.utils import PcapNgWriter, PcapWriter

CLIENT_MAC = "02:00:00:00:00:01"
SERVER_MAC = "02:00:00:00:00:02"
CLIENT = "10.244.1.7"
SERVER = "10.96.0.10"


def _ip(src: str, dst: str) -> Any:
    if ":" in src:
        return IPv6(src=src, dst=dst)
    return IP(src=src, dst=dst)


def query(
    t: float,
    qname: str,
    qtype: str = "A",
    *,
    qid: int = 1,
    client: str = CLIENT,
    sport: int = 40000,
    server: str = SERVER,
    edns: int | None = None,
) -> Any:
    dns = DNS(id=qid, rd=1, qd=[DNSQR(qname=qname, qtype=qtype)])
    if edns is not None:
        dns.ar = [DNSRROPT(rclass=edns)]
    pkt = Ether(src=CLIENT_MAC, dst=SERVER_MAC) / _ip(client, server) / UDP(sport=sport, dport=53)
    pkt = pkt / dns
    pkt.time = t
    return pkt


def response(
    t: float,
    qname: str,
    qtype: str = "A",
    *,
    rcode: int = 0,
    answers: tuple[str, ...] = (),
    qid: int = 1,
    client: str = CLIENT,
    sport: int = 40000,
    server: str = SERVER,
    tc: bool = False,
) -> Any:
    rrs = [DNSRR(rrname=qname, type=qtype, ttl=5, rdata=a) for a in answers]
    dns = DNS(
        id=qid,
        qr=1,
        aa=1,
        rd=1,
        ra=1,
        tc=int(tc),
        rcode=rcode,
        qd=[DNSQR(qname=qname, qtype=qtype)],
        an=rrs,
    )
    pkt = Ether(src=SERVER_MAC, dst=CLIENT_MAC) / _ip(server, client) / UDP(sport=53, dport=sport)
    pkt = pkt / dns
    pkt.time = t
    return pkt


def tcp_exchange(
    t: float,
    qname: str,
    qtype: str,
    *,
    answers: tuple[str, ...] = (),
    rcode: int = 0,
    qid: int = 1,
    client: str = CLIENT,
    sport: int = 41000,
    server: str = SERVER,
    split: bool = False,
) -> list[Any]:
    """A full TCP DNS exchange: handshake, query, answer (optionally split), FIN."""
    c2s = Ether(src=CLIENT_MAC, dst=SERVER_MAC) / _ip(client, server)
    s2c = Ether(src=SERVER_MAC, dst=CLIENT_MAC) / _ip(server, client)
    q = bytes(DNS(id=qid, rd=1, qd=[DNSQR(qname=qname, qtype=qtype)]))
    rrs = [DNSRR(rrname=qname, type=qtype, ttl=5, rdata=a) for a in answers]
    r = bytes(
        DNS(
            id=qid,
            qr=1,
            aa=1,
            rd=1,
            ra=1,
            rcode=rcode,
            qd=[DNSQR(qname=qname, qtype=qtype)],
            an=rrs,
        )
    )
    qb = len(q).to_bytes(2, "big") + q
    rb = len(r).to_bytes(2, "big") + r
    cseq, sseq = 1000, 5000
    pkts = [
        c2s / TCP(sport=sport, dport=53, flags="S", seq=cseq),
        s2c / TCP(sport=53, dport=sport, flags="SA", seq=sseq, ack=cseq + 1),
        c2s / TCP(sport=sport, dport=53, flags="A", seq=cseq + 1, ack=sseq + 1),
        c2s / TCP(sport=sport, dport=53, flags="PA", seq=cseq + 1, ack=sseq + 1) / qb,
    ]
    if split:
        half = len(rb) // 2
        pkts.append(
            s2c
            / TCP(sport=53, dport=sport, flags="A", seq=sseq + 1, ack=cseq + 1 + len(qb))
            / rb[:half]
        )
        pkts.append(
            s2c
            / TCP(sport=53, dport=sport, flags="PA", seq=sseq + 1 + half, ack=cseq + 1 + len(qb))
            / rb[half:]
        )
    else:
        pkts.append(
            s2c / TCP(sport=53, dport=sport, flags="PA", seq=sseq + 1, ack=cseq + 1 + len(qb)) / rb
        )
    pkts.append(
        c2s / TCP(sport=sport, dport=53, flags="FA", seq=cseq + 1 + len(qb), ack=sseq + 1 + len(rb))
    )
    for i, p in enumerate(pkts):
        p.time = t + i * 0.0001
    return pkts


def raw_udp(t: float, payload: bytes, *, sport: int = 40999, dport: int = 53) -> Any:
    pkt = (
        Ether(src=CLIENT_MAC, dst=SERVER_MAC)
        / IP(src=CLIENT, dst=SERVER)
        / UDP(sport=sport, dport=dport)
        / payload
    )
    pkt.time = t
    return pkt


def write(path: Path, packets: list[Any], *, pcapng: bool = False) -> Path:
    packets = sorted(packets, key=lambda p: float(p.time))
    writer = PcapNgWriter(str(path)) if pcapng else PcapWriter(str(path), linktype=1, sync=True)
    for p in packets:
        writer.write(p)
    writer.close()
    return path


SEARCH = ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")


def pair(t: float, name: str, rcode: int, qid: int, answers: tuple[str, ...] = ()) -> list[Any]:
    """One candidate's A+AAAA exchange; both replies carry ``rcode``, A the ``answers``."""
    return [
        query(t, name, "A", qid=qid),
        query(t + 0.0001, name, "AAAA", qid=qid + 1),
        response(t + 0.0005, name, "A", qid=qid, rcode=rcode, answers=answers),
        response(t + 0.0006, name, "AAAA", qid=qid + 1, rcode=rcode),
    ]


def glibc_lookup(
    t: float,
    name: str,
    *,
    answer_at: str,
    addresses: tuple[str, ...] = ("10.96.0.20",),
    search: tuple[str, ...] = SEARCH,
    client: str = CLIENT,
    sport: int = 40000,
    qid: int = 100,
    step: float = 0.002,
) -> tuple[list[Any], float]:
    """A glibc getaddrinfo(AF_UNSPEC) walk: A+AAAA per candidate on one socket.

    Candidates before ``answer_at`` get NXDOMAIN; ``answer_at`` gets the A
    records and NODATA for AAAA. Returns the packets and the end time.
    """
    pkts: list[Any] = []
    for cand in [f"{name}.{s}." for s in search] + [f"{name}."]:
        hit = cand == answer_at
        common = {"client": client, "sport": sport}
        pkts += [
            query(t, cand, "A", qid=qid, **common),
            query(t + 0.0001, cand, "AAAA", qid=qid + 1, **common),
            response(
                t + 0.0008,
                cand,
                "A",
                qid=qid,
                rcode=0 if hit else 3,
                answers=addresses if hit else (),
                **common,
            ),
            response(t + 0.0009, cand, "AAAA", qid=qid + 1, rcode=0 if hit else 3, **common),
        ]
        t += step
        qid += 2
        if hit:
            break
    return pkts, t


def incidents(path: Path) -> Path:
    """The capture of docs/capture.md: a conntrack race, a long search walk, TC → TCP.

    Clients are demo-cluster pods (``default/toolbox`` 10.244.1.30, ``shop/api-…``
    10.244.1.40), so ``--cluster netdiag/sources/demo`` names them; plus one
    non-DNS payload on port 53.
    """
    six = "tke-six-six-six.default.svc.cluster.local."
    toolbox = {"client": "10.244.1.30", "sport": 41111}
    pkts = [
        query(10.0, six, "A", qid=11, **toolbox),
        query(10.00005, six, "AAAA", qid=12, **toolbox),  # lost to the conntrack race
        response(10.0008, six, "A", qid=11, answers=("10.96.66.6",), **toolbox),
        query(15.00005, six, "AAAA", qid=12, **toolbox),
        response(15.001, six, "AAAA", qid=12, **toolbox),
    ]
    search = ("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "localdomain")
    walk, t = glibc_lookup(
        20.0,
        "api.github.com",
        answer_at="api.github.com.",
        addresses=("140.82.121.6",),
        search=search,
        client="10.244.1.40",
        sport=42000,
        step=0.0022,
    )
    big = "big.shop.svc.cluster.local."
    api = {"client": "10.244.1.40", "sport": 42001}
    many = tuple(f"10.244.3.{i}" for i in range(1, 40))
    pkts += walk + [
        query(t + 0.5, big, "A", qid=31, **api),
        response(t + 0.5005, big, "A", qid=31, tc=True, **api),
    ]
    pkts += tcp_exchange(t + 0.501, big, "A", answers=many, qid=31, client="10.244.1.40")
    pkts.append(raw_udp(t + 1.0, b"\x00\x01not a DNS message at all"))
    return write(path, pkts, pcapng=True)
