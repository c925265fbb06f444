"""One fixture per finding that triggers it, and a near-identical one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdiag.audit.run import all_checks, run_audit
from netdiag.sources.manifests import load_manifests

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audit"
CASES = sorted(FIXTURES.glob("*/*.yaml"))


def test_every_check_has_a_trigger_and_a_clean_fixture() -> None:
    for check in all_checks():
        folder = FIXTURES / check.id
        assert list(folder.glob("trigger*.yaml")), f"no trigger fixture for {check.id}"
        assert (folder / "clean.yaml").exists(), f"no clean fixture for {check.id}"


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_fixture(path: Path) -> None:
    check_id = path.parent.name
    findings = run_audit(load_manifests([str(path)]))
    ids = {f.check.id for f in findings}
    if path.stem.startswith("trigger"):
        assert check_id in ids, f"{path.name} should trigger {check_id}; got {sorted(ids)}"
    else:
        assert check_id not in ids, f"{path.name} must not trigger {check_id}"
