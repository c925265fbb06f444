"""``netdiag dns capture`` through the real entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dns import capture_gen as gen
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _capture(tmp_path: Path) -> Path:
    a, t = gen.glibc_lookup(1.0, "baidu.com", answer_at="baidu.com.", addresses=("39.1.1.1",))
    b, _ = gen.glibc_lookup(t + 0.01, "web", answer_at="web.default.svc.cluster.local.", qid=300)
    junk = [gen.raw_udp(t + 1, b"not dns at all, just bytes")]
    return gen.write(tmp_path / "cap.pcapng", a + b + junk, pcapng=True)


def test_json_report(tmp_path: Path) -> None:
    result = run_cli(["dns", "capture", "-r", str(_capture(tmp_path)), "-o", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema"] == "netdiag/capture/v1"
    assert report["packets"]["not_dns"] == 1 and report["packets"]["dns"] == 20
    first, second = report["chains"]
    assert first["name"] == "baidu.com" and first["answered_by"] == "baidu.com."
    assert [q["name"] for q in first["queries"]][::2] == [
        "baidu.com.default.svc.cluster.local.",
        "baidu.com.svc.cluster.local.",
        "baidu.com.cluster.local.",
        "baidu.com.",
    ]
    assert second["wire_queries"] == 2
    [client] = report["clients"]
    assert client["queries"] == 10 and client["successful"] == 2
    assert client["queries_per_success"] == 5.0
    assert client["nxdomain_share"] == 0.6
    assert client["fqdn"] == [
        {
            "name": "baidu.com",
            "fqdn": "baidu.com.",
            "lookups": 1,
            "queries": 8,
            "as_fqdn": 2,
            "saved": 6,
        }
    ]
    assert {"ndots": 1, "saved": 6, "extra": 0, "net": 6} in client["ndots"]


def test_text_report(tmp_path: Path) -> None:
    result = run_cli(["dns", "capture", "-r", str(_capture(tmp_path))])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "CLIENTS" in out and "CHAINS" in out and "SLOWEST" in out
    assert "FQDN ADVICE for 10.244.1.7: 6 queries saved" in out
    assert "baidu.com.svc.cluster.local.  NXDOMAIN" in out


def test_truncated_file_reports_complete_chains_then_error(tmp_path: Path) -> None:
    path = _capture(tmp_path)
    cut = tmp_path / "cut.pcapng"
    cut.write_bytes(path.read_bytes()[:-40])
    result = run_cli(["dns", "capture", "-r", str(cut), "-o", "json"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {cut}: ") and "byte offset" in result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    # the search list inferred from the baidu.com walk names the short name "web"
    assert [c["name"] for c in report["chains"]] == ["baidu.com", "web"]


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "exactly one of -r FILE or -i IFACE"),
        (["-r", "x.pcap", "-i", "lo"], "exactly one of -r FILE or -i IFACE"),
        (["-r", "/nonexistent/x.pcap"], "/nonexistent/x.pcap: cannot read capture"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run_cli(["dns", "capture", *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_live_capture_without_privileges_is_a_clear_error() -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root to drop privileges with setpriv")
    proc = subprocess.run(
        [
            setpriv,
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            sys.executable,
            "-m",
            "netdiag",
            "dns",
            "capture",
            "-i",
            "lo",
            "--duration",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": "/tmp"},
    )
    assert proc.returncode == 2, proc.stderr
    assert "needs root or CAP_NET_RAW" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_interface() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to open a capture socket")
    result = run_cli(["dns", "capture", "-i", "nosuchif0", "--duration", "0.5"])
    assert result.exit_code == 2
    assert "nosuchif0" in result.stderr and "Traceback" not in result.stderr


def test_clients_map_to_pods_and_their_kubelet_resolv_conf(tmp_path: Path) -> None:
    demo = ROOT / "netdiag" / "sources" / "demo"
    pkts, _ = gen.glibc_lookup(
        1.0,
        "db",
        answer_at="db.shop.svc.cluster.local.",
        search=("shop.svc.cluster.local", "svc.cluster.local", "cluster.local"),
        client="10.244.1.40",
    )
    path = gen.write(tmp_path / "shop.pcap", pkts)
    result = run_cli(["dns", "capture", "-r", str(path), "--cluster", str(demo), "-o", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    [chain] = report["chains"]
    assert chain["pod"] == "shop/api-6b7c9d5f48-h2k8n"
    # the pod's search list (kubelet: shop.svc.cluster.local first) names what was asked
    assert chain["name"] == "db"
    assert report["clients"][0]["pod"] == "shop/api-6b7c9d5f48-h2k8n"
    text = run_cli(["dns", "capture", "-r", str(path), "--cluster", str(demo)]).stdout
    assert "shop/api-6b7c9d5f48-h2k8n (10.244.1.40)" in text


def test_resolv_conf_option(tmp_path: Path) -> None:
    pkts, _ = gen.glibc_lookup(1.0, "web", answer_at="web.default.svc.cluster.local.")
    path = gen.write(tmp_path / "one.pcap", pkts)
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 10.96.0.10\nsearch default.svc.cluster.local\noptions ndots:5\n")
    args = ["dns", "capture", "-r", str(path), "--resolv-conf", str(resolv)]
    result = run_cli([*args, "-o", "json"])
    assert json.loads(result.stdout)["chains"][0]["name"] == "web"
    resolv.write_text("this is not resolv.conf\n")
    bad = run_cli(args)
    assert bad.exit_code == 2 and str(resolv) in bad.stderr and "Traceback" not in bad.stderr


def test_the_documented_incidents_capture(tmp_path: Path) -> None:
    """docs/capture.md's example: marks, pod names and the resolver explanations."""
    path = gen.incidents(tmp_path / "incidents.pcapng")
    demo = str(ROOT / "netdiag" / "sources" / "demo")
    result = run_cli(["dns", "capture", "-r", str(path), "--cluster", demo, "-o", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["packets"]["total"] == 34 and report["packets"]["not_dns"] == 1
    race, walk, big = report["chains"]
    assert race["pod"] == "default/toolbox" and race["profile"] == "glibc"
    assert race["marks"] == ["conntrack-race", "retransmit"]
    assert race["profile_explanation"]["decided_by"] == []  # the 5 s retry decided, not the walk
    assert walk["name"] == "api.github.com" and walk["consistent_profiles"] == ["glibc", "musl"]
    assert walk["profile_explanation"]["why"].startswith(
        "glibc and musl send the same 10 queries for api.github.com (search shop.svc.cluster.local"
    )
    assert set(big["marks"]) == {"truncated", "tcp-retry"}
    assert "send the same 1 query for big" in big["profile_explanation"]["why"]
