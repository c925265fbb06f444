"""Big replies and transports: TC over UDP, TCP repeats, getaddrinfo's buffer,
``use-vc`` and ``no-aaaa`` (glibc 2.36, musl 1.2.3, Go 1.19).

The sequences asserted here are the ones the real libraries sent to
``netdiag dns serve`` (tests/dns/resolver/test_differential.py cases ``truncated-*``,
``gai-buffer-*``, ``use-vc-*``, ``no-aaaa-inet6``); these tests hold the model
to them without root or compilers.
"""

from __future__ import annotations

import pytest

from netdiag.dns.records import Rcode, Record, ZoneAnswer
from netdiag.dns.resolver.driver import model_backend, per_query, run
from netdiag.dns.resolver.glibc import GAI_BUFFER, gai_buffer_need
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.profiles import config_for
from netdiag.dns.resolver.resolvconf import parse
from netdiag.dns.resolver.wiresize import UDP_LIMIT, udp_limit, wire_size
from tests.dns.fakes import FakeZone


def _a(n: int) -> tuple[str, ...]:
    return tuple(f"198.18.{i // 250}.{i % 250 + 1}" for i in range(n))


ZONE = FakeZone(
    {
        "www.ok.test.": {"A": ("198.18.1.1",), "AAAA": ("2001:db8::1",)},
        "big.ok.test.": {"A": _a(40)},  # 669 bytes: over 512, under 1,200 / 1,232
        "huge.ok.test.": {"A": _a(90)},  # 1,469 bytes: over every UDP limit
        "mid.ok.test.": {"A": _a(30)},  # 509 bytes: fits, but 30 addresses
        "a25.ok.test.": {"A": _a(25)},
        "a26.ok.test.": {"A": _a(26)},
    },
    faults={"www.slow.test.": Rcode.TIMEOUT},
)


def seq(resolver: str, name: str, body: str, family: str = "unspec") -> list[str]:
    conf = parse(f"nameserver 10.0.0.1\n{body}\n")
    queries, _result, _cost = run(
        start(resolver, name, conf, family=family), per_query(model_backend(ZONE))
    )
    return [f"{q.name} {q.type} {'tcp' if q.tcp else 'udp'}" for q in queries]


def lookup(resolver: str, name: str, body: str, family: str = "unspec") -> object:
    conf = parse(f"nameserver 10.0.0.1\n{body}\n")
    return run(start(resolver, name, conf, family=family), per_query(model_backend(ZONE)))


PAIR_UDP = ["big.ok.test. A udp", "big.ok.test. AAAA udp"]
PAIR_TCP = ["big.ok.test. A tcp", "big.ok.test. AAAA tcp"]


def _demo_questions() -> list[tuple[str, str]]:
    from netdiag.sources.demo import load_demo

    snap = load_demo()
    names = {"baidu.com.", "www.baidu.com.", "dns-version.cluster.local.", "nope.cluster.local."}
    for svc in snap.services:
        names.add(f"{svc.name}.{svc.namespace}.svc.cluster.local.")
        names.update(
            f"_{p.name}._{p.protocol.value.lower()}.{svc.name}.{svc.namespace}.svc.cluster.local."
            for p in svc.ports
            if p.name
        )
    for pod in snap.pods:
        names.update(f"{ip.replace('.', '-')}.{pod.namespace}.pod.cluster.local." for ip in pod.ips)
        names.update(".".join(reversed(ip.split("."))) + ".in-addr.arpa." for ip in pod.ips)
    return [(n, t) for n in sorted(names) for t in ("A", "AAAA", "SRV", "TXT", "PTR", "CNAME")]


def test_wire_size_is_what_the_server_sends() -> None:
    """The model's size (which decides TC) equals the bytes netdiag's server encodes,
    for every question the demo cluster answers: answers, CNAME chains, SRV with
    additionals, PTR, NXDOMAIN/NODATA with SOA, with and without EDNS."""
    import dns.message

    from netdiag.app.source import Source
    from netdiag.app.upstream import build_zone
    from netdiag.dns.server.wire import Responder
    from netdiag.sources.demo import load_demo

    zone = build_zone(load_demo(), Source())
    responder = Responder(zone, cache=False)
    checked = 0
    for name, rtype in _demo_questions():
        answer = zone.query(name, rtype)
        for edns in (False, True):
            query = dns.message.make_query(name, rtype, use_edns=0 if edns else -1)
            reply = responder.handle(query.to_wire(), None).reply
            assert reply is not None
            assert wire_size(name, answer, edns) == len(reply), (name, rtype, edns)
            checked += 1
    assert checked > 400


