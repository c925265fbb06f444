"""The resolver profiles (glibc, musl, Go) against a predictable fake zone.

Expected sequences follow docs/resolver-behaviour.md (measured) and the
libraries' sources; test_differential.py holds them against the real libraries.
"""

from __future__ import annotations

import pytest

from netdiag.dns.records import Rcode
from netdiag.dns.resolver.driver import model_backend, per_query, run
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.resolvconf import parse
from netdiag.dns.resolver.search import Verdict, validate_name
from netdiag.errors import InputError
from tests.dns.fakes import FakeZone

ZONE = FakeZone(
    {
        "www.ok.test.": {"A": ("198.18.1.1",), "AAAA": ("2001:db8::1",)},
        "v4.ok.test.": {"A": ("198.18.1.4",)},
        "www.nodata.test.": {"TXT": ('"x"',)},
        "a.b.": {},
        "srv.ok.test.": {"SRV": ("0 0 80 www.ok.test.",)},
    },
    faults={
        "www.sf.test.": Rcode.SERVFAIL,
        "www.slow.test.": Rcode.TIMEOUT,
        "www.refused.test.": Rcode.REFUSED,
    },
)


def trace(resolver: str, name: str, conf_text: str, **kw: object) -> tuple[list[str], object]:
    res = start(resolver, name, parse(conf_text), **kw)  # type: ignore[arg-type]
    queries, result, _cost = run(res, per_query(model_backend(ZONE)))
    return [f"{q.name} {q.type}" for q in queries], result


def names(seq: list[str]) -> list[str]:
    out: list[str] = []
    for item in seq:
        name = item.split()[0]
        if not out or out[-1] != name:
            out.append(name)
    return out


@pytest.mark.parametrize(
    ("resolver", "expected", "resolved"),
    [
        ("glibc", ["www.nodata.test.", "www.ok.test."], True),  # NODATA: next
        ("musl", ["www.nodata.test."], False),  # NODATA: stop, EAI_NONAME
        ("go", ["www.nodata.test.", "www.ok.test."], True),
    ],
)
def test_nodata_on_a_search_candidate(resolver: str, expected: list[str], resolved: bool) -> None:
    seq, result = trace(resolver, "www", "nameserver 10.0.0.1\nsearch nodata.test ok.test\n")
    assert names(seq) == expected
    assert result.resolved is resolved  # type: ignore[attr-defined]


def test_servfail_glibc_retries_the_pair_then_moves_on() -> None:
    seq, result = trace("glibc", "www", "nameserver 10.0.0.1\nsearch sf.test ok.test\n")
    assert seq[:4] == ["www.sf.test. A", "www.sf.test. AAAA"] * 2  # attempts:2
    assert names(seq) == ["www.sf.test.", "www.ok.test."]
    assert result.resolved  # type: ignore[attr-defined]


def test_servfail_musl_resends_then_gives_up_with_eai_again() -> None:
    seq, result = trace(
        "musl", "www", "nameserver 10.0.0.1\nsearch sf.test ok.test\noptions attempts:1\n"
    )
    assert names(seq) == ["www.sf.test."]
    assert len(seq) == 6  # the pair + 2 x nq immediate SERVFAIL retries
    assert result.error == "EAI_AGAIN"  # type: ignore[attr-defined]


def test_servfail_go_tries_every_attempt_then_next() -> None:
    seq, result = trace("go", "www", "nameserver 10.0.0.1\nsearch sf.test ok.test\n")
    assert sorted(seq[:4]) == sorted(["www.sf.test. A", "www.sf.test. AAAA"] * 2)
    assert result.winner == "www.ok.test."  # type: ignore[attr-defined]


def test_timeout_glibc_stops_the_search_but_tries_the_absolute_name() -> None:
    seq, result = trace(
        "glibc", "www", "nameserver 10.0.0.1\nsearch slow.test ok.test\noptions attempts:1\n"
    )
    assert names(seq) == ["www.slow.test.", "www."]
    assert not result.resolved  # type: ignore[attr-defined]


def test_refused_glibc_stops_search_go_moves_on() -> None:
    conf = "nameserver 10.0.0.1\nsearch refused.test ok.test\noptions attempts:1\n"
    assert names(trace("glibc", "www", conf)[0]) == ["www.refused.test.", "www."]
    assert names(trace("go", "www", conf)[0]) == ["www.refused.test.", "www.ok.test."]


