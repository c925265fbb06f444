"""Address parsing and zone assembly: the upstream settings of a source."""

from __future__ import annotations

import pytest

from netdiag.app.source import Source
from netdiag.app.upstream import build_zone, parse_hostport
from netdiag.errors import UsageError
from tests.dns.zonefixtures import snapshot


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("[::1]:5353", ("::1", 5353)),
        ("[::1]", ("::1", 53)),
        ("::1", ("::1", 53)),
        ("dns.example:53", ("dns.example", 53)),
    ],
)
def test_parse_hostport(text: str, expected: tuple[str, int]) -> None:
    assert parse_hostport(text, 53, flag="--upstream") == expected


@pytest.mark.parametrize("text", ["127.0.0.1:x", "127.0.0.1:70000", ":53", "[::1", "[::1]x"])
def test_parse_hostport_errors_name_the_flag(text: str) -> None:
    with pytest.raises(UsageError, match="--listen"):
        parse_hostport(text, 53, flag="--listen")


def test_manifests_without_upstream_flags_state_the_assumption() -> None:
    zone = build_zone(snapshot(), Source(cluster=("x.yaml",)))
    assert zone.upstream is None and zone.forwarder is None
    assert zone.assumption.startswith("no upstream zone given")


def test_demo_gets_its_upstream_zone() -> None:
    zone = build_zone(snapshot(), Source())
    assert zone.upstream is not None and zone.upstream.source == "demo/upstream.zone"
    assert [r.data for r in zone.query("www.baidu.com", "CNAME").answers] == ["www.a.shifen.com."]