def test_wire_size_of_big_answers() -> None:
    import dns.message

    from netdiag.dns.server.wire import Responder
    from netdiag.dns.zone.cluster import ClusterZone
    from netdiag.dns.zone.upstream import UpstreamZone
    from tests.dns.differential_zone import RECORDS, differential_snapshot

    zone = ClusterZone(differential_snapshot(), UpstreamZone.build(RECORDS, source="test"))
    responder = Responder(zone, cache=False)
    for name in ("big.ok.test.", "huge.ok.test.", "v6many.ok.test.", "alias.ok.test."):
        for rtype in ("A", "AAAA"):
            query = dns.message.make_query(name, rtype)
            reply = responder.handle(query.to_wire(), None).reply
            assert reply is not None
            assert wire_size(name, zone.query(name, rtype)) == len(reply), (name, rtype)


def test_udp_limits_follow_each_library() -> None:
    conf = parse("nameserver 10.0.0.1\n")
    edns = parse("nameserver 10.0.0.1\noptions edns0\n")
    assert udp_limit(config_for("glibc", conf)) == (UDP_LIMIT, False)
    assert udp_limit(config_for("glibc", edns)) == (1200, True)
    assert udp_limit(config_for("go", conf)) == (1232, True)  # always EDNS
    assert udp_limit(config_for("musl", edns)) == (UDP_LIMIT, False)  # no EDNS at all


def test_truncated_reply_is_empty_with_tc() -> None:
    send = per_query(model_backend(ZONE))
    conf = config_for("glibc", parse("nameserver 10.0.0.1\n"))
    start_batch = start("glibc", "big.ok.test.", parse("nameserver 10.0.0.1\n"))
    batch = next(start_batch.algorithm)
    replies = send(batch, conf)
    assert replies[0] is not None and replies[0].truncated and not replies[0].answers
    tcp = tuple(q._replace(tcp=True) for q in batch)
    full = send(tcp, conf)
    assert full[0] is not None and not full[0].truncated and len(full[0].answers) == 40


def test_glibc_repeats_the_pair_over_tcp_on_the_same_server_then_getaddrinfo_again() -> None:
    # 40 addresses need 1,616 bytes of getaddrinfo's 1,024: the lookup runs twice.
    assert seq("glibc", "big", "search ok.test") == (PAIR_UDP + PAIR_TCP) * 2


def test_glibc_edns0_avoids_tc_but_not_the_buffer_repeat() -> None:
    assert seq("glibc", "big", "search ok.test\noptions edns0") == PAIR_UDP * 2


def test_glibc_single_request_does_not_send_aaaa_over_udp_after_a_tc() -> None:
    assert (
        seq("glibc", "big.ok.test.", "options single-request")
        == (["big.ok.test. A udp"] + PAIR_TCP) * 2
    )


def test_glibc_buffer_repeats_until_the_addresses_fit() -> None:
    runs = seq("glibc", "huge.ok.test.", "options edns0")
    assert (
        runs
        == [
            "huge.ok.test. A udp",
            "huge.ok.test. AAAA udp",
            "huge.ok.test. A tcp",
            "huge.ok.test. AAAA tcp",
        ]
        * 3
    )  # 3,616 bytes: 1,024 -> 2,048 -> 4,096
    _queries, result, _cost = lookup("glibc", "huge.ok.test.", "options edns0")  # type: ignore[misc]
    assert any("3 times" in note for note in result.notes)


@pytest.mark.parametrize(("name", "runs"), [("a25", 1), ("a26", 2), ("mid", 2)])
def test_glibc_getaddrinfo_buffer_threshold(name: str, runs: int) -> None:
    """25 addresses are the most that fit 1,024 bytes (the 26th needs 1,056)."""
    pair = [f"{name}.ok.test. A udp", f"{name}.ok.test. AAAA udp"]
    assert seq("glibc", name, "search ok.test") == pair * runs


def test_gai_buffer_need_per_getaddrinfo_path() -> None:
    a = tuple(Record(name="x.test.", type="A", ttl=1, data=d) for d in _a(26))
    # unspec: 40-byte tuples, the name (7 bytes with NUL) after the first one.
    assert gai_buffer_need("unspec", a, "x.test.") == 48 + 25 * 40
    assert gai_buffer_need("unspec", a[:25], "x.test.") <= GAI_BUFFER
    # inet: name, 4-byte addresses, then the pointer arrays (27 + 1 entries).
    assert gai_buffer_need("inet", a, "x.test.") == 7 + 1 + 26 * 4 + 27 * 8 + 8
    cname = (Record(name="x.test.", type="CNAME", ttl=1, data="y.test."), *a[:1])
    assert gai_buffer_need("unspec", cname, "x.test.") == 40 + 7  # canonical: y.test


