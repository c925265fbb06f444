"""The port-set algebra on its own: laws (hypothesis), canonical form, rendering, parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netdiag.cluster.meta import Protocol
from netdiag.policy.ports import ALL, EMPTY, PortSet, parse_port_spec

ranges = st.tuples(st.integers(1, 300), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1]))
portsets = st.dictionaries(
    st.sampled_from(list(Protocol)), st.lists(ranges, max_size=4), max_size=3
).map(PortSet.from_ranges)
probe = st.tuples(st.sampled_from(list(Protocol)), st.integers(1, 400))


@given(portsets, portsets, probe)
def test_union_and_intersection_are_pointwise(
    a: PortSet, b: PortSet, p: tuple[Protocol, int]
) -> None:
    assert (a | b).contains(*p) == (a.contains(*p) or b.contains(*p))
    assert (a & b).contains(*p) == (a.contains(*p) and b.contains(*p))
    assert (a - b).contains(*p) == (a.contains(*p) and not b.contains(*p))
    assert (~a).contains(*p) == (not a.contains(*p))


@given(portsets, portsets, portsets)
def test_boolean_algebra_laws(a: PortSet, b: PortSet, c: PortSet) -> None:
    assert a | b == b | a and a & b == b & a
    assert (a | b) | c == a | (b | c)
    assert a & (b | c) == (a & b) | (a & c)
    assert ~(a | b) == ~a & ~b  # De Morgan
    assert ~~a == a
    assert a | ~a == ALL and (a & ~a).is_empty
    assert a | EMPTY == a and a & ALL == a
    assert (a - b).issubset(a) and not (a - b).overlaps(b)


@given(portsets)
def test_canonical_form_is_sorted_merged_and_disjoint(a: PortSet) -> None:
    for _proto, rng in a.items():
        for (lo1, hi1), (lo2, hi2) in zip(rng, rng[1:], strict=False):
            assert lo1 <= hi1 < lo2 - 1 <= hi2  # merged: not even adjacent
    assert PortSet.from_ranges(dict(a.items())) == a
    assert hash(PortSet.from_ranges(dict(a.items()))) == hash(a)


def test_adjacent_ranges_merge_and_equal_sets_are_equal() -> None:
    merged = PortSet.from_ranges({Protocol.TCP: [(80, 80), (81, 90), (85, 86)]})
    assert merged == PortSet.of(Protocol.TCP, 80, 90)


def test_rendering() -> None:
    web = (
        PortSet.of(Protocol.TCP, 80) | PortSet.of(Protocol.TCP, 443) | PortSet.of(Protocol.UDP, 53)
    )
    assert web.render() == "TCP 80,443 · UDP 53"
    assert PortSet.of(Protocol.TCP, 8000, 8080).render() == "TCP 8000-8080"
    assert PortSet.of(Protocol.TCP).render() == "all TCP"
    assert ALL.render() == "all" and EMPTY.render() == "none"
    assert (ALL - PortSet.of(Protocol.UDP)).render() == "all TCP · all SCTP"


def test_json_entries_follow_the_reachability_schema() -> None:
    ps = PortSet.of(Protocol.TCP) | PortSet.of(Protocol.UDP, 53) | PortSet.of(Protocol.SCTP, 80, 81)
    assert ps.to_json() == [
        {"protocol": "TCP"},
        {"protocol": "UDP", "port": 53},
        {"protocol": "SCTP", "port": 80, "end_port": 81},
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("80", PortSet.of(Protocol.TCP, 80)),
        ("53/udp", PortSet.of(Protocol.UDP, 53)),
        ("80/SCTP", PortSet.of(Protocol.SCTP, 80)),
        ("8000-8080/TCP", PortSet.of(Protocol.TCP, 8000, 8080)),
        ("udp", PortSet.of(Protocol.UDP)),
    ],
)
def test_parse_port_spec(spec: str, expected: PortSet) -> None:
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize("spec", ["http", "80/ICMP", "0", "70000", "90-80", "80/"])
def test_parse_port_spec_rejects(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_port_spec(spec)
