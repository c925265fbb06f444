"""The live driver against netdiag's real server yields what the model predicts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.dns.resolver.live import parse_nameserver, send_batch
from netdiag.dns.resolver.resolvconf import build
from netdiag.dns.resolver.trace import trace_name
from netdiag.errors import InputError
from tests.dns.differential_zone import differential_snapshot, differential_zone


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from netdiag.dns.server.loop import DnsServer

    with DnsServer(differential_zone(), [("127.0.0.1", 0)]) as srv:
        host, port = srv.addresses[0]
        yield f"{host}:{port}"


NAMES = st.sampled_from(
    [
        "www",
        "v4",
        "baidu.com",
        "tke-six-six-six",
        "tke-six-six-six.kube-system",
        "a.b.example.test",
        "a.b",
        "missing",
        "www.ok.test.",
        "x1.x2.x3.x4.x5.missing.test",
        # big answers: TC over UDP, TCP repeats, getaddrinfo's buffer re-runs
        "big",
        "huge.ok.test",
        "a26",
        "v6many",
        "alias",
    ]
)
OPTIONS = st.lists(st.sampled_from(["edns0", "use-vc", "single-request", "no-aaaa"]), unique=True)
SEARCH = st.lists(
    st.sampled_from(
        [
            "nx.test",
            "ok.test",
            "nodata.test",
            "sf.test",
            "example.test",
            "default.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local",
        ]
    ),
    max_size=4,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(("glibc", "musl", "go")),
    NAMES,
    SEARCH,
    st.integers(0, 5),
    st.sampled_from(("unspec", "inet", "inet6")),
    OPTIONS,
)
def test_model_and_live_drivers_yield_the_same_sequence(
    server: str,
    resolver: str,
    name: str,
    search: list[str],
    ndots: int,
    family: str,
    options: list[str],
) -> None:
    conf = build(
        nameservers=("127.0.0.1",),
        search=tuple(search),
        options=(f"ndots:{ndots}", "timeout:1", "attempts:1", *options),
    )
    snapshot = differential_snapshot()
    live = trace_name(
        snapshot,
        name,
        resolver=resolver,
        family=family,
        resolv_conf=conf,
        send=send_batch,
        nameservers=(server,),
    )
    model = trace_name(
        snapshot, name, resolver=resolver, family=family, resolv_conf=conf, zone=differential_zone()
    )

    def rows(trace: object) -> list[tuple[object, ...]]:
        # The server may order a big RRset differently from the zone: compare as sets.
        return [
            (q.name, q.type, q.rcode, q.tcp, q.truncated, sorted(map(str, q.answers)))
            for q in trace.queries  # type: ignore[attr-defined]
        ]

    assert rows(live) == rows(model)
    assert live.resolved == model.resolved
    assert (live.target and live.target.kind) == (model.target and model.target.kind)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1", ("10.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("[::1]:5300", ("::1", 5300)),
        ("::1", ("::1", 53)),
    ],
)
def test_parse_nameserver(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["dns.google", "10.0.0.1:0", "10.0.0.1:http"])
def test_parse_nameserver_rejects(text: str) -> None:
    with pytest.raises(InputError):
        parse_nameserver(text)


def test_batch_timeouts_follow_each_library() -> None:
    from netdiag.dns.resolver.live import batch_timeout
    from netdiag.dns.resolver.profiles import config_for
    from netdiag.dns.resolver.search import Query

    conf = build(
        nameservers=("10.0.0.1", "10.0.0.2"), search=(), options=("timeout:4", "attempts:2")
    )
    first = (Query(name="a.", rtype="A", nameserver="10.0.0.1", attempt=0),)
    second = (Query(name="a.", rtype="A", nameserver="10.0.0.1", attempt=1),)
    glibc = config_for("glibc", conf)
    assert (batch_timeout(first, glibc), batch_timeout(second, glibc)) == (4, 4)  # 8 // 2
    assert batch_timeout(first, config_for("musl", conf)) == 2  # timeout / attempts
    assert batch_timeout(second, config_for("go", conf)) == 4
