"""Differential tests: what the real glibc, musl and Go resolvers send, as logged
by netdiag's DNS server, equals what ``netdiag resolve --backend live`` sends
and what the model predicts (the heart of issue 3).

Go sends A and AAAA from two goroutines, so their order within one candidate
is random: sequences are compared with each run of queries for the same name
sorted (the research note's ``stable_query_multiset``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netdiag.dns.live import send_batch
from netdiag.dns.resolvconf import parse
from netdiag.dns.trace import trace_name
from tests.dns.conftest import SECOND_ADDR, SERVER_ADDR, Clients, QueryLog, run_in_namespace
from tests.dns.differential_zone import differential_snapshot, differential_zone

pytestmark = [pytest.mark.system]

K8S = "search default.svc.cluster.local svc.cluster.local cluster.local localdomain"
FAST = "timeout:1 attempts:1"

#: (id, resolv.conf body after the nameserver line, name, mode)
CASES = [
    ("k8s-baidu", f"{K8S}\noptions ndots:5", "baidu.com", "unspec"),
    ("k8s-inet", f"{K8S}\noptions ndots:5", "baidu.com", "inet"),
    ("k8s-inet6", f"{K8S}\noptions ndots:5", "baidu.com", "inet6"),
    ("k8s-short-svc", f"{K8S}\noptions ndots:5", "tke-six-six-six", "unspec"),
    ("k8s-cross-ns", f"{K8S}\noptions ndots:5", "tke-six-six-six.kube-system", "unspec"),
    (
        "k8s-4dots",
        f"{K8S}\noptions ndots:5",
        "tke-six-six-six.kube-system.svc.cluster.local",
        "unspec",
    ),
    (
        "k8s-trailing-dot",
        f"{K8S}\noptions ndots:5",
        "tke-six-six-six.kube-system.svc.cluster.local.",
        "unspec",
    ),
    ("k8s-5dots", f"{K8S}\noptions ndots:5", "a.b.c.d.e.example.test", "unspec"),
    ("k8s-miss-6dots", f"{K8S}\noptions ndots:5", "x1.x2.x3.x4.x5.missing.test", "unspec"),
    ("k8s-miss-0dots", f"{K8S}\noptions ndots:5", "doesnotexist", "unspec"),
    ("ndots1-0dots", "search nx.test ok.test\noptions ndots:1", "www", "unspec"),
    ("ndots1-dotted", "search example.test\noptions ndots:1", "a.b", "unspec"),
    ("ndots2-dotted", "search example.test\noptions ndots:2", "a.b", "unspec"),
    ("ndots1-trailing", "search example.test\noptions ndots:1", "a.b.example.test.", "unspec"),
    ("nxdomain-first", "search nx.test ok.test", "www", "unspec"),
    ("nodata-first", "search nodata.test ok.test", "www", "unspec"),
    ("servfail-first", f"search sf.test ok.test\noptions {FAST}", "www", "unspec"),
    ("timeout-first", f"search slow.test ok.test\noptions {FAST}", "www", "unspec"),
    ("v4only-first", "search ok.test nx.test", "v4", "unspec"),
    ("empty-search", "options ndots:1", "www", "unspec"),
    ("empty-search-found", "options ndots:1", "baidu.com", "unspec"),
    ("domain-last", "search nx.test\ndomain ok.test", "www", "unspec"),
    ("search-last", "domain ok.test\nsearch nx.test", "www", "unspec"),
    ("txt-search", "search nx.test nodata.test", "www", "TXT"),
    (
        "ndots-capped-at-15",
        "search ok.test\noptions ndots:20",
        ".".join(f"l{i}" for i in range(15)) + ".example.test",
        "unspec",
    ),
    ("two-nameservers", f"nameserver {SECOND_ADDR}\nsearch nx.test ok.test", "www", "unspec"),
    ("use-vc", "search nx.test ok.test\noptions use-vc", "www", "unspec"),
    (
        "single-request-reopen",
        "search nx.test ok.test\noptions single-request-reopen",
        "www",
        "unspec",
    ),
    ("dot-search-entry", "search nx.test . ok.test", "www", "unspec"),
    (
        "musl-long-search-line",
        "search " + " ".join(f"d{i}-{'x' * 40}.nx.test" for i in range(6)) + " ok.test",
        "www",
        "unspec",
    ),
]
#: musl turns a "." entry into a malformed query and waits 5 s: not worth the time.
SKIP = {("musl", "dot-search-entry")}
RESOLVERS = ("glibc", "musl", "go")


def _normalise(resolver: str, seq: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if resolver != "go":
        return seq
    out: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []
    for item in seq:
        if run and item[0] != run[0][0]:
            out.extend(sorted(run))
            run = []
        run.append(item)
    return out + sorted(run)


def _skip_unsupported(resolver: str, mode: str, case: str) -> None:
    if (resolver, case) in SKIP:
        pytest.skip("see SKIP")
    if resolver == "musl" and mode not in ("unspec", "inet", "inet6"):
        pytest.skip("musl's res_search is res_query (no search): the client only calls getaddrinfo")


@pytest.mark.parametrize("resolver", RESOLVERS)
@pytest.mark.parametrize(("case", "body", "name", "mode"), CASES, ids=[c[0] for c in CASES])
def test_real_resolver_matches_live_and_model(
    clients: Clients,
    server_log: QueryLog,
    tmp_path: Path,
    resolver: str,
    case: str,
    body: str,
    name: str,
    mode: str,
) -> None:
    _skip_unsupported(resolver, mode, case)
    text = f"nameserver {SERVER_ADDR}\n{body}\n"
    path = tmp_path / "resolv.conf"
    path.write_text(text)

    mark = server_log.mark()
    output = run_in_namespace(path, clients.command(resolver, name, mode))
    real = server_log.since(mark)
    real_ok = not output.startswith("error:")

    family, rtype = (mode, None) if mode in ("unspec", "inet", "inet6") else ("unspec", mode)
    conf = parse(text)
    snapshot = differential_snapshot()
    mark = server_log.mark()
    live = trace_name(
        snapshot,
        name,
        resolver=resolver,
        family=family,
        rtype=rtype,
        resolv_conf=conf,
        send=send_batch,
    )
    live_seq = server_log.since(mark)
    model = trace_name(
        snapshot,
        name,
        resolver=resolver,
        family=family,
        rtype=rtype,
        resolv_conf=conf,
        zone=differential_zone(),
    )
    model_seq = [(q.name.lower(), q.type) for q in model.queries]
    sent_seq = [(q.name.lower(), q.type) for q in live.queries]

    assert _normalise(resolver, real) == _normalise(resolver, live_seq), output
    assert sent_seq == live_seq
    assert _normalise(resolver, model_seq) == _normalise(resolver, real), output
    assert model.resolved == real_ok == live.resolved, output