def test_res_search_has_no_getaddrinfo_buffer() -> None:
    conf = parse("nameserver 10.0.0.1\noptions edns0\n")
    queries, _r, _c = run(
        start("glibc", "big.ok.test.", conf, rtype="A"), per_query(model_backend(ZONE))
    )
    assert [q.type for q in queries] == ["A"]


def test_go_repeats_only_the_truncated_query_over_tcp() -> None:
    assert seq("go", "big.ok.test.", "") == ["big.ok.test. A udp", "big.ok.test. AAAA udp"]
    assert seq("go", "huge.ok.test.", "") == [
        "huge.ok.test. A udp",
        "huge.ok.test. AAAA udp",
        "huge.ok.test. A tcp",
    ]


def test_musl_has_no_tcp_fallback() -> None:
    assert seq("musl", "big", "search ok.test") == PAIR_UDP
    _q, result, _c = lookup("musl", "big", "search ok.test")  # type: ignore[misc]
    assert not result.resolved and result.error == "EAI_NONAME"


def test_glibc_use_vc_sends_the_pair_on_one_connection_and_tries_each_server_once() -> None:
    body = "search slow.test ok.test\noptions use-vc single-request attempts:3 timeout:1"
    # One attempt at the silent server (not 3), the walk ends on the timeout,
    # then the name as is: each pair together in spite of single-request.
    assert seq("glibc", "www", body) == [
        "www.slow.test. A tcp",
        "www.slow.test. AAAA tcp",
        "www. A tcp",
        "www. AAAA tcp",
    ]
    _q, _result, cost = lookup("glibc", "www", body)  # type: ignore[misc]
    assert cost.round_trips == 2


def test_go_use_vc_keeps_its_attempts() -> None:
    body = "search slow.test ok.test\noptions use-vc attempts:2 timeout:1"
    assert seq("go", "www", body)[:4] == [
        "www.slow.test. A tcp",
        "www.slow.test. AAAA tcp",
        "www.slow.test. A tcp",
        "www.slow.test. AAAA tcp",
    ]


def test_glibc_no_aaaa_turns_an_aaaa_lookup_into_a_queries_that_find_nothing() -> None:
    body = "search nx.test ok.test\noptions no-aaaa"
    assert seq("glibc", "www", body, family="inet6") == [
        "www.nx.test. A udp",
        "www.ok.test. A udp",
        "www. A udp",
    ]
    _q, result, _c = lookup("glibc", "www", body, family="inet6")  # type: ignore[misc]
    assert not result.resolved and result.error == "EAI_NODATA"


def test_trace_json_marks_transport_and_tc() -> None:
    from netdiag.dns.resolver.report import to_json
    from netdiag.dns.resolver.trace import explain
    from tests.dns.fakes import demo_like_snapshot

    conf = parse("nameserver 10.0.0.1\nsearch ok.test\n")
    trace = explain(demo_like_snapshot(), "big", conf, per_query(model_backend(ZONE)))
    rows = to_json(trace)["queries"]
    assert [(r["transport"], r["truncated"]) for r in rows[:3]] == [
        ("udp", True),
        ("udp", False),
        ("tcp", False),
    ]
    assert any("getaddrinfo ran the lookup 2 times" in n for n in trace.notes)


def test_truncated_reply_equality_ignores_nothing() -> None:
    """A TC reply is not the same value as an empty NOERROR (NODATA) reply."""
    assert ZoneAnswer(rcode=Rcode.NOERROR, truncated=True) != ZoneAnswer(rcode=Rcode.NOERROR)


def test_text_output_counts_long_answer_lists() -> None:
    from netdiag.dns.resolver.report import render_text
    from netdiag.dns.resolver.trace import explain
    from tests.dns.fakes import demo_like_snapshot

    conf = parse("nameserver 10.0.0.1\nsearch ok.test\noptions edns0\n")
    text = render_text(explain(demo_like_snapshot(), "big", conf, per_query(model_backend(ZONE))))
    assert "198.18.0.5, … 35 more" in text  # 40 addresses: five shown, the rest counted
    assert "198.18.0.6," not in text
