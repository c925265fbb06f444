"""The explained trace: target, shadowed services, cost, measured advice, API."""

from __future__ import annotations

import subprocess
import sys

import pytest

from netdiag.dns.records import Rcode
from netdiag.dns.resolver.resolvconf import parse
from netdiag.dns.resolver.trace import trace_name
from tests.dns.fakes import KUBE_RESOLV, FakeZone, demo_like_snapshot, demo_like_zone


def test_baidu_cost_and_advice_are_measured() -> None:
    t = trace_name(demo_like_snapshot(), "baidu.com", namespace="default", zone=demo_like_zone())
    assert (t.cost.queries, t.cost.nxdomains, t.cost.round_trips) == (10, 8, 5)
    assert {a.kind: a.queries_saved for a in t.advice} == {"trailing-dot": 8, "ndots": 8}
    assert t.target is not None and t.target.kind == "external"
    assert t.shadowed == ()


def test_fqdn_advice_when_a_later_search_domain_answers() -> None:
    t = trace_name(
        demo_like_snapshot(),
        "tke-six-six-six.kube-system",
        namespace="default",
        zone=demo_like_zone(),
    )
    assert t.winner == "tke-six-six-six.kube-system.svc.cluster.local."
    assert t.target is not None and t.target.namespace == "kube-system"
    [advice] = t.advice
    assert advice.kind == "fqdn" and advice.queries_saved == 2  # 4 queries -> 2
    assert [s.namespace for s in t.shadowed] == ["default"]


def test_shadowed_lists_other_namespaces_with_fqdn() -> None:
    t = trace_name(
        demo_like_snapshot(), "tke-six-six-six", namespace="default", zone=demo_like_zone()
    )
    assert [(s.namespace, s.fqdn) for s in t.shadowed] == [
        ("kube-system", "tke-six-six-six.kube-system.svc.cluster.local.")
    ]
    assert t.advice == ()  # already the cheapest


def test_timeouts_are_counted_and_waited() -> None:
    zone = FakeZone({}, faults={"www.": Rcode.TIMEOUT})
    t = trace_name(
        demo_like_snapshot(),
        "www.",
        resolv_conf=parse("nameserver 10.0.0.1\noptions timeout:3 attempts:2\n"),
        zone=zone,
    )
    assert t.cost.timeouts == 4 and t.cost.waited_seconds == 6
    assert not t.resolved and t.result.error == "EAI_AGAIN"


def test_given_resolv_conf_and_musl_notes() -> None:
    conf = parse(KUBE_RESOLV.replace("ndots:5", "ndots:5 rotate"))
    t = trace_name(
        demo_like_snapshot(), "x", resolver="musl", resolv_conf=conf, zone=demo_like_zone()
    )
    assert t.origin == "given resolv.conf"
    assert any("musl ignores options rotate" in n for n in t.notes)


def test_model_traces_are_memoised_and_can_be_recomputed() -> None:
    snap, zone = demo_like_snapshot(), demo_like_zone()
    a = trace_name(snap, "baidu.com", namespace="default", zone=zone)
    b = trace_name(snap, "baidu.com", namespace="default", zone=zone)
    c = trace_name(snap, "baidu.com", namespace="default", zone=zone, cache=False)
    assert a is b and c is not a and c == a


def test_kubelet_warnings_reach_the_trace() -> None:
    node = "nameserver 10.0.0.2\nsearch " + " ".join(f"n{i}.test" for i in range(40)) + "\n"
    t = trace_name(demo_like_snapshot(node), "x", namespace="default", zone=demo_like_zone())
    assert any(w.startswith("DNSConfigForming") for w in t.warnings)
    assert len(t.resolv_conf.search) == 32


@pytest.mark.parametrize(
    "module",
    [
        "netdiag.dns.resolver.resolvconf",
        "netdiag.dns.resolver.kubelet",
        "netdiag.dns.resolver.search",
        "netdiag.dns.resolver.trace",
        "netdiag.dns.resolver.tracememo",
        "netdiag.dns.resolver.report",
        "netdiag.cli.resolve",
    ],
)
def test_engine_modules_import_nothing_heavy(module: str) -> None:
    code = (
        f"import sys, {module}, netdiag.dns.resolver.glibc, netdiag.dns.resolver.musl, "
        "netdiag.dns.resolver.golang\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('dns', 'kubernetes', 'scapy', 'textual', 'networkx', 'yaml')]\n"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_predict_questions_for_capture_profile_detection() -> None:
    from netdiag.dns.resolver.driver import predict_questions

    def answer(qname: str, qtype: str) -> tuple[str, tuple[str, ...]]:
        if qname == "www.nodata.test.":
            return "NOERROR", ()
        if qname == "www.ok.test." and qtype == "A":
            return "NOERROR", ("198.18.1.1",)
        return "NXDOMAIN", ()

    search = ["nodata.test", "ok.test"]
    musl = predict_questions("musl", "www", search, 5, answer)
    assert musl == [("www.nodata.test.", "A"), ("www.nodata.test.", "AAAA")]
    glibc = predict_questions("glibc", "www", search, 5, answer)
    assert [n for n, _ in glibc] == ["www.nodata.test."] * 2 + ["www.ok.test."] * 2


def test_default_zone_knows_no_upstream() -> None:
    """Without a zone the engine assumes nothing outside the cluster exists; the
    application layer passes the source's zone (the demo's upstream, flags)."""
    from netdiag.sources.demo import load_demo

    t = trace_name(load_demo(), "baidu.com", namespace="default")
    assert not t.resolved and t.cost.queries == 10


@pytest.mark.parametrize("resolver", ["glibc", "musl", "go"])
@pytest.mark.parametrize(
    "conf_text",
    [
        KUBE_RESOLV,
        "nameserver 10.0.0.1\nnameserver 10.0.0.2\nsearch default.svc.cluster.local"
        " svc.cluster.local cluster.local\noptions ndots:5 rotate attempts:3\n",
        "nameserver 10.0.0.1\nsearch default.svc.cluster.local svc.cluster.local .\n"
        "options ndots:3 single-request timeout:1\n",
        "nameserver 10.0.0.1\nsearch default.svc.cluster.local\noptions ndots:15 no-aaaa\n",
    ],
)
def test_advice_counted_from_the_main_run_matches_rerunning(resolver: str, conf_text: str) -> None:
    from netdiag.dns.resolver.driver import model_backend, per_query
    from netdiag.dns.resolver.trace import explain

    zone = demo_like_zone()
    send = per_query(model_backend(zone))
    conf = parse(conf_text)
    names = ["baidu.com", "www.baidu.com", "tke-six-six-six.kube-system", "a.b", "baidu.com."]
    advised = 0
    for name in names:
        for family in ("unspec", "inet6"):
            kw = {"resolver": resolver, "family": family}
            counted = explain(demo_like_snapshot(), name, conf, send, by_question=True, **kw)
            rerun = explain(demo_like_snapshot(), name, conf, send, by_question=False, **kw)
            assert counted == rerun
            advised += len(counted.advice)
    assert advised  # the comparison covered real advice, not only empty tuples
