"""Why resolvers look alike for a chain, and what would tell them apart (by replay)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netdiag.dns.capture import explain as chainexplain
from netdiag.dns.capture.chains import Chain, build_chains
from netdiag.dns.capture.explain import explain, separator_text, why_text
from netdiag.dns.capture.pcap import read_dns
from netdiag.dns.capture.predict import predict
from netdiag.dns.capture.profile import Explanation, detect
from tests.dns import capture_gen as gen
from tests.helpers import run_cli

SEARCH = gen.SEARCH


_pair = gen.pair


def _chains(tmp_path: Path, pkts: list[Any]) -> list[Chain]:
    return build_chains(read_dns(str(gen.write(tmp_path / "p.pcap", pkts))))


def _explain(chain: Chain, ndots: int | None = 5) -> Explanation:
    found = detect(chain, search=SEARCH, ndots=ndots, predict=predict)
    e = explain(chain, found, search=SEARCH, ndots=ndots, predict=predict)
    assert e is not None
    return e


def _external(tmp_path: Path, name: str = "baidu.com") -> Chain:
    pkts, _ = gen.glibc_lookup(1.0, name, answer_at=f"{name}.", addresses=("39.156.66.10",))
    [chain] = build_chains(read_dns(str(gen.write(tmp_path / f"{name}.pcap", pkts))))
    return chain


def test_undecided_chain_says_why_and_what_would_separate(tmp_path: Path) -> None:
    e = _explain(_external(tmp_path))
    assert e.same_walk == ("glibc", "musl")  # no EDNS0 already ruled Go out
    assert why_text(e) == (
        "glibc and musl send the same 8 queries for baidu.com (search default.svc.cluster.local "
        "svc.cluster.local cluster.local, ndots:5) given the answers captured"
    )
    assert e.decided_by == ()  # Go's walk is the same: transport, not the walk, ruled it out
    first = e.separators[0]
    assert (first.kind, first.name, first.index) == (
        "answer",
        "baidu.com.default.svc.cluster.local.",
        1,
    )
    assert first.outcomes == ("NODATA", "SERVFAIL")  # musl stops at either (lookup_name.c)
    assert dict(first.next) == {"glibc": "baidu.com.svc.cluster.local.", "musl": None}
    assert separator_text(first) == (
        "NODATA or SERVFAIL for baidu.com.default.svc.cluster.local. "
        "(glibc then asks baidu.com.svc.cluster.local.; musl stops)"
    )
    # Every search candidate separates them; the absolute name and a trailing dot do not:
    # both libraries send the absolute name alone then.
    assert [s.name for s in e.separators if "NODATA" in s.outcomes] == [
        f"baidu.com.{s}." for s in SEARCH
    ]
    assert {s.kind for s in e.separators} == {"answer"}
    assert all(s.name != "baidu.com." for s in e.separators)


def test_decided_chain_says_which_candidate_ruled_musl_out(tmp_path: Path) -> None:
    pkts = _pair(1.0, "six.default.svc.cluster.local.", 3, 1)
    pkts += _pair(1.002, "six.svc.cluster.local.", 0, 3)  # namespace "six" exists: NODATA
    pkts += _pair(1.004, "six.cluster.local.", 3, 5)
    pkts += _pair(1.006, "six.", 0, 7, answers=("198.18.0.6",))
    [chain] = _chains(tmp_path, pkts)
    e = _explain(chain)
    assert e.same_walk == ("glibc",) and why_text(e) is None and e.separators == ()
    [musl] = e.decided_by
    assert (musl.profile, musl.index, musl.after, musl.after_verdict) == (
        "musl", 2, "six.svc.cluster.local.", "NODATA")  # fmt: skip
    assert (musl.captured, musl.predicted) == ("six.cluster.local.", None)
    assert chainexplain.divergence_text(musl) == (
        "after NODATA for six.svc.cluster.local. musl would stop; "
        "the capture goes on to six.cluster.local."
    )


def test_a_lookup_that_fails_everywhere_is_told_apart_by_ndots(tmp_path: Path) -> None:
    pkts: list[Any] = []
    for i, cand in enumerate([f"nope.{s}." for s in SEARCH] + ["nope."]):
        pkts += _pair(1.0 + i * 0.002, cand, 3, 1 + 2 * i)
    [chain] = _chains(tmp_path, pkts)
    e = _explain(chain)
    assert e.same_walk == ("glibc", "musl")
    [ndots] = [s for s in e.separators if s.kind == "ndots"]
    # ndots:0: both try "nope." first; then glibc still searches, musl gives up.
    assert (ndots.ndots, ndots.index) == (0, 1)
    assert dict(ndots.next) == {"glibc": "nope.default.svc.cluster.local.", "musl": None}
    # After the last search domain even a timeout sends glibc on to the absolute name.
    last = [s for s in e.separators if s.name == "nope.cluster.local."]
    assert [separator_text(s) for s in last] == [
        "NODATA, SERVFAIL or no answer (timeout) for nope.cluster.local. "
        "(glibc then asks nope.; musl stops)"
    ]


def test_unknown_ndots_is_stated_as_the_class_that_fits(tmp_path: Path) -> None:
    e = _explain(_external(tmp_path), ndots=None)
    assert e.ndots == "ndots ≥ 2"  # baidu.com has one dot and was searched first
    assert "ndots ≥ 2) given" in (why_text(e) or "")


def test_chains_of_one_shape_share_replays_and_keep_their_names(tmp_path: Path) -> None:
    chainexplain._MEMO.clear()
    a = _explain(_external(tmp_path, "baidu.com"))
    b = _explain(_external(tmp_path, "weibo.com"))
    assert len(chainexplain._MEMO) == 1  # same label lengths, dots and answers: one replay
    assert b.base == "weibo.com" and b.separators[0].name == "weibo.com.default.svc.cluster.local."
    chainexplain._MEMO.clear()
    fresh = _explain(_external(tmp_path, "weibo.com"))
    assert fresh == b and a != b


def test_no_search_list_no_explanation(tmp_path: Path) -> None:
    chain = _external(tmp_path)
    found = detect(chain)
    assert explain(chain, found, search=None, ndots=None, predict=predict) is None


@pytest.mark.parametrize("output", ["json", "text"])
def test_capture_report_carries_the_explanation(tmp_path: Path, output: str) -> None:
    a, t = gen.glibc_lookup(1.0, "baidu.com", answer_at="baidu.com.")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 10.96.0.10\nsearch " + " ".join(SEARCH) + "\noptions ndots:5\n")
    path = gen.write(tmp_path / "c.pcap", a)
    result = run_cli(
        ["dns", "capture", "-r", str(path), "--resolv-conf", str(resolv), "-o", output]
    )
    assert result.exit_code == 0, result.stderr
    if output == "text":
        assert "  undecided: glibc and musl send the same 8 queries for baidu.com" in result.stdout
        assert "  would tell apart: NODATA or SERVFAIL for baidu.com.default" in result.stdout
        return
    [chain] = json.loads(result.stdout)["chains"]
    e = chain["profile_explanation"]
    assert chain["consistent_profiles"] == e["same_walk"] == ["glibc", "musl"]
    assert e["ndots"] == "ndots:5" and e["search"] == list(SEARCH) and e["decided_by"] == []
    assert e["would_separate"][0] == {
        "kind": "answer",
        "name": "baidu.com.default.svc.cluster.local.",
        "outcomes": ["NODATA", "SERVFAIL"],
        "ndots": None,
        "index": 1,
        "next": {"glibc": "baidu.com.svc.cluster.local.", "musl": None},
        "text": "NODATA or SERVFAIL for baidu.com.default.svc.cluster.local. "
        "(glibc then asks baidu.com.svc.cluster.local.; musl stops)",
    }
    # backward compatible: the v1 fields are all still there, unchanged in kind
    for key in ("profile", "consistent_profiles", "profile_reasons", "queries", "marks"):
        assert key in chain


@pytest.mark.parametrize(
    "name",
    [
        "baidu.com",
        "x",
        "a-1.b2.c3",
        "k8s-api.internal.example",
        # long enough that some search candidates pass the 253-octet limit
        ".".join(["l" * 60, "m" * 60, "n" * 60, "o" * 48]),
    ],
)
@pytest.mark.parametrize("answered", [True, False])
def test_replay_by_shape_equals_replaying_the_name_itself(
    tmp_path: Path, name: str, answered: bool
) -> None:
    pkts: list[Any] = []
    cands = [f"{name}.{s}." for s in SEARCH if len(name) + len(s) + 1 <= 253] + [f"{name}."]
    for i, cand in enumerate(cands):
        hit = answered and cand == f"{name}."
        pkts += _pair(
            1.0 + i * 0.002, cand, 0 if hit else 3, 1 + 2 * i, ("10.0.0.1",) if hit else ()
        )
    [chain] = _chains(tmp_path, pkts)
    found = detect(chain, search=SEARCH, ndots=5, predict=predict)
    args: dict[str, Any] = {"search": SEARCH, "ndots": 5, "predict": predict}
    chainexplain._MEMO.clear()
    explain(chain, found, **args)  # memoised under its shape…
    by_shape = explain(chain, found, **args)  # …and served from there
    assert by_shape == explain(chain, found, by_shape=False, **args)


def test_a_root_query_is_reported_not_replayed(tmp_path: Path) -> None:
    """``dig . NS`` in a capture: no stub resolver searches the root, so no replay."""
    pkts = [gen.query(1.0, ".", "NS", qid=1), gen.response(1.001, ".", "NS", qid=1)]
    pkts += _pair(2.0, "web.default.svc.cluster.local.", 0, 5, ("10.0.0.1",))
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 10.96.0.10\nsearch " + " ".join(SEARCH) + "\noptions ndots:5\n")
    path = gen.write(tmp_path / "root.pcap", pkts)
    result = run_cli(
        ["dns", "capture", "-r", str(path), "--resolv-conf", str(resolv), "-o", "json"]
    )
    assert result.exit_code == 0, result.stderr
    root, web = json.loads(result.stdout)["chains"]
    assert root["profile_explanation"] is None
    assert root["profile_reasons"][-1] == "search walk not replayed: invalid name '': empty name"
    assert web["profile_explanation"]["same_walk"] == ["glibc", "musl"]
