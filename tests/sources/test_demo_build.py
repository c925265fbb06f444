"""The demo's pre-parsed JSON (netdiag/sources/demo/_build.py) matches its sources.

``load_demo`` and ``demo_upstream`` read ``manifests.json`` and
``upstream.json`` so that start-up imports neither PyYAML nor dnspython; the
YAML manifests and ``upstream.zone`` stay the files people edit. These tests
fail as soon as the two drift apart (fix: ``python -m
netdiag.sources.demo._build``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netdiag.cluster.build import snapshot_from_objects
from netdiag.dns.zone.upstream import UpstreamZone, parse_zone_text
from netdiag.sources.demo import (
    MANIFESTS_JSON,
    PARSED_DIR,
    SOURCE,
    UPSTREAM_JSON,
    UPSTREAM_ZONE,
    _build,
    _text,
    demo_upstream,
    demo_upstream_zone,
    load_demo,
)

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_json_is_what_the_sources_give() -> None:
    assert _build.stale() == [], "run: python -m netdiag.sources.demo._build"
    for name, text in _build.outputs().items():
        assert _text(name, PARSED_DIR) == text


def test_snapshot_from_json_equals_snapshot_from_yaml_origins_included() -> None:
    from_yaml = snapshot_from_objects(_build.manifest_objects(), source=SOURCE)
    from_json = load_demo()
    assert from_json == from_yaml
    # == skips compare=False fields (origins, warnings, source, templates): repr has them all.
    assert repr(from_json) == repr(from_yaml)
    origins = {p.origin for p in from_json.pods} | {s.origin for s in from_json.services}
    assert all(o.startswith("demo/") and ".yaml:" in o for o in origins if o)
    assert any(o.startswith("demo/shop.yaml:") for o in origins)


def _state(zone: UpstreamZone) -> tuple[object, ...]:
    return (dict(zone.records), dict(zone.faults), zone.apexes, zone.existing, zone.source)


def test_upstream_from_json_equals_the_parsed_zone_file() -> None:
    parsed = parse_zone_text(demo_upstream_zone(), filename=f"demo/{UPSTREAM_ZONE}")
    shipped = demo_upstream()
    assert _state(shipped) == _state(parsed)
    assert shipped.source == "demo/upstream.zone"
    questions = [("baidu.com.", "A"), ("www.baidu.com.", "AAAA"), ("nope.localdomain.", "A")]
    for name, rtype in questions:
        assert shipped.query(name, rtype) == parsed.query(name, rtype)


def test_check_reports_a_stale_or_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (MANIFESTS_JSON, UPSTREAM_JSON):
        (tmp_path / name).write_text(_text(name, PARSED_DIR), encoding="utf-8")
    monkeypatch.setattr(_build, "PARSED_DIR", str(tmp_path))
    doc = json.loads((tmp_path / UPSTREAM_JSON).read_text(encoding="utf-8"))
    doc["records"] = doc["records"][1:]
    (tmp_path / UPSTREAM_JSON).write_text(json.dumps(doc), encoding="utf-8")
    assert _build.stale() == [UPSTREAM_JSON]
    assert _build.main(["--check"]) == 1
    (tmp_path / MANIFESTS_JSON).unlink()
    assert _build.stale() == [MANIFESTS_JSON, UPSTREAM_JSON]
    assert _build.main([]) == 0 and _build.stale() == []
    rewritten = (tmp_path / UPSTREAM_JSON).read_text(encoding="utf-8")
    assert rewritten == _text(UPSTREAM_JSON, PARSED_DIR)


def test_the_demo_folder_as_cluster_holds_only_the_sources() -> None:
    # --cluster netdiag/sources/demo walks *.yaml and *.json: the generated JSON
    # must not be there, or every object would load twice.
    from netdiag.sources.manifests import load_manifests

    demo_dir = ROOT / "netdiag" / "sources" / "demo"
    assert not list(demo_dir.glob("*.json"))
    assert load_manifests([str(demo_dir)]) == load_demo()


_PROBE = """
import contextlib, io, json, sys
from netdiag.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit as e:
        code = e.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_resolve_on_the_demo_imports_neither_yaml_nor_dnspython() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["resolve", "baidu.com", "--ns", "default"]
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["code"] == 0 and "39.156.66.10" in result["out"]  # the demo upstream answered
    heavy = [m for m in result["modules"] if m.split(".")[0] in ("yaml", "dns", "_yaml")]
    assert heavy == []
