"""Hostile manifests: each ends with one clear error (or a safe model), within the limits."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netdiag.errors import ManifestError
from netdiag.limits import LimitError, Limits, current
from netdiag.sources.manifests import load_manifests

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: a%s}
spec: {containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}
status: {podIP: %s}
"""

#: The 460-byte "billion laughs" inside metadata.labels: 9**10 strings when expanded.
BOMB = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n" + "".join(
    "    {}: &{} [{}]\n".format(c, c, ",".join([("*" + p) if p else '"lol"'] * 9))
    for p, c in zip(["", *"abcdefghi"], "abcdefghij", strict=True)
)


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> str:
    f = tmp_path / name
    f.write_text(text)
    return str(f)


def error(paths: list[str], **kw: object) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        load_manifests(paths, **kw)  # type: ignore[arg-type]
    return info.value


def test_alias_bomb_stops_at_the_alias_limit(tmp_path: Path) -> None:
    e = error([write(tmp_path, BOMB)])
    assert isinstance(e, LimitError) and e.limit == "alias_expansions"
    assert "YAML alias expansions" in e.message
    assert e.hint is not None and "NETDIAG_MAX_ALIAS_EXPANSIONS" in e.hint


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    text = (
        POD % ("p", "", "10.0.0.1")
        + "---\n"
        + (
            "kind: Pod\napiVersion: v1\n"
            "metadata: {name: q, namespace: a, labels: &l {app: x}, annotations: {}}\n"
            "spec: {containers: [{name: c}], nodeSelector: *l}\n"
        )
    )
    snap = load_manifests([write(tmp_path, text)])
    assert [p.name for p in snap.pods] == ["p", "q"]


def test_nesting_limit_applies_when_the_document_is_walked(tmp_path: Path) -> None:
    deep = "[" * 150 + "]" * 150
    text = '{"kind": "Pod", "metadata": {"name": "p\\ud800"}, "x": ' + deep + "}"
    e = error([write(tmp_path, text, "m.json")])
    assert isinstance(e, LimitError) and e.limit == "nesting"


@pytest.mark.parametrize("name", ["/dev/zero", "/dev/null"])
def test_devices_are_refused(name: str) -> None:
    assert "character device, not a regular file" in error([name]).message


def test_symlink_to_a_device_inside_a_directory(tmp_path: Path) -> None:
    write(tmp_path, POD % ("p", "", "10.0.0.1"))
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    assert "zero.yaml: is a character device" in error([str(tmp_path)]).message


def test_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    assert "is a FIFO" in error([str(fifo)]).message


def test_file_size_limit(tmp_path: Path) -> None:
    f = write(tmp_path, POD % ("p", "", "10.0.0.1"))
    e = error([f], limits=Limits(file_bytes=50))
    assert isinstance(e, LimitError) and "bytes per input file" in e.message


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "---\n---\n", "kind: List\napiVersion: v1\nitems: []\n"],
)
def test_empty_input_is_an_error(tmp_path: Path, text: str) -> None:
    assert error([write(tmp_path, text)]).message == f"no Kubernetes objects in {tmp_path}/m.yaml"


def test_empty_stdin_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert error(["-"]).message == "no Kubernetes objects in <stdin>"


def test_closed_stdin_is_one_error_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "netdiag", "matrix", "--cluster", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        close_fds=True,
        preexec_fn=lambda: os.close(0),
    )
    assert run.returncode == 2
    assert run.stderr.splitlines()[0] == "error: <stdin>: standard input is closed"


def test_list_items_must_be_a_list(tmp_path: Path) -> None:
    msg = error([write(tmp_path, "kind: List\napiVersion: v1\nitems: 5\n")]).message
    assert msg.endswith("items: must be a list, not int")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ('{"kind": "Pod", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "m.json", "nesting depth"),
        ('{"kind": "Pod", "x": ' + "9" * 5000 + "}", "m.json", "malformed JSON: Exceeds the limit"),
        ("kind: Pod\nx: " + "9" * 5000 + "\n", "m.yaml", "invalid YAML value: Exceeds"),
        ("kind: Pod\nx: 2001-13-45\n", "m.yaml", "m.yaml:1: invalid YAML value: month must be"),
    ],
    ids=["deep-json", "long-int-json", "long-int-yaml", "bad-timestamp"],
)
def test_parser_failures_are_one_error(tmp_path: Path, text: str, name: str, expected: str) -> None:
    assert expected in error([write(tmp_path, text, name)]).message


