"""The client edge against the fake API server over real HTTP(S): config, paging, errors."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from netdiag.errors import ClusterError, ConfigError, ExitCode
from netdiag.sources import kubeapi
from netdiag.sources.kubeapi import PODS, Query
from netdiag.sources.kubeconfig import connect
from tests.helpers import require_tool
from tests.live.apiserver import FakeAPIServer, write_kubeconfig
from tests.live.conftest import cluster_objects

ALL_PODS = Query(resource=PODS)


def pod_names(listed: kubeapi.Listed) -> list[str]:
    return [i["metadata"]["name"] for i in listed.items]


def test_list_pages_with_limit_and_continue(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    conn = connect(kubeconfig=kubeconfig)
    listed = kubeapi.list_all(conn, ALL_PODS, page_size=2)
    assert len(listed.items) == 6
    assert all(i["kind"] == "Pod" and i["apiVersion"] == "v1" for i in listed.items)
    pages = [r for r in apiserver.requests if r.path == "/api/v1/pods"]
    assert [r.query.get("limit") for r in pages] == ["2", "2", "2"]
    assert [("continue" in r.query) for r in pages] == [False, True, True]
    assert listed.resource_version == apiserver.resource_version


def test_expired_continue_token_restarts_the_list(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    conn = connect(kubeconfig=kubeconfig)
    seen: list[int] = []

    def expire_after_first_page(query: Query, count: int) -> None:
        seen.append(count)
        if len(seen) == 1:
            apiserver.expire_continue_tokens()

    listed = kubeapi.list_all(conn, ALL_PODS, page_size=2, progress=expire_after_first_page)
    assert sorted(pod_names(listed)) == sorted(set(pod_names(listed)))
    assert len(listed.items) == 6, "no page twice"
    starts = [
        r for r in apiserver.requests if r.path == "/api/v1/pods" and "continue" not in r.query
    ]
    assert len(starts) == 2


def test_field_selector_reads_one_configmap_by_name(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    conn = connect(kubeconfig=kubeconfig)
    query = Query(resource=kubeapi.CONFIG_MAPS, namespace="kube-system", name="coredns")
    listed = kubeapi.list_all(conn, query)
    assert pod_names(listed) == ["coredns"]
    assert apiserver.requests[-1].query["fieldSelector"] == "metadata.name=coredns"


def test_forbidden_is_a_refusal_naming_verb_resource_and_scope(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    apiserver.forbid("networkpolicies")
    conn = connect(kubeconfig=kubeconfig)
    with pytest.raises(kubeapi.Refused) as e:
        kubeapi.list_all(conn, Query(resource=kubeapi.NETWORK_POLICIES))
    assert e.value.what == ("list networkpolicies.networking.k8s.io in all namespaces (forbidden)")


def test_context_from_a_merged_kubeconfig_list(
    apiserver: FakeAPIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_kubeconfig(str(tmp_path / "a"), apiserver, context="alpha")
    second = write_kubeconfig(str(tmp_path / "b"), apiserver, context="beta")
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    conn = connect(context="beta")
    assert conn.context == "beta"
    assert len(kubeapi.list_all(conn, ALL_PODS).items) == 6
    # The first file's current-context wins, as with kubectl.
    assert connect().context == "alpha"


def test_wrong_context_is_a_config_error_listing_contexts(kubeconfig: str) -> None:
    with pytest.raises(ConfigError) as e:
        connect(kubeconfig=kubeconfig, context="prod")
    assert e.value.exit_code == ExitCode.CONFIG
    assert "context 'prod' not found" in e.value.message
    assert e.value.hint == "available contexts: test"


def test_missing_kubeconfig_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        connect(kubeconfig=str(tmp_path / "nope"))


def test_the_client_is_private(kubeconfig: str) -> None:
    """No global Configuration change, no write-back to the kubeconfig."""
    from kubernetes.client import Configuration

    before = Path(kubeconfig).read_bytes()
    default_host = Configuration.get_default_copy().host
    conn = connect(kubeconfig=kubeconfig)
    kubeapi.list_all(conn, ALL_PODS)
    assert Configuration.get_default_copy().host == default_host != conn.host
    assert Path(kubeconfig).read_bytes() == before


def test_unauthorized_is_a_cluster_error(apiserver: FakeAPIServer, tmp_path: Path) -> None:
    path = write_kubeconfig(str(tmp_path / "kc"), apiserver)
    config = yaml.safe_load(Path(path).read_text())
    config["users"][0]["user"]["token"] = "wrong"
    Path(path).write_text(yaml.safe_dump(config))
    conn = connect(kubeconfig=path)
    with pytest.raises(ClusterError, match="401 Unauthorized"):
        kubeapi.list_all(conn, ALL_PODS)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    for s in accepted:
        s.close()
    sock.close()


def _kubeconfig_for(url: str, tmp_path: Path) -> str:
    server = FakeAPIServer()
    path = write_kubeconfig(str(tmp_path / "kc"), server)
    config = yaml.safe_load(Path(path).read_text())
    config["clusters"][0]["cluster"]["server"] = url
    Path(path).write_text(yaml.safe_dump(config))
    return path


def test_timeout_is_a_one_line_cluster_error(silent_server: int, tmp_path: Path) -> None:
    conn = connect(kubeconfig=_kubeconfig_for(f"http://127.0.0.1:{silent_server}", tmp_path))
    with pytest.raises(ClusterError) as e:
        kubeapi.list_all(conn, ALL_PODS, timeout=(0.3, 0.3))
    assert e.value.exit_code == ExitCode.CLUSTER
    assert "timed out" in e.value.message and "\n" not in e.value.message


def test_refused_connection_is_a_one_line_cluster_error(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    conn = connect(kubeconfig=_kubeconfig_for(f"http://127.0.0.1:{port}", tmp_path))
    with pytest.raises(ClusterError) as e:
        kubeapi.list_all(conn, ALL_PODS)
    assert f"cannot reach the Kubernetes API at http://127.0.0.1:{port}" in e.value.message
    assert "Connection refused" in e.value.message and "\n" not in e.value.message


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    openssl = require_tool("openssl")
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.system
def test_https_with_the_kubeconfig_certificate_authority(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    with FakeAPIServer(cluster_objects(), certfile=str(cert), keyfile=str(key)) as server:
        assert server.url.startswith("https://")
        path = write_kubeconfig(str(tmp_path / "kc"), server, ca_file=str(cert))
        conn = connect(kubeconfig=path)
        assert len(kubeapi.list_all(conn, ALL_PODS).items) == 6
        # Without the CA the certificate must be refused, in one line.
        untrusted = write_kubeconfig(str(tmp_path / "kc2"), server)
        with pytest.raises(ClusterError) as e:
            kubeapi.list_all(connect(kubeconfig=untrusted), ALL_PODS)
        assert "\n" not in e.value.message


@pytest.mark.system
def test_in_cluster_configuration_without_a_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KUBERNETES_SERVICE_HOST set and no kubeconfig: the pod's service account."""
    from kubernetes.config import incluster_config

    from tests.live.apiserver import TOKEN

    cert, key = _self_signed(tmp_path)
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(TOKEN)
    (sa / "namespace").write_text("shop\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(sa / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(cert))
    with FakeAPIServer(cluster_objects(), certfile=str(cert), keyfile=str(key)) as server:
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", server.url.rpartition(":")[2])
        conn = connect()
        assert (conn.context, conn.namespace) == ("(in-cluster)", "shop")
        assert len(kubeapi.list_all(conn, ALL_PODS).items) == 6
