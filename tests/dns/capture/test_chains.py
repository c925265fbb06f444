"""Chain reconstruction and marks on scapy-generated traffic (through the real reader)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netdiag.dns.capture.chains import Chain, build_chains
from netdiag.dns.capture.pcap import read_dns
from netdiag.dns.capture.profile import detect
from tests.dns import capture_gen as gen


def chains_of(tmp_path: Path, pkts: list[Any]) -> list[Chain]:
    path = gen.write(tmp_path / "c.pcap", pkts)
    return build_chains(read_dns(str(path)))


def walk(chain: Chain) -> list[tuple[str, str, str]]:
    return [(e.qname, e.qtype, e.rcode) for e in chain.exchanges]


def test_short_name_found_in_first_domain(tmp_path: Path) -> None:
    pkts, _ = gen.glibc_lookup(1.0, "web", answer_at="web.default.svc.cluster.local.")
    [chain] = chains_of(tmp_path, pkts)
    assert walk(chain) == [
        ("web.default.svc.cluster.local.", "A", "NOERROR"),
        ("web.default.svc.cluster.local.", "AAAA", "NOERROR"),
    ]
    assert chain.outcome == "answer" and chain.queries == 2 and chain.marks == ()


def test_external_name_walks_the_search_list(tmp_path: Path) -> None:
    pkts, _ = gen.glibc_lookup(1.0, "baidu.com", answer_at="baidu.com.", addresses=("39.1.1.1",))
    [chain] = chains_of(tmp_path, pkts)
    assert chain.base == "baidu.com"
    assert [c.name for c in chain.candidates] == [
        "baidu.com.default.svc.cluster.local.",
        "baidu.com.svc.cluster.local.",
        "baidu.com.cluster.local.",
        "baidu.com.",
    ]
    assert [c.verdict for c in chain.candidates] == ["NXDOMAIN"] * 3 + ["answer"]
    assert chain.answered_by == "baidu.com." and chain.queries == 8
    assert detect(chain).consistent == ("glibc", "musl")


def test_lost_aaaa_retried_after_five_seconds_is_the_conntrack_race(tmp_path: Path) -> None:
    name = "api.default.svc.cluster.local."
    pkts = [
        gen.query(1.0, name, "A", qid=7),
        gen.query(1.00005, name, "AAAA", qid=8),  # dropped by conntrack: no answer
        gen.response(1.001, name, "A", qid=7, answers=("10.96.3.3",)),
        gen.query(6.0001, name, "AAAA", qid=8),
        gen.response(6.001, name, "AAAA", qid=8),
    ]
    [chain] = chains_of(tmp_path, pkts)
    a, aaaa = chain.exchanges
    assert a.marks == [] and len(aaaa.attempts) == 2
    assert set(aaaa.marks) == {"retransmit", "conntrack-race"}
    assert chain.duration > 5 and chain.outcome == "answer"
    assert "musl" not in detect(chain).consistent  # 5 s, not musl's 2.5 s


def test_plain_retransmit_without_partner_is_not_the_race(tmp_path: Path) -> None:
    name = "api.default.svc.cluster.local."
    pkts = [
        gen.query(1.0, name, "A", qid=7),
        gen.query(6.0, name, "A", qid=7),
        gen.response(6.001, name, "A", qid=7, answers=("10.96.3.3",)),
        gen.response(6.002, name, "A", qid=7, answers=("10.96.3.3",)),  # duplicate answer
    ]
    [chain] = chains_of(tmp_path, pkts)
    assert chain.marks == ("retransmit",)


def test_unanswered_lookup(tmp_path: Path) -> None:
    name = "db.default.svc.cluster.local."
    pkts = [gen.query(1.0, name, "A", qid=1), gen.query(1.0001, name, "AAAA", qid=2)]
    [chain] = chains_of(tmp_path, pkts)
    assert chain.outcome == "TIMEOUT" and "unanswered" in chain.marks


def test_truncated_answer_retried_over_tcp(tmp_path: Path) -> None:
    name = "big.default.svc.cluster.local."
    pkts = [
        gen.query(1.0, name, "A", qid=9),
        gen.response(1.001, name, "A", qid=9, tc=True),
        *gen.tcp_exchange(1.002, name, "A", qid=10, answers=("10.0.0.1", "10.0.0.2"), split=True),
    ]
    [chain] = chains_of(tmp_path, pkts)
    [ex] = chain.exchanges
    assert set(ex.marks) == {"truncated", "tcp-retry"}
    assert ex.answers == ("10.0.0.1", "10.0.0.2")
    assert [a.transport for a in ex.attempts] == ["udp", "tcp"]


def test_servfail_then_next_candidate_rules_out_musl(tmp_path: Path) -> None:
    n1, n2 = "x.default.svc.cluster.local.", "x.svc.cluster.local."
    pkts = [
        gen.query(1.0, n1, "A", qid=1),
        gen.response(1.001, n1, "A", qid=1, rcode=2),
        gen.query(1.002, n1, "A", qid=1),  # glibc attempts:2 resends on SERVFAIL
        gen.response(1.003, n1, "A", qid=1, rcode=2),
        gen.query(1.004, n2, "A", qid=2),
        gen.response(1.005, n2, "A", qid=2, answers=("10.1.1.1",)),
    ]
    [chain] = chains_of(tmp_path, pkts)
    assert [c.verdict for c in chain.candidates] == ["SERVFAIL", "answer"]
    assert {"servfail", "servfail-retry"} <= set(chain.marks)
    assert detect(chain).consistent == ("glibc",)


def test_go_pair_on_separate_sockets_with_edns(tmp_path: Path) -> None:
    name = "web.default.svc.cluster.local."
    pkts = [
        gen.query(1.0, name, "AAAA", qid=1, sport=50001, edns=1232),
        gen.query(1.0001, name, "A", qid=2, sport=50002, edns=1232),
        gen.response(1.001, name, "A", qid=2, sport=50002, answers=("10.9.9.9",)),
        gen.response(1.002, name, "AAAA", qid=1, sport=50001),
    ]
    [chain] = chains_of(tmp_path, pkts)
    assert len(chain.candidates) == 1 and chain.ports == (50001, 50002)
    found = detect(chain)
    assert found.profile == "go" and found.reasons


def test_musl_queries_every_nameserver_at_once(tmp_path: Path) -> None:
    name = "web.default.svc.cluster.local."
    pkts = [
        gen.query(1.0, name, "A", qid=1, server="10.96.0.10"),
        gen.query(1.0001, name, "A", qid=1, server="10.96.0.11"),
        gen.response(1.001, name, "A", qid=1, server="10.96.0.10", answers=("10.9.9.9",)),
    ]
    [chain] = chains_of(tmp_path, pkts)
    assert "parallel-nameservers" in chain.marks and "retransmit" not in chain.marks
    assert detect(chain).profile == "musl"


def test_clients_and_successive_lookups_stay_apart(tmp_path: Path) -> None:
    a, t = gen.glibc_lookup(1.0, "baidu.com", answer_at="baidu.com.", client="10.244.1.7")
    b, _ = gen.glibc_lookup(
        1.0005, "baidu.com", answer_at="baidu.com.", client="10.244.2.9", sport=41000
    )
    c, _ = gen.glibc_lookup(t + 0.01, "web", answer_at="web.default.svc.cluster.local.")
    chains = chains_of(tmp_path, a + b + c)
    assert [(ch.client, ch.base, ch.queries) for ch in chains] == [
        ("10.244.1.7", "baidu.com", 8),
        ("10.244.2.9", "baidu.com", 8),
        ("10.244.1.7", "web.default.svc.cluster.local", 2),
    ]


def test_two_lookups_of_the_same_name_are_two_chains(tmp_path: Path) -> None:
    a, t = gen.glibc_lookup(1.0, "web", answer_at="web.default.svc.cluster.local.")
    b, _ = gen.glibc_lookup(t + 0.001, "web", answer_at="web.default.svc.cluster.local.", qid=300)
    chains = chains_of(tmp_path, a + b)
    assert [ch.queries for ch in chains] == [2, 2]


def test_aaaa_sent_after_the_a_answer_still_joins_the_pair(tmp_path: Path) -> None:
    name = "web.default.svc.cluster.local."
    pkts = [
        gen.query(1.0, name, "A", qid=1),
        gen.response(1.0005, name, "A", qid=1, answers=("10.9.9.9",)),
        gen.query(1.002, name, "AAAA", qid=2),  # scheduled late: after A's answer
        gen.response(1.0025, name, "AAAA", qid=2),
    ]
    [chain] = chains_of(tmp_path, pkts)
    assert [e.qtype for e in chain.exchanges] == ["A", "AAAA"]