def test_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    text = (
        '{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a\\ud800b", "namespace": "x"}}'
    )
    snap = load_manifests([write(tmp_path, text, "m.json")])
    assert snap.pods[0].name == "a\ufffdb"
    snap.pods[0].name.encode("utf-8")  # every output can encode it


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: a}
spec:
  replicas: %d
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c}]}
"""


def test_replicas_past_the_workload_limit(tmp_path: Path) -> None:
    e = error([write(tmp_path, DEPLOYMENT % ("d", 99_999_999))])
    assert isinstance(e, LimitError) and e.limit == "workload_pods"
    assert "Deployment a/d: spec.replicas 99999999: over the limit" in e.message
    assert e.hint is not None and "NETDIAG_MAX_WORKLOAD_PODS" in e.hint


def test_replicas_beyond_int32_are_invalid(tmp_path: Path) -> None:
    assert "out of range" in error([write(tmp_path, DEPLOYMENT % ("d", 2**31))]).message


def test_synthetic_pods_in_total(tmp_path: Path) -> None:
    text = "---\n".join(DEPLOYMENT % (f"d{i}", 30) for i in range(4))
    e = error([write(tmp_path, text)], limits=Limits(synthetic_pods=100))
    assert isinstance(e, LimitError) and e.limit == "synthetic_pods"
    assert len(load_manifests([write(tmp_path, text)]).pods) == 120


def test_limits_from_the_environment() -> None:
    assert current({"NETDIAG_MAX_WORKLOAD_PODS": "20_000"}).workload_pods == 20_000
    assert current({}).workload_pods == Limits().workload_pods
    for bad in ("0", "-1", "x", "٨٠"):
        with pytest.raises(ManifestError.__mro__[1]):  # InputError
            current({"NETDIAG_MAX_PAGES": bad})


POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: a}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: "%s"}}], ports: [{port: %s}]}]
"""


@pytest.mark.parametrize(
    ("cidr", "port", "expected"),
    [
        ("10.0.0.0/8", '"٨٠"', "invalid port name '٨٠'"),  # Arabic-Indic digits
        ("10.0.0.0/8", '"80"', "invalid port name '80'"),  # a string port is a name
        ("10.0.0.0/255.255.0.0", "80", "invalid CIDR '10.0.0.0/255.255.0.0'"),
        ("fe80::1%eth0/64", "80", "invalid CIDR 'fe80::1%eth0/64'"),
        ("10.0.0.0/٨", "80", "invalid CIDR"),
    ],
)
def test_values_the_api_server_refuses(tmp_path: Path, cidr: str, port: str, expected: str) -> None:
    assert expected in error([write(tmp_path, POLICY % (cidr, port))]).message


def test_pod_ip_with_zone_index(tmp_path: Path) -> None:
    msg = error([write(tmp_path, POD % ("p", "", "fe80::1%eth0"))]).message
    assert "status.podIPs[0]: invalid IP address 'fe80::1%eth0' (zone index)" in msg


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("{version: 1.0}", "metadata.labels.version: must map strings to strings, not float"),
        ("{on: true}", "must map strings to strings, not bool"),
        ("{a: [x]}", "not list"),
        ("{a: " + "v" * 64 + "}", "has 64 characters (at most 63)"),
        ("{" + "k" * 64 + ": v}", "invalid label key"),
        ("{" + "p" * 254 + "/k: v}", "invalid label key"),
    ],
)
def test_labels_like_the_api_server(tmp_path: Path, labels: str, expected: str) -> None:
    msg = error([write(tmp_path, POD % ("p", ", labels: " + labels, "10.0.0.1"))]).message
    assert expected in msg


def test_label_at_the_limits_loads(tmp_path: Path) -> None:
    labels = "{" + "p" * 253 + "/" + "k" * 63 + ": " + "v" * 63 + ", empty: null}"
    snap = load_manifests([write(tmp_path, POD % ("p", ", labels: " + labels, "10.0.0.1"))])
    assert snap.pods[0].labels["empty"] == ""


def test_annotations_total_size(tmp_path: Path) -> None:
    big = "{a: " + "x" * (256 * 1024) + "}"
    msg = error([write(tmp_path, POD % ("p", ", annotations: " + big, "10.0.0.1"))]).message
    assert "metadata.annotations: may not be larger than 262144 bytes" in msg


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "x", "--resolv-conf", "/dev/zero"],
        ["resolve", "x", "--upstream-zone", "/dev/zero"],
        ["dns", "capture", "-r", "/dev/null", "--resolv-conf", "/dev/zero"],
    ],
    ids=["resolve-resolv-conf", "upstream-zone", "capture-resolv-conf"],
)
def test_other_file_options_refuse_devices(args: list[str]) -> None:
    from tests.helpers import run_cli

    r = run_cli(args)
    assert r.exit_code == 2
    assert "/dev/zero: is a character device, not a regular file" in r.stderr


@pytest.mark.parametrize(
    ("text", "walked"),
    [
        ("a: &x [1]\nb: *x\n", True),
        ("- &x 1\n", True),
        ("a: {b: [&x 1, *x]}\n", True),
        ("url: http://h/?a=1&b=2\n", False),  # an & inside a word is no anchor
        ('{"name": "a\\ud800"}', True),
        ('{"name": "plain"}', False),
    ],
)
def test_documents_are_walked_only_when_they_can_need_it(text: str, walked: bool) -> None:
    from netdiag.sources.bounded import needs_check

    assert needs_check(text) is walked
