"""The hostile-input battery, end to end: each case runs the real CLI in a subprocess and
must end with exactly one ``error:`` line (and maybe a ``hint:``), the documented exit
code, within a generous time and a memory ceiling measured with ``getrusage``.

The address space is capped too (``RLIMIT_AS``), so a regression fails fast here
instead of eating the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster.test_hostile import BOMB
from tests.live import faults
from tests.live.apiserver import FakeAPIServer, write_kubeconfig
from tests.live.conftest import cluster_objects

ROOT = Path(__file__).resolve().parents[2]
MEASURE = Path(__file__).with_name("measure.py")
#: Generous bounds: the failures they catch took minutes and gigabytes.
SECONDS = 40
PEAK_MIB = 400
ADDRESS_SPACE = 4 << 30


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    peak_mib: float
    seconds: float


def run(
    args: list[str], *, stdin: int | None = None, env: dict[str, str] | None = None, tmp: Path
) -> Outcome:
    rss = tmp / "rss"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        if stdin == -1:
            os.close(0)

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(MEASURE), str(rss), *args],
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=SECONDS * 2,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        preexec_fn=limit,
    )
    seconds = time.monotonic() - started
    peak = int(rss.read_text()) / 1024 if rss.exists() else float("nan")
    return Outcome(done.returncode, done.stdout, done.stderr, peak, seconds)


def one_error(o: Outcome, code: int, words: str) -> None:
    lines = o.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert o.code == code, o.stderr
    assert len(errors) == 1 and "Traceback" not in o.stderr, o.stderr
    assert all(line.startswith(("error: ", "hint: ", "warning: ", "note: ")) for line in lines)
    assert words in errors[0], errors[0]
    assert o.peak_mib < PEAK_MIB, f"peak {o.peak_mib:.0f} MiB"
    print(f"{words}: {o.seconds:.1f} s, {o.peak_mib:.0f} MiB")  # shown with pytest -s
    assert o.seconds < SECONDS


def deployment(replicas: int) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: x}\n"
        f"spec: {{replicas: {replicas}, template: {{metadata: {{labels: {{a: b}}}}, "
        "spec: {containers: [{name: c}]}}}\n"
    )


def _fifo(tmp: Path) -> str:
    os.mkfifo(tmp / "fifo.yaml")
    return str(tmp / "fifo.yaml")


def _zero_in_dir(tmp: Path) -> str:
    d = tmp / "dir"
    d.mkdir()
    (d / "a.yaml").symlink_to("/dev/zero")
    return str(d)


def _file(text: str, name: str = "m.yaml") -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        (tmp / name).write_text(text)
        return str(tmp / name)

    return make


MANIFESTS: dict[str, tuple[Callable[[Path], str], str]] = {
    "alias-bomb": (_file(BOMB), "YAML alias expansions"),
    "replicas-99999999": (_file(deployment(99_999_999)), "synthetic pods per workload"),
    "replicas-70000": (_file(deployment(70_000)), "synthetic pods per workload"),
    "dev-zero": (lambda _t: "/dev/zero", "character device"),
    "dev-zero-in-dir": (_zero_in_dir, "a.yaml: is a character device"),
    "fifo": (_fifo, "is a FIFO"),
    "deep-json": (_file("[" * 100_000 + "]" * 100_000, "m.json"), "nesting depth"),
    "long-int": (_file('{"kind": "Pod", "x": ' + "9" * 5000 + "}", "m.json"), "malformed JSON"),
    "bad-timestamp": (_file("kind: Pod\nx: 2001-13-45\n"), "invalid YAML value"),
    "empty": (_file(""), "no Kubernetes objects"),
    "nul": (_file("kind: Pod\0\n"), "malformed YAML"),
}


@pytest.mark.parametrize("case", sorted(MANIFESTS))
def test_hostile_manifests(tmp_path: Path, case: str) -> None:
    make, words = MANIFESTS[case]
    one_error(run(["matrix", "--cluster", make(tmp_path)], tmp=tmp_path), 2, words)


def test_closed_stdin(tmp_path: Path) -> None:
    o = run(["matrix", "--cluster", "-"], stdin=-1, tmp=tmp_path)
    one_error(o, 2, "standard input is closed")


def test_lone_surrogates_give_a_model(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a\ud800", "namespace": "x"}}
    f = tmp_path / "m.json"
    f.write_text(json.dumps(pod))
    for command in (["matrix"], ["snapshot"], ["audit"], ["export", "-f", "csv", "-o", "-"]):
        o = run([*command, "--cluster", str(f)], tmp=tmp_path)
        assert o.code in (0, 1) and "Traceback" not in o.stderr, (command, o.stderr)


KUBECONFIGS = {
    "syntax": ("a: [\n", "malformed YAML"),
    "list": ("- 1\n", "expected a mapping"),
    "contexts-ints": ("contexts: [1, 2]\n", "contexts[0]"),
}


@pytest.mark.parametrize("case", sorted(KUBECONFIGS))
def test_hostile_kubeconfigs(tmp_path: Path, case: str) -> None:
    text, words = KUBECONFIGS[case]
    (tmp_path / "kc").write_text(text)
    one_error(run(["matrix", "--kubeconfig", str(tmp_path / "kc")], tmp=tmp_path), 3, words)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[FakeAPIServer, str]]:
    with FakeAPIServer(cluster_objects()) as s:
        yield s, write_kubeconfig(str(tmp_path / "kubeconfig"), s)


def test_gzip_bomb_from_the_api(server: tuple[FakeAPIServer, str], tmp_path: Path) -> None:
    api, kubeconfig = server
    api.fault = faults.gzip_bomb("pods", 256 << 20)
    o = run(["matrix", "--kubeconfig", kubeconfig], tmp=tmp_path)
    one_error(o, 4, "gzip inflation ratio")


def test_drip_from_the_api(server: tuple[FakeAPIServer, str], tmp_path: Path) -> None:
    api, kubeconfig = server
    api.fault = faults.drip("pods", interval=0.2)
    o = run(
        ["matrix", "--kubeconfig", kubeconfig], env={"NETDIAG_PAGE_DEADLINE": "2"}, tmp=tmp_path
    )
    one_error(o, 4, "seconds per API list page")


def test_endless_continue_from_the_api(server: tuple[FakeAPIServer, str], tmp_path: Path) -> None:
    api, kubeconfig = server
    api.fault = faults.endless_continue("pods", same_token=False)
    o = run(["matrix", "--kubeconfig", kubeconfig], env={"NETDIAG_MAX_PAGES": "50"}, tmp=tmp_path)
    one_error(o, 4, "pages per API list")
