"""Property tests for the profiles' invariants, derived from the libraries' sources."""

from __future__ import annotations

import dns.name
import dns.resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.dns.records import Rcode, ZoneAnswer
from netdiag.dns.resolver.driver import per_query, run
from netdiag.dns.resolver.lookup import start
from netdiag.dns.resolver.resolvconf import build

label = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
long_label = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=63)
relative = st.lists(label, min_size=1, max_size=6).map(".".join)
domain = st.lists(label, min_size=1, max_size=3).map(".".join)
resolvers = st.sampled_from(("glibc", "musl", "go"))
families = st.sampled_from(("unspec", "inet", "inet6"))


def nxdomain(name: str, rtype: str, ns: str) -> ZoneAnswer:
    return ZoneAnswer(rcode=Rcode.NXDOMAIN)


def candidates(
    resolver: str, name: str, search: list[str], ndots: int, family: str = "unspec"
) -> list[str]:
    conf = build(nameservers=("10.0.0.1",), search=tuple(search), options=(f"ndots:{ndots}",))
    queries, _, _ = run(start(resolver, name, conf, family=family), per_query(nxdomain))
    # One round trip per candidate here (the pair shares it; NXDOMAIN is never retried).
    by_round: dict[int, str] = {}
    for q in queries:
        by_round.setdefault(q.round, q.name)
    return [by_round[r] for r in sorted(by_round)]


@given(resolvers, relative, st.lists(domain, max_size=5), st.integers(0, 15), families)
def test_a_trailing_dot_name_is_exactly_one_candidate(
    resolver: str, name: str, search: list[str], ndots: int, family: str
) -> None:
    assert candidates(resolver, name + ".", search, ndots, family) == [name + "."]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    resolvers,
    st.lists(long_label, min_size=1, max_size=4).map(".".join).filter(lambda n: len(n) <= 253),
    st.lists(
        st.lists(long_label, min_size=1, max_size=4).map(".".join).filter(lambda d: len(d) <= 253),
        max_size=4,
    ),
    st.integers(0, 15),
)
def test_no_candidate_exceeds_253_octets(
    resolver: str, name: str, search: list[str], ndots: int
) -> None:
    for cand in candidates(resolver, name, search, ndots):
        assert len(cand.removesuffix(".")) <= 253


@given(st.sampled_from(("glibc", "go")), relative, st.lists(domain, max_size=5), st.integers(0, 15))
def test_glibc_and_go_candidates_equal_dnspythons(
    resolver: str, name: str, search: list[str], ndots: int
) -> None:
    r = dns.resolver.Resolver(configure=False)
    r.search = [dns.name.from_text(d) for d in search]
    r.ndots = ndots
    r.domain = dns.name.root
    expected = [n.to_text() for n in r._get_qnames_to_try(dns.name.from_text(name, None), True)]
    assert candidates(resolver, name, search, ndots) == expected


@given(relative, st.lists(domain, max_size=5), st.integers(0, 15))
def test_musl_uses_the_search_list_only_below_ndots(
    name: str, search: list[str], ndots: int
) -> None:
    got = candidates("musl", name, search, ndots)
    if name.count(".") >= ndots:
        assert got == [name + "."]
    else:
        assert got == [f"{name}.{d}." for d in search] + [name + "."]


@given(resolvers, relative, st.lists(domain, max_size=4), st.integers(0, 6), families)
def test_every_query_of_a_miss_is_nxdomain_and_counted(
    resolver: str, name: str, search: list[str], ndots: int, family: str
) -> None:
    conf = build(nameservers=("10.0.0.1",), search=tuple(search), options=(f"ndots:{ndots}",))
    queries, result, cost = run(start(resolver, name, conf, family=family), per_query(nxdomain))
    assert not result.resolved
    per_candidate = 2 if family == "unspec" else 1
    assert cost.queries == cost.nxdomains == len(queries)
    assert cost.queries == per_candidate * len(candidates(resolver, name, search, ndots, family))


OUTCOMES = st.sampled_from(("NXDOMAIN", "NODATA", "ANSWER", "SERVFAIL"))


@given(
    resolvers,
    st.lists(st.tuples(domain, OUTCOMES), max_size=5, unique_by=lambda t: t[0]),
    OUTCOMES,
)
def test_walk_rules_per_profile(
    resolver: str, search: list[tuple[str, str]], absolute_outcome: str
) -> None:
    """Derived from the sources: glibc moves on after NXDOMAIN/NODATA/SERVFAIL
    (res_query.c), musl after NXDOMAIN only (lookup_name.c), Go after any error
    (dnsclient_unix.go); every profile stops at the first candidate with an answer."""
    from netdiag.dns.records import Record

    name = "www"
    outcome = {f"{name}.{d}.": o for d, o in search}
    outcome[name + "."] = absolute_outcome

    def backend(qname: str, rtype: str, ns: str) -> ZoneAnswer:
        o = outcome.get(qname, "NXDOMAIN")
        if o == "ANSWER":
            data = "198.18.0.1" if rtype == "A" else "2001:db8::1"
            return ZoneAnswer(
                rcode=Rcode.NOERROR, answers=(Record(name=qname, type=rtype, ttl=1, data=data),)
            )
        if o == "NODATA":
            return ZoneAnswer(rcode=Rcode.NOERROR)
        return ZoneAnswer(rcode=Rcode(o))

    conf = build(
        nameservers=("10.0.0.1",),
        search=tuple(d for d, _ in search),
        options=("ndots:5", "attempts:1"),
    )
    queries, result, _ = run(start(resolver, name, conf), per_query(backend))
    tried = list(dict.fromkeys(q.name for q in queries))
    order = [f"{name}.{d}." for d, _ in search] + [name + "."]
    assert tried == order[: len(tried)]  # candidates in order, none skipped
    keeps_going = {
        "glibc": {"NXDOMAIN", "NODATA", "SERVFAIL"},
        "musl": {"NXDOMAIN"},
        "go": {"NXDOMAIN", "NODATA", "SERVFAIL"},
    }[resolver]
    for cand in tried[:-1]:
        assert outcome[cand] in keeps_going
    last = tried[-1]
    if outcome[last] == "ANSWER":
        assert result.resolved and result.winner == last
    else:
        assert not result.resolved
        assert last == order[-1] or outcome[last] not in keeps_going
