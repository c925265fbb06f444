"""resolv.conf parsing with glibc's rules (resolv/res_init.c)."""

from __future__ import annotations

import pytest

from netdiag.dns.resolver.resolvconf import parse, parse_strict
from netdiag.errors import InputError


def test_kubernetes_default_file() -> None:
    conf = parse(
        "nameserver 10.96.0.10\n"
        "search default.svc.cluster.local svc.cluster.local cluster.local localdomain\n"
        "options ndots:5\n"
    )
    assert conf.nameservers == ("10.96.0.10",)
    assert conf.search[0] == "default.svc.cluster.local" and len(conf.search) == 4
    assert conf.ndots == 5 and conf.timeout == 5 and conf.attempts == 2
    assert conf.options == ("ndots:5",)


def test_at_most_three_nameservers_and_the_fourth_is_reported() -> None:
    conf = parse("".join(f"nameserver 10.0.0.{i}\n" for i in range(1, 5)))
    assert conf.nameservers == ("10.0.0.1", "10.0.0.2", "10.0.0.3")
    assert any("MAXNS" in p.message and p.line == 4 for p in conf.problems)


@pytest.mark.parametrize(
    ("text", "search", "source"),
    [
        ("search a.test b.test\ndomain c.test\n", ("c.test",), "domain"),
        ("domain c.test\nsearch a.test b.test\n", ("a.test", "b.test"), "search"),
        ("search a.test\nsearch b.test\n", ("b.test",), "search"),
        ("search a.test\nsearch\n", ("a.test",), "search"),  # empty line ignored
    ],
)
def test_search_and_domain_last_one_wins(text: str, search: tuple[str, ...], source: str) -> None:
    conf = parse(text)
    assert conf.search == search
    assert conf.search_source == source


def test_option_caps_and_flags() -> None:
    conf = parse(
        "options ndots:20 timeout:99 attempts:9 rotate edns0 single-request\n"
        "options single-request-reopen use-vc no-aaaa trust-ad\n"
    )
    assert (conf.ndots, conf.timeout, conf.attempts) == (15, 30, 5)
    assert conf.flags == {
        "rotate",
        "edns0",
        "single-request",
        "single-request-reopen",
        "use-vc",
        "no-aaaa",
        "trust-ad",
    }


def test_unknown_options_are_kept_and_reported() -> None:
    conf = parse("options ndots:2 frobnicate level:3\n")
    assert conf.unknown_options == ("frobnicate", "level:3")
    assert [p.line for p in conf.problems] == [1, 1]
    assert "frobnicate" in conf.render()


def test_garbage_lines_are_reported_with_line_numbers() -> None:
    conf = parse("# comment\nnameserver 10.0.0.1\nthis is garbage\n; also comment\n")
    assert [(p.line, "garbage" in p.message) for p in conf.problems] == [(3, True)]
    with pytest.raises(InputError, match=r"rc: line 3: 'this is garbage'"):
        parse_strict("# comment\nnameserver 10.0.0.1\nthis is garbage\n", origin="rc")


def test_render_round_trips() -> None:
    text = "nameserver 10.0.0.1\nnameserver ::1\nsearch a.test b.test\noptions ndots:3 rotate\n"
    conf = parse(text)
    assert parse(conf.render()) == conf
    assert conf.render() == text
