"""``load_live`` and the CLI against the fake API server: the real client over real HTTP."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest
import yaml

from netdiag.sources.live import load_live
from tests.helpers import run_cli
from tests.live.apiserver import FakeAPIServer, rbac_authorizer, write_kubeconfig
from tests.live.conftest import CLUSTER, ROOT

RBAC = ROOT / "fixtures" / "rbac" / "netdiag-reader.yaml"


def loaded_from_files():  # type: ignore[no-untyped-def]
    from netdiag.sources.manifests import load_manifests

    return load_manifests([str(CLUSTER)])


def test_live_snapshot_equals_the_same_objects_loaded_from_files(kubeconfig: str) -> None:
    live = load_live(kubeconfig=kubeconfig, page_size=2)
    files = loaded_from_files()
    assert live.pods == files.pods
    assert live.services == files.services
    assert live.endpoint_slices == files.endpoint_slices
    assert live.network_policies == files.network_policies
    assert live.namespaces == files.namespaces
    assert live.nodes == files.nodes
    assert live.workloads == files.workloads
    assert live.dns == files.dns and live.dns.corefile_present
    assert live.cni == files.cni
    assert live == files
    assert live.incomplete == ()
    assert "context test" in live.source


def test_only_get_requests_ever(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    load_live(kubeconfig=kubeconfig)
    assert apiserver.methods() == {"GET"}
    assert len(apiserver.requests) >= 14


def test_namespace_limits_namespaced_listings(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    snap = load_live(kubeconfig=kubeconfig, namespace="shop")
    paths = {r.path for r in apiserver.requests}
    assert "/api/v1/pods" not in paths and "/api/v1/namespaces/shop/pods" in paths
    namespaced = {p.split("/namespaces/")[1].split("/")[0] for p in paths if "/namespaces/" in p}
    assert namespaced == {"shop", "kube-system"}
    assert {p.namespace for p in snap.pods} == {"shop"}
    assert snap.dns.dns_ips == ("10.96.0.10",), "kube-dns is still read from kube-system"


def test_forbidden_policies_warn_once_and_mark_the_snapshot_incomplete(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    apiserver.forbid("networkpolicies")
    warnings: list[str] = []
    snap = load_live(kubeconfig=kubeconfig, warn=warnings.append)
    assert snap.incomplete == (
        "list networkpolicies.networking.k8s.io in all namespaces (forbidden)",
    )
    assert snap.network_policies == () and len(snap.pods) == 6
    assert len(warnings) == 1
    assert "list networkpolicies.networking.k8s.io in all namespaces" in warnings[0]
    assert "any 'allowed' may really be denied" in warnings[0]


def test_minimal_rbac_is_enough_for_a_namespace(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    """The shipped Roles, enforced like RBAC: -n shop reads everything but cluster scope."""
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    roles = {d["metadata"]["name"]: d["rules"] for d in docs}
    apiserver.authorizer = rbac_authorizer(
        [("shop", roles["netdiag-namespace-reader"]), ("kube-system", roles["netdiag-dns-reader"])]
    )
    snap = load_live(kubeconfig=kubeconfig, namespace="shop", warn=lambda m: None)
    assert snap.incomplete == (
        "list namespaces (cluster scope) (forbidden)",
        "list nodes (cluster scope) (forbidden)",
    )
    assert len(snap.pods) == 3 and len(snap.network_policies) == 3
    assert snap.dns.corefile_present and snap.cni.plugins == ("calico",)


def test_cluster_role_grants_everything_the_snapshot_reads(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    for doc in docs:
        for rule in doc["rules"]:
            assert sorted(rule["verbs"]) == ["get", "list", "watch"]
    roles = {d["metadata"]["name"]: d["rules"] for d in docs}
    apiserver.authorizer = rbac_authorizer(
        [(None, roles["netdiag-reader"]), ("kube-system", roles["netdiag-dns-reader"])]
    )
    assert load_live(kubeconfig=kubeconfig).incomplete == ()


def test_cli_snapshot_yaml_round_trips(kubeconfig: str, tmp_path: Path) -> None:
    result = run_cli(["snapshot", "--kubeconfig", kubeconfig, "-o", "yaml"])
    assert result.exit_code == 0, result.stderr
    saved = tmp_path / "cluster.yaml"
    saved.write_text(result.stdout)
    from netdiag.sources.manifests import load_manifests

    assert load_manifests([str(saved)]) == loaded_from_files()


def test_cli_forbidden_warns_once_on_stderr(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    apiserver.forbid("networkpolicies")
    result = run_cli(["snapshot", "--kubeconfig", kubeconfig, "-o", "json"])
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "networkpolicies" in warnings[0]
    json.loads(result.stdout)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_cli_dump_of_an_incomplete_snapshot_stays_incomplete(
    apiserver: FakeAPIServer, kubeconfig: str, tmp_path: Path, fmt: str
) -> None:
    """An offline backup of a restricted read still says what could not be read."""
    apiserver.forbid("networkpolicies")
    refused = "list networkpolicies.networking.k8s.io in all namespaces (forbidden)"
    dump = run_cli(["snapshot", "--kubeconfig", kubeconfig, "-o", fmt])
    assert dump.exit_code == 0, dump.stderr
    saved = tmp_path / f"backup.{fmt}"
    saved.write_text(dump.stdout)
    live = run_cli(["matrix", "--kubeconfig", kubeconfig])
    offline = run_cli(["matrix", "--cluster", str(saved)])
    assert offline.exit_code == live.exit_code == 0, offline.stderr
    note = f"note: the snapshot is incomplete ({refused}): verdicts may change"
    assert note in offline.stdout
    assert offline.stdout == live.stdout
    summary = run_cli(["snapshot", "--cluster", str(saved)])
    assert f"incomplete: {refused}" in summary.stdout


def test_cli_wrong_context_exit_3_one_line(kubeconfig: str) -> None:
    result = run_cli(["snapshot", "--kubeconfig", kubeconfig, "--context", "prod"])
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: context 'prod' not found in kubeconfig {kubeconfig}"]
    assert "Traceback" not in result.stderr


def test_cli_unreachable_server_exit_4_one_line(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    path = write_kubeconfig(str(tmp_path / "kc"), FakeAPIServer())
    config = yaml.safe_load(Path(path).read_text())
    config["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{port}"
    Path(path).write_text(yaml.safe_dump(config))
    result = run_cli(["snapshot", "--kubeconfig", path])
    assert result.exit_code == 4
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "cannot reach the Kubernetes API" in lines[0]
    assert "Traceback" not in result.stderr and "Retrying" not in result.stderr


def test_cli_live_uses_kubeconfig_env(kubeconfig: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", kubeconfig)
    result = run_cli(["snapshot", "--live"])
    assert result.exit_code == 0, result.stderr
    assert "Pod" in result.stdout


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_is_quiet_for_quick_lists_and_one_line_in_logs() -> None:
    from netdiag.sources.kubeapi import PODS, Query
    from netdiag.sources.live import StderrProgress

    quick = _Stream(tty=True)
    StderrProgress(quick, after=60)(Query(resource=PODS), 500)
    assert quick.getvalue() == ""
    log = _Stream(tty=False)
    progress = StderrProgress(log, after_pipe=0)
    for count in (500, 1000, 1500):
        progress(Query(resource=PODS), count)
    assert log.getvalue().count("\n") == 1 and log.getvalue().startswith("listing pods: 500")
    term = _Stream(tty=True)
    progress = StderrProgress(term, after=0)
    progress(Query(resource=PODS), 500)
    progress.done()
    assert term.getvalue().endswith("\r\x1b[K") and "listing pods: 500 so far" in term.getvalue()


def test_refused_cluster_wide_lists_fall_back_to_the_context_namespace(
    apiserver: FakeAPIServer, tmp_path: Path
) -> None:
    """Without -n, a user bound only in 'shop' still gets shop (k9s #42, #534)."""
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    roles = {d["metadata"]["name"]: d["rules"] for d in docs}
    apiserver.authorizer = rbac_authorizer(
        [("shop", roles["netdiag-namespace-reader"]), ("kube-system", roles["netdiag-dns-reader"])]
    )
    path = write_kubeconfig(str(tmp_path / "kc"), apiserver, namespace="shop")
    snap = load_live(kubeconfig=path, warn=lambda m: None)
    assert {p.key for p in snap.pods} == {
        "shop/db-0",
        "shop/web-6f9c7b8d4-x1x1x",
        "shop/web-6f9c7b8d4-y2y2y",
    }
    assert len(snap.network_policies) == 3
    assert "list pods in all namespaces (forbidden)" in snap.incomplete
    assert snap.cni.plugins == ("calico",), "DaemonSets fall back to kube-system"


def test_a_resource_the_server_does_not_serve_is_reported_not_fatal(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    apiserver.unserved.add("endpointslices")
    snap = load_live(kubeconfig=kubeconfig, warn=lambda m: None)
    assert snap.incomplete == (
        "list endpointslices.discovery.k8s.io in all namespaces (not served)",
    )
    assert {s.service_name for s in snap.endpoint_slices} == {"kube-dns", "web", "db"}
    assert all(s.derived for s in snap.endpoint_slices), "derived from pods instead"
