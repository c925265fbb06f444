"""``netdiag snapshot`` and ``netdiag completion`` through the real entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netdiag.cluster.build import snapshot_from_objects
from netdiag.sources.demo import load_demo
from netdiag.sources.manifests import load_manifests, parse_documents
from tests.helpers import Result, run_cli

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "fixtures" / "dump"

GOOD_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: shop}
spec: {containers: [{name: c}]}
status: {podIP: 10.244.0.9}
"""


def test_summary_of_the_demo() -> None:
    result = run_cli(["snapshot"])
    assert result.exit_code == 0
    assert "using the bundled demo cluster" in result.stderr
    out = result.stdout
    assert "cluster domain      cluster.local" in out
    assert "DNS service IPs     10.96.0.10" in out
    assert "calico (enforces NetworkPolicy)" in out
    assert "search localdomain; nameserver 10.0.0.2" in out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[10:] if line.strip()}
    assert rows["NetworkPolicy"] == "5" and rows["Node"] == "3" and rows["StatefulSet"] == "1"


def test_summary_of_the_dump() -> None:
    result = run_cli(["snapshot", "--cluster", str(DUMP)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "flannel (does NOT enforce NetworkPolicy)" in result.stdout
    assert "NodeLocal DNSCache  169.254.20.10" in result.stdout
    assert "skipped kinds: Secret (1), ServiceAccount (1)" in result.stdout
    for kind in ("CronJob", "Job", "DaemonSet", "ReplicaSet", "StatefulSet", "Deployment"):
        assert f"\n{kind} " in result.stdout


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_output_loads_back_to_the_same_snapshot(fmt: str, tmp_path: Path) -> None:
    result = run_cli(["snapshot", "--cluster", str(DUMP), "-o", fmt])
    assert result.exit_code == 0
    path = tmp_path / f"backup.{fmt}"
    path.write_text(result.stdout)
    assert load_manifests([str(path)]) == load_manifests([str(DUMP)])
    # And through the CLI again: identical output.
    assert run_cli(["snapshot", "--cluster", str(path), "-o", fmt]).stdout == result.stdout


def test_demo_yaml_round_trip_via_stdin() -> None:
    text = run_cli(["snapshot", "-o", "yaml"]).stdout
    assert yaml.safe_load(text)["kind"] == "List"
    again = run_cli(["snapshot", "--cluster", "-", "-o", "json"], input=text)
    assert again.exit_code == 0
    objects = list(parse_documents(again.stdout, "x.json"))
    assert snapshot_from_objects(objects, source="x") == load_demo()
    assert json.loads(again.stdout)["items"]


def assert_one_error(result: Result, *parts: str) -> str:
    assert result.exit_code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 1 and lines[0].startswith("error: "), result.stderr
    assert all(line.startswith(("error: ", "hint: ")) for line in lines), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_malformed_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", GOOD_POD + "---\nkind: Service\nmetadata:\n  name: [x\n")
    line = assert_one_error(run_cli(["snapshot", "--cluster", path]), path, "malformed YAML")
    # PyYAML notices at the end of the file; the message also names where it began.
    assert line.startswith(f"error: {path}:10:")
    assert "flow sequence at line 9" in line


def test_document_without_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "nokind.yaml", GOOD_POD + "---\napiVersion: v1\nmetadata: {name: x}\n")
    assert_one_error(
        run_cli(["snapshot", "--cluster", path]), f"{path}:7 (document 2)", "no 'kind'"
    )


BAD_OPERATOR = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: Equals, values: [web]}
"""

BAD_CIDR = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
    - ipBlock: {cidr: 10.0.0.0/33}
"""

BAD_PORT = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: http, targetPort: 8080}
"""


@pytest.mark.parametrize(
    ("text", "obj", "field"),
    [
        (BAD_OPERATOR, "NetworkPolicy shop/np", "spec.podSelector.matchExpressions[0].operator"),
        (BAD_CIDR, "NetworkPolicy shop/np", "spec.ingress[0].from[1].ipBlock.cidr"),
        (BAD_PORT, "Service shop/web", "spec.ports[0].port"),
    ],
    ids=["selector-operator", "cidr", "service-port"],
)
def test_invalid_object_then_keep_going(tmp_path: Path, text: str, obj: str, field: str) -> None:
    path = write(tmp_path, "objs.yaml", GOOD_POD + "---\n" + text)
    assert_one_error(
        run_cli(["snapshot", "--cluster", path]), f"{path}:7 (document 2)", f"{obj}: {field}: "
    )
    kept = run_cli(["snapshot", "--cluster", path, "--keep-going"])
    assert kept.exit_code == 0
    assert "\nPod                1" in kept.stdout  # the valid object is still reported
    assert f"{path}:7 (document 2): {obj}: {field}: " in kept.stdout  # under warnings


def test_unreadable_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    assert_one_error(run_cli(["snapshot", "--cluster", missing]), missing, "no such file")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.yaml").symlink_to(tmp_path / "gone.yaml")
    assert_one_error(run_cli(["snapshot", "--cluster", str(tmp_path / "d")]), "cannot read")


def test_empty_directory(tmp_path: Path) -> None:
    line = assert_one_error(run_cli(["snapshot", "--cluster", str(tmp_path)]), str(tmp_path))
    assert "no *.yaml" in line


def test_cluster_and_live_are_exclusive() -> None:
    assert_one_error(run_cli(["snapshot", "--cluster", str(DUMP), "--live"]), "--cluster")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "objs.yaml", BAD_PORT)
    with pytest.raises(Exception, match="spec.ports"):
        run_cli(["--debug", "snapshot", "--cluster", path])


def test_completion_scripts() -> None:
    for shell, marker in [
        ("bash", "complete -o nosort -F _netdiag_completion netdiag"),
        ("zsh", "#compdef netdiag"),
        ("fish", "complete --no-files --command netdiag"),
    ]:
        result = run_cli(["completion", shell])
        assert result.exit_code == 0
        assert marker in result.stdout
        assert "_NETDIAG_COMPLETE" in result.stdout
    assert run_cli(["completion", "tcsh"]).exit_code == 2


def test_bash_completion_really_completes(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    wrapper = tmp_path / "netdiag"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m netdiag "$@"\n')
    wrapper.chmod(0o755)
    script = (
        'eval "$(netdiag completion bash)"; '
        "COMP_WORDS=(netdiag snap); COMP_CWORD=1; COMPREPLY=(); _netdiag_completion netdiag; "
        'echo "${COMPREPLY[@]}"; '
        'COMP_WORDS=(netdiag snapshot -o ""); COMP_CWORD=3; COMPREPLY=(); '
        '_netdiag_completion netdiag; echo "${COMPREPLY[@]}"'
    )
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([bash, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["snapshot", "table yaml json"]
