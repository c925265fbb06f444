"""The snapshot cache: the same snapshot back, and a clear refusal of anything else."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from benchmarks.gencluster import envelope
from netdiag.cluster import cache
from netdiag.cluster.model import ClusterSnapshot
from netdiag.sources.demo import load_demo
from netdiag.sources.manifests import load_manifests
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "fixtures" / "dump"


def _same(a: ClusterSnapshot, b: ClusterSnapshot) -> None:
    # Every field, including those equality ignores (origins, warnings, source).
    for f in dataclasses.fields(ClusterSnapshot):
        assert getattr(a, f.name) == getattr(b, f.name), f.name
    assert [p.origin for p in a.pods] == [p.origin for p in b.pods]
    assert [w.template for w in a.workloads] == [w.template for w in b.workloads]


@pytest.mark.parametrize(
    "make",
    [
        load_demo,
        lambda: load_manifests([str(DUMP)]),
        lambda: envelope(pods=400, namespaces=5, policies=40, nodes=10, services=20),
    ],
    ids=["demo", "kubectl-dump", "envelope"],
)
def test_round_trip_gives_the_same_snapshot(make: object) -> None:
    snap = make()  # type: ignore[operator]
    _same(cache.load_cache(cache.dump_cache(snap)), snap)


def test_equal_values_are_stored_once() -> None:
    snap = envelope(pods=400, namespaces=5, policies=40, nodes=10, services=20)
    doc = json.loads(cache.dump_cache(snap))
    classes = [name for name, _ in doc["classes"]]
    owners = [o for o in doc["objects"] if o[0] == 2 and classes[o[1]].endswith(":OwnerRef")]
    assert len(owners) == len({p.owner for p in snap.pods})


def test_cli_cache_answers_like_the_manifests(tmp_path: Path) -> None:
    made = run_cli(["snapshot", "--cluster", str(DUMP), "-o", "cache"])
    assert made.exit_code == 0, made.stderr
    path = tmp_path / "snap.ndc"
    path.write_text(made.stdout)
    for args in (["matrix", "-o", "json"], ["matrix", "--granularity", "namespace"], ["audit"]):
        want = run_cli([*args, "--cluster", str(DUMP)])
        got = run_cli([*args, "--cluster", str(path)])
        assert (got.exit_code, got.stdout) == (want.exit_code, want.stdout)
    summary = run_cli(["snapshot", "--cluster", str(path)])
    assert f"{path} (snapshot cache of {DUMP})" in summary.stdout + summary.stderr


def _tamper(text: str, edit: object) -> str:
    doc = json.loads(text)
    edit(doc)  # type: ignore[operator]
    return cache.MAGIC + json.dumps(doc, separators=(",", ":"))[len(cache.MAGIC) :]


def _bad_class(doc: dict[str, object]) -> None:
    doc["classes"][0][0] = "os:system"  # type: ignore[index]


def _changed_fields(doc: dict[str, object]) -> None:
    doc["classes"][0][1].append("new_field")  # type: ignore[index]


def _forward_ref(doc: dict[str, object]) -> None:
    doc["objects"][0] = [1, 10**6]  # type: ignore[index]


def _other_schema(doc: dict[str, object]) -> None:
    doc["schema"] = "netdiag/snapshot-cache/v0"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_bad_class, "is not netdiag's"),
        (_changed_fields, "has other fields in this version"),
        (_forward_ref, "a reference points forward"),
        (_other_schema, "schema 'netdiag/snapshot-cache/v0'"),
    ],
)
def test_a_foreign_or_stale_cache_is_one_error_line(
    tmp_path: Path, edit: object, message: str
) -> None:
    path = tmp_path / "bad.ndc"
    path.write_text(_tamper(cache.dump_cache(load_demo()), edit))
    out = run_cli(["snapshot", "--cluster", str(path)])
    assert out.exit_code == 2
    first = out.stderr.splitlines()[0]
    assert first.startswith(f"error: {path}: unusable snapshot cache: ")
    assert message in first
    assert "Traceback" not in out.stderr


def test_a_truncated_cache_and_a_cache_among_manifests_are_refused(tmp_path: Path) -> None:
    text = cache.dump_cache(load_demo())
    cut = tmp_path / "cut.ndc"
    cut.write_text(text[: len(text) // 2])
    out = run_cli(["snapshot", "--cluster", str(cut)])
    assert out.exit_code == 2 and "damaged file" in out.stderr.splitlines()[0]
    whole = tmp_path / "whole.json"
    whole.write_text(text)
    out = run_cli(["snapshot", "--cluster", str(whole), "--cluster", str(DUMP)])
    assert out.exit_code == 2
    assert "must be the only --cluster source" in out.stderr.splitlines()[0]
