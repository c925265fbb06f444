"""Query packets to response packets: the fast path, dnspython's path, and bad input."""

from __future__ import annotations

import os

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from netdiag.dns.server.wire import Responder
from netdiag.dns.zone.cluster import ClusterZone
from tests.dns.zonefixtures import snapshot, upstream


@pytest.fixture(scope="module")
def responder() -> Responder:
    return Responder(ClusterZone(snapshot(), upstream()))


def ask(responder: Responder, query: dns.message.Message, limit: int | None = 512):
    handled = responder.handle(query.to_wire(), limit)
    assert handled.reply is not None
    return dns.message.from_wire(handled.reply), handled


def test_answer_flags_and_question_echo(responder: Responder) -> None:
    q = dns.message.make_query("Web.Default.svc.cluster.local", "A")
    r, handled = ask(responder, q)
    assert r.id == q.id and r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.QR and r.flags & dns.flags.AA and r.flags & dns.flags.RA
    assert r.flags & dns.flags.RD
    assert r.question[0].name.to_text() == "Web.Default.svc.cluster.local."
    assert [rd.to_text() for rd in r.answer[0]] == ["10.96.0.20"]
    assert r.answer[0].name.to_text() == "Web.Default.svc.cluster.local."  # case kept
    assert (handled.name, handled.type, handled.rcode) == (
        "Web.Default.svc.cluster.local.",
        "A",
        "NOERROR",
    )


def test_cached_answer_gets_the_new_id(responder: Responder) -> None:
    q1 = dns.message.make_query("db.default.svc.cluster.local", "A")
    q2 = dns.message.make_query("db.default.svc.cluster.local", "A")
    r1, _ = ask(responder, q1)
    r2, _ = ask(responder, q2)
    assert (r1.id, r2.id) == (q1.id, q2.id)
    assert r1.answer == r2.answer


def test_upstream_answers_are_not_authoritative(responder: Responder) -> None:
    r, _ = ask(responder, dns.message.make_query("baidu.com", "A"))
    assert not r.flags & dns.flags.AA


def test_nxdomain_and_nodata(responder: Responder) -> None:
    r, _ = ask(responder, dns.message.make_query("nope.default.svc.cluster.local", "A"))
    assert r.rcode() == dns.rcode.NXDOMAIN and r.authority[0].rdtype == dns.rdatatype.SOA
    r, _ = ask(responder, dns.message.make_query("web.default.svc.cluster.local", "AAAA"))
    assert r.rcode() == dns.rcode.NOERROR and not r.answer and r.authority


def test_edns_is_echoed_with_our_payload(responder: Responder) -> None:
    q = dns.message.make_query("web.default.svc.cluster.local", "A", use_edns=0, payload=4096)
    r, _ = ask(responder, q)
    assert r.edns == 0 and r.payload == 1232
    r, _ = ask(responder, dns.message.make_query("web.default.svc.cluster.local", "A"))
    assert r.edns == -1


def test_edns_with_options_uses_the_slow_path_correctly(responder: Responder) -> None:
    cookie = dns.edns.GenericOption(dns.edns.COOKIE, os.urandom(8))
    q = dns.message.make_query("web.default.svc.cluster.local", "A", use_edns=0, options=[cookie])
    r, _ = ask(responder, q)
    assert [rd.to_text() for rd in r.answer[0]] == ["10.96.0.20"]


def test_badvers_for_edns_version_1(responder: Responder) -> None:
    q = dns.message.make_query("web.default.svc.cluster.local", "A", use_edns=1)
    r, handled = ask(responder, q)
    assert r.rcode() == dns.rcode.BADVERS and handled.rcode == "BADVERS"


def _big_responder() -> Responder:
    from dataclasses import replace

    from netdiag.cluster.model import Endpoint, EndpointSlice, Service

    base = snapshot()
    big = Service(namespace="default", name="big", headless=True)
    eps = tuple(Endpoint(addresses=(f"10.250.0.{i}",)) for i in range(1, 61))
    sl = EndpointSlice(namespace="default", name="big-1", service_name="big", endpoints=eps)
    snap = replace(
        base, services=(*base.services, big), endpoint_slices=(*base.endpoint_slices, sl)
    )
    return Responder(ClusterZone(snap))


def test_truncation_over_udp_without_edns_then_full_over_tcp() -> None:
    responder = _big_responder()
    q = dns.message.make_query("big.default.svc.cluster.local", "A")
    r, _ = ask(responder, q, 512)
    assert r.flags & dns.flags.TC and not r.answer
    r, _ = ask(responder, q, None)
    assert not r.flags & dns.flags.TC and len(r.answer[0]) == 60


def test_edns_payload_avoids_truncation() -> None:
    responder = _big_responder()
    q = dns.message.make_query("big.default.svc.cluster.local", "A", use_edns=0, payload=4096)
    r, _ = ask(responder, q, 512)
    assert not r.flags & dns.flags.TC and len(r.answer[0]) == 60
    small = dns.message.make_query("big.default.svc.cluster.local", "A", use_edns=0, payload=600)
    r, _ = ask(responder, small, 512)
    assert r.flags & dns.flags.TC


def test_garbage_is_dropped_or_formerr(responder: Responder) -> None:
    assert responder.handle(b"", 512).reply is None
    assert responder.handle(b"\x12\x34\x01", 512).reply is None  # shorter than a header
    q = dns.message.make_query("web.default.svc.cluster.local", "A").to_wire()
    truncated = responder.handle(q[:20], 512)
    assert truncated.reply is not None
    r = dns.message.from_wire(truncated.reply, question_only=True)
    assert r.rcode() == dns.rcode.FORMERR and r.id == int.from_bytes(q[:2], "big")


def test_responses_are_dropped(responder: Responder) -> None:
    q = dns.message.make_query("web.default.svc.cluster.local", "A")
    reply = dns.message.make_response(q).to_wire()
    assert responder.handle(reply, 512).reply is None


def test_notimp_and_refused(responder: Responder) -> None:
    q = dns.message.make_query("web.default.svc.cluster.local", "A")
    q.set_opcode(dns.opcode.NOTIFY)
    r, _ = ask(responder, q)
    assert r.rcode() == dns.rcode.NOTIMP
    chaos = dns.message.make_query("version.bind", "TXT", rdclass="CH")
    r, _ = ask(responder, chaos)
    assert r.rcode() == dns.rcode.REFUSED


def test_random_bytes_never_raise(responder: Responder) -> None:
    rng = __import__("random").Random(7)
    for _ in range(3000):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80)))
        handled = responder.handle(data, 512)
        assert handled.reply is None or len(handled.reply) >= 12


def test_mutated_queries_never_raise(responder: Responder) -> None:
    rng = __import__("random").Random(11)
    base = bytearray(
        dns.message.make_query(
            "_http._tcp.web.default.svc.cluster.local", "SRV", use_edns=0
        ).to_wire()
    )
    for _ in range(3000):
        data = bytearray(base)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        responder.handle(bytes(data[: rng.randrange(len(data) + 1)]), 512)
