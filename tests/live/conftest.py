"""Fixtures for the live tests: the fixture cluster served by a real HTTP API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.live.apiserver import FakeAPIServer, write_kubeconfig

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "fixtures" / "live" / "cluster.yaml"


def cluster_objects() -> list[dict[str, Any]]:
    with open(CLUSTER) as f:
        return [d for d in yaml.safe_load_all(f) if d]


@pytest.fixture(autouse=True)
def _no_user_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's kubeconfig or in-cluster settings."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def apiserver() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(cluster_objects()) as server:
        yield server


@pytest.fixture
def kubeconfig(apiserver: FakeAPIServer, tmp_path: Path) -> str:
    return write_kubeconfig(str(tmp_path / "kubeconfig"), apiserver)