@pytest.mark.parametrize(
    ("resolver", "expected"),
    [
        ("glibc", ["a.b.", "a.b.ok.test.", "a.b.nx.test."]),
        ("musl", ["a.b."]),  # dots >= ndots: the search list is not used at all
        ("go", ["a.b.", "a.b.ok.test.", "a.b.nx.test."]),
    ],
)
def test_dots_at_least_ndots(resolver: str, expected: list[str]) -> None:
    zone_miss = "nameserver 10.0.0.1\nsearch ok.test nx.test\noptions ndots:1\n"
    seq, _ = trace(resolver, "a.b", zone_miss)
    assert names(seq)[: len(expected)] == expected


def test_trailing_dot_is_one_candidate_everywhere() -> None:
    for resolver in ("glibc", "musl", "go"):
        seq, _ = trace(resolver, "www.", "nameserver 10.0.0.1\nsearch ok.test\noptions ndots:5\n")
        assert names(seq) == ["www."]


@pytest.mark.parametrize(
    ("family", "types"), [("unspec", ["A", "AAAA"]), ("inet", ["A"]), ("inet6", ["AAAA"])]
)
def test_families(family: str, types: list[str]) -> None:
    seq, _ = trace("glibc", "www.ok.test.", "nameserver 10.0.0.1\n", family=family)
    assert [s.split()[1] for s in seq] == types


def test_no_aaaa_is_glibc_only() -> None:
    conf = "nameserver 10.0.0.1\noptions no-aaaa\n"
    assert len(trace("glibc", "www.ok.test.", conf)[0]) == 1
    assert len(trace("musl", "www.ok.test.", conf)[0]) == 2
    assert len(trace("go", "www.ok.test.", conf)[0]) == 2


def test_type_search_and_musl_res_search_is_res_query() -> None:
    conf = "nameserver 10.0.0.1\nsearch nx.test ok.test\n"
    seq, result = trace("glibc", "srv", conf, rtype="SRV")
    assert seq == ["srv.nx.test. SRV", "srv.ok.test. SRV"]
    assert result.resolved  # type: ignore[attr-defined]
    assert trace("musl", "srv", conf, rtype="SRV")[0] == ["srv. SRV"]


def test_v4_only_candidate_wins() -> None:
    seq, result = trace("glibc", "v4", "nameserver 10.0.0.1\nsearch ok.test nx.test\n")
    assert names(seq) == ["v4.ok.test."]
    assert [r.data for r in result.records] == ["198.18.1.4"]  # type: ignore[attr-defined]


def test_glibc_rotate_alternates_servers_per_candidate_musl_asks_all() -> None:
    conf = "nameserver 10.0.0.1\nnameserver 10.0.0.2\nsearch nx.test ok.test\noptions rotate\n"
    res = start("glibc", "www", parse(conf))
    queries, _, _ = run(res, per_query(model_backend(ZONE)))
    assert [q.nameserver for q in queries] == ["10.0.0.1"] * 2 + ["10.0.0.2"] * 2
    res = start("musl", "www", parse(conf))
    queries, _, cost = run(res, per_query(model_backend(ZONE)))
    assert {q.nameserver for q in queries} == {"10.0.0.1", "10.0.0.2"}
    assert len(queries) == 8 and cost.round_trips == 2


def test_single_request_sends_the_pair_one_after_the_other() -> None:
    res = start("glibc", "www.ok.test.", parse("nameserver 10.0.0.1\noptions single-request\n"))
    _, _, cost = run(res, per_query(model_backend(ZONE)))
    assert cost.round_trips == 2 and cost.queries == 2


def test_candidate_verdicts_are_reported() -> None:
    _, result = trace("glibc", "www", "nameserver 10.0.0.1\nsearch nx.test nodata.test ok.test\n")
    assert result.candidates == (  # type: ignore[attr-defined]
        ("www.nx.test.", Verdict.NXDOMAIN),
        ("www.nodata.test.", Verdict.NODATA),
        ("www.ok.test.", Verdict.ANSWERED),
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a" * 64 + ".test", "over 63 octets"),
        (".".join(["abcdefghi"] * 26), "the limit is 253"),
        ("a..b", "empty label"),
        (".a", "empty label"),
        ("", "empty name"),
        (".", "empty name"),
    ],
)
def test_invalid_names(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_name(name)


def test_unknown_resolver_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown resolver"):
        start("bionic", "x", parse(""))


def test_glibc_rotate_says_where_the_trace_starts() -> None:
    """glibc picks the first server at random per process: the trace says which it assumed."""
    from netdiag.dns.resolver.profiles import config_for

    two = parse("nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions rotate\n")
    assert any("random nameserver" in n for n in config_for("glibc", two).notes)
    one = parse("nameserver 10.0.0.1\noptions rotate\n")
    assert not config_for("glibc", one).notes
