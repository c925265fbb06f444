"""The upstream zone model and the zone-file edge."""

from __future__ import annotations

import pytest

from netdiag.dns.records import Rcode
from netdiag.dns.zone.upstream import UpstreamZone, parse_zone_text
from netdiag.errors import InputError
from tests.dns.zonefixtures import upstream


@pytest.fixture(scope="module")
def up() -> UpstreamZone:
    return upstream()


def test_several_zones_in_one_file(up: UpstreamZone) -> None:
    assert up.apexes == ("shifen.com.", "baidu.com.")
    assert up.source == "upstream.zone"


def test_exact_answer_and_ttl(up: UpstreamZone) -> None:
    answer = up.query("baidu.com.", "A")
    assert answer is not None and answer.rcode is Rcode.NOERROR
    assert sorted((r.data, r.ttl) for r in answer.answers) == [
        ("110.242.68.66", 600),
        ("39.156.66.10", 600),
    ]


def test_nodata_carries_the_zone_soa(up: UpstreamZone) -> None:
    answer = up.query("baidu.com.", "AAAA")
    assert answer is not None and answer.is_nodata
    assert [r.name for r in answer.authority] == ["baidu.com."]


def test_nxdomain_inside_a_zone(up: UpstreamZone) -> None:
    answer = up.query("nope.baidu.com.", "A")
    assert answer is not None and answer.rcode is Rcode.NXDOMAIN
    assert [r.type for r in answer.authority] == ["SOA"]


def test_empty_non_terminal_is_nodata(up: UpstreamZone) -> None:
    answer = up.query("sub.baidu.com.", "A")
    assert answer is not None and answer.is_nodata


def test_cname_is_followed_across_zones(up: UpstreamZone) -> None:
    answer = up.query("www.baidu.com.", "A")
    assert answer is not None
    assert [(r.type, r.data) for r in answer.answers] == [
        ("CNAME", "www.a.shifen.com."),
        ("A", "110.242.68.3"),
    ]
    only = up.query("www.baidu.com.", "CNAME")
    assert only is not None and [r.type for r in only.answers] == ["CNAME"]


def test_wildcard_at_the_closest_encloser(up: UpstreamZone) -> None:
    answer = up.query("anything.wild.shifen.com.", "A")
    assert answer is not None
    assert [(r.name, r.data) for r in answer.answers] == [("anything.wild.shifen.com.", "10.9.9.9")]


def test_names_outside_every_zone_are_not_answered(up: UpstreamZone) -> None:
    assert up.query("google.com.", "A") is None


def test_faults_force_an_rcode(up: UpstreamZone) -> None:
    faulty = up.with_faults({"baidu.com.": Rcode.SERVFAIL})
    answer = faulty.query("baidu.com.", "A")
    assert answer is not None and answer.rcode is Rcode.SERVFAIL
    assert faulty.query("www.baidu.com.", "CNAME") is not None


def test_relative_names_use_the_origin_hint() -> None:
    zone = parse_zone_text("@ 60 IN SOA ns h 1 2 3 4 5\nwww 60 IN A 192.0.2.1\n", "example.org.")
    answer = zone.query("www.example.org.", "A")
    assert answer is not None and [r.data for r in answer.answers] == ["192.0.2.1"]


def test_bad_zone_file_names_file_and_line() -> None:
    text = "$ORIGIN example.org.\n@ 60 IN SOA ns h 1 2 3 4 5\nwww 60 IN BOGUS 1\n"
    with pytest.raises(InputError, match=r"bad\.zone:3: unknown rdatatype 'BOGUS'"):
        parse_zone_text(text, filename="bad.zone")
    # dnspython reports rdata errors once it has read the line's end.
    text = "$ORIGIN example.org.\n@ 60 IN SOA ns h 1 2 3 4 5\nwww 60 IN A not-an-ip\n"
    with pytest.raises(InputError, match=r"bad\.zone:\d+: "):
        parse_zone_text(text, filename="bad.zone")


def test_zone_file_without_soa_is_refused() -> None:
    with pytest.raises(InputError, match="no SOA"):
        parse_zone_text("$ORIGIN example.org.\nwww 60 IN A 192.0.2.1\n", filename="x.zone")


def _state(zone: UpstreamZone) -> tuple[object, ...]:
    # records and faults are compare=False: compare every field by hand.
    return (dict(zone.records), dict(zone.faults), zone.apexes, zone.existing, zone.source)


def test_json_form_round_trips_records_faults_and_source(up: UpstreamZone) -> None:
    import json

    faulty = up.with_faults({"Slow.baidu.com.": Rcode.TIMEOUT, "x.shifen.com.": Rcode.SERVFAIL})
    for zone in (up, faulty):
        again = UpstreamZone.from_json(json.loads(json.dumps(zone.to_json())))
        assert _state(again) == _state(zone)
        assert again.query("slow.baidu.com.", "A") == zone.query("slow.baidu.com.", "A")
    assert UpstreamZone.from_json(faulty.to_json()).faults["slow.baidu.com."] is Rcode.TIMEOUT
