"""``netdiag resolve`` through the real entry point, on the bundled demo cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netdiag.dns.resolver.report import render_text
from netdiag.dns.resolver.trace import trace_name
from tests.dns.fakes import demo_like_snapshot, demo_like_zone
from tests.helpers import run_cli

SEARCH = ["default.svc.cluster.local.", "svc.cluster.local.", "cluster.local.", "localdomain."]


def resolve_json(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = run_cli(["resolve", *args, "-o", "json"])
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_baidu_from_default_tells_the_articles_story() -> None:
    code, doc = resolve_json("baidu.com", "--ns", "default")
    assert code == 0
    assert doc["schema"] == "netdiag/resolve/v1"
    names = [(q["name"], q["type"], q["rcode"]) for q in doc["queries"]]
    expected = [(f"baidu.com.{d}", t, "NXDOMAIN") for d in SEARCH for t in ("A", "AAAA")]
    assert names[:8] == expected
    assert names[8:] == [("baidu.com.", "A", "NOERROR"), ("baidu.com.", "AAAA", "NOERROR")]
    assert doc["answer"]["name"] == "baidu.com."
    assert doc["target"]["kind"] == "external"
    assert doc["resolv_conf"]["options"] == ["ndots:5"]
    assert doc["cost"] == {
        "queries": 10,
        "nxdomains": 8,
        "round_trips": 5,
        "timeouts": 0,
        "waited_seconds": 0.0,
    }
    assert {a["kind"]: a["queries_saved"] for a in doc["advice"]} == {"trailing-dot": 8, "ndots": 8}


def test_short_name_lands_in_own_namespace_and_names_the_shadowed_one() -> None:
    code, doc = resolve_json("tke-six-six-six", "--ns", "default")
    assert code == 0
    assert doc["target"] == {"kind": "service", "namespace": "default", "name": "tke-six-six-six"}
    assert doc["shadowed"] == [
        {
            "namespace": "kube-system",
            "name": "tke-six-six-six",
            "fqdn": "tke-six-six-six.kube-system.svc.cluster.local.",
        }
    ]
    code, doc = resolve_json("tke-six-six-six", "--ns", "kube-system")
    assert doc["target"]["namespace"] == "kube-system"


def test_musl_and_glibc_differ_on_a_dotted_miss() -> None:
    name = "x1.x2.x3.x4.x5.missing"
    glibc_code, glibc = resolve_json(name, "--ns", "default")
    musl_code, musl = resolve_json(name, "--ns", "default", "--resolver", "musl")
    assert (glibc_code, musl_code) == (1, 1)
    assert len(glibc["queries"]) == 10 and glibc["queries"][0]["name"] == name + "."
    assert [q["name"] for q in musl["queries"]] == [name + ".", name + "."]


def test_pod_option_uses_that_pods_resolv_conf() -> None:
    code, doc = resolve_json("tke-six-six-six", "--pod", "kube-system/calico-node-node-1")
    # hostNetwork + ClusterFirst: the node's resolver, so no cluster search domains.
    assert doc["resolv_conf"]["search"] == ["localdomain"]
    assert "hostNetwork" in doc["resolv_conf"]["origin"]
    assert code == 1


def test_type_srv_and_family_inet() -> None:
    _code, doc = resolve_json("baidu.com.", "--family", "inet")
    assert [q["type"] for q in doc["queries"]] == ["A"]
    _code, doc = resolve_json("kube-dns.kube-system", "--type", "srv")
    assert {q["type"] for q in doc["queries"]} == {"SRV"}


def test_text_output_marks_the_winner_and_the_cost() -> None:
    result = run_cli(["resolve", "baidu.com", "--ns", "default"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [ln.split()[2] for ln in lines if ln.startswith("✓")] == ["baidu.com."] * 2
    assert sum(1 for ln in lines if ln.startswith("✗")) == 8
    assert "cost     10 queries, 8 NXDOMAIN, 5 round trips" in result.stdout
    assert "\x1b[" not in result.stdout


def test_no_color_renders_plain_and_colour_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from netdiag.cli import resolve as cli_resolve

    trace = trace_name(demo_like_snapshot(), "baidu.com", zone=demo_like_zone())
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render_text(trace, cli_resolve._style())
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[32m" in render_text(trace, cli_resolve._style())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a..b"], "empty label"),
        (["x" * 64], "over 63 octets"),
        (["x", "--resolver", "bionic"], "--resolver 'bionic'"),
        (["x", "--family", "inet", "--type", "A"], "exclusive"),
        (["x", "--pod", "nope"], "NAMESPACE/POD"),
        (["x", "--pod", "default/ghost"], "--pod 'default/ghost': no such pod"),
        (["x", "--ns", "defualt"], "-n 'defualt': no such namespace"),
        (["x", "--nameserver", "dns.example:53"], "not an IP address"),
        (["x", "--resolv-conf", "/nonexistent/resolv.conf"], "/nonexistent/resolv.conf"),
    ],
)
def test_bad_input_is_one_error_line(args: list[str], message: str) -> None:
    result = run_cli(["resolve", *args])
    assert result.exit_code == 2
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr


def test_garbage_resolv_conf_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "resolv.conf"
    path.write_text("nameserver 10.0.0.1\nsearch a.test\nhello world\n")
    result = run_cli(["resolve", "x", "--resolv-conf", str(path)])
    assert result.exit_code == 2
    assert f"error: {path}: line 3: 'hello world'" in result.stderr


def test_unreachable_nameserver_times_out_clearly(tmp_path: Path) -> None:
    path = tmp_path / "resolv.conf"
    path.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    result = run_cli(
        ["resolve", "baidu.com.", "--resolv-conf", str(path), "--nameserver", "127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert "timed out, no reply from 127.0.0.1:9" in result.stdout


def test_upstream_zone_file_answers_external_names(tmp_path: Path) -> None:
    zone = tmp_path / "up.zone"
    zone.write_text(
        "$ORIGIN example.test.\n$TTL 60\n"
        "@ IN SOA ns hostmaster 1 3600 600 86400 60\n"
        "www IN A 198.51.100.7\n"
    )
    code, doc = resolve_json("www.example.test", "--ns", "default", "--upstream-zone", str(zone))
    assert code == 0
    assert doc["answer"]["records"][0]["data"] == "198.51.100.7"
    assert len(doc["queries"]) == 10  # 2 dots < ndots 5: the whole search list first


def test_unknown_options_in_a_given_resolv_conf_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "resolv.conf"
    path.write_text(
        "nameserver 10.96.0.10\nsearch default.svc.cluster.local\noptions ndots:2 frobnicate\n"
    )
    code, doc = resolve_json("kubernetes", "--resolv-conf", str(path))
    assert code == 0
    assert "frobnicate" in doc["resolv_conf"]["options"]
    assert any("line 3: unknown option 'frobnicate'" in n for n in doc["notes"])
