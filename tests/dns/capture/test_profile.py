"""Resolver detection: captured walks compared with the real search profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netdiag.dns.capture.chains import Chain, build_chains
from netdiag.dns.capture.pcap import read_dns
from netdiag.dns.capture.predict import predict
from netdiag.dns.capture.profile import base_name, detect, infer_search
from tests.dns import capture_gen as gen

SEARCH = gen.SEARCH


_pair = gen.pair


def _chain(tmp_path: Path, pkts: list[Any]) -> Chain:
    [chain] = build_chains(read_dns(str(gen.write(tmp_path / "p.pcap", pkts))))
    return chain


def test_walk_that_stops_at_nodata_is_musl(tmp_path: Path) -> None:
    pkts = _pair(1.0, "six.default.svc.cluster.local.", 3, 1)
    pkts += _pair(1.002, "six.svc.cluster.local.", 0, 3)  # namespace "six" exists: NODATA
    found = detect(_chain(tmp_path, pkts), search=SEARCH, ndots=5, predict=predict)
    assert found.profile == "musl", found.reasons


def test_walk_past_nodata_is_glibc_or_go(tmp_path: Path) -> None:
    pkts = _pair(1.0, "six.default.svc.cluster.local.", 3, 1)
    pkts += _pair(1.002, "six.svc.cluster.local.", 0, 3)
    pkts += _pair(1.004, "six.cluster.local.", 3, 5)
    pkts += _pair(1.006, "six.", 0, 7, answers=("198.18.0.6",))
    found = detect(_chain(tmp_path, pkts), search=SEARCH, ndots=5, predict=predict)
    assert found.consistent == ("glibc",)  # no EDNS0 rules Go out; the walk rules musl out


def test_many_dots_absolute_only_is_musl(tmp_path: Path) -> None:
    pkts = _pair(1.0, "a.b.c.d.e.missing.example.", 3, 1)
    found = detect(_chain(tmp_path, pkts), search=SEARCH, ndots=5, predict=predict)
    assert found.profile == "musl"


def test_many_dots_absolute_then_search_is_not_musl(tmp_path: Path) -> None:
    name = "a.b.c.d.e.missing.example"
    pkts = _pair(1.0, f"{name}.", 3, 1)
    for i, suffix in enumerate(SEARCH):
        pkts += _pair(1.002 + i * 0.002, f"{name}.{suffix}.", 3, 10 + 2 * i)
    chain = _chain(tmp_path, pkts)
    assert base_name(chain, SEARCH) == name
    found = detect(chain, search=SEARCH, ndots=None, predict=predict)
    assert "musl" not in found.consistent and "glibc" in found.consistent


def test_base_name_strips_the_first_search_domain(tmp_path: Path) -> None:
    chain = _chain(tmp_path, _pair(1.0, "web.default.svc.cluster.local.", 0, 1, ("10.0.0.1",)))
    assert base_name(chain, SEARCH) == "web"
    assert base_name(chain, None) == "web.default.svc.cluster.local"


def test_infer_search_from_the_longest_walk(tmp_path: Path) -> None:
    a, t = gen.glibc_lookup(1.0, "baidu.com", answer_at="baidu.com.")
    b, _ = gen.glibc_lookup(t + 0.01, "web", answer_at="web.svc.cluster.local.", qid=300)
    chains = build_chains(read_dns(str(gen.write(tmp_path / "w.pcap", a + b))))
    assert infer_search(chains) == {gen.CLIENT: SEARCH}
