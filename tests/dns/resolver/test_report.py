"""``netdiag/resolve/v1``: every output validates against the published schema."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from tests.helpers import run_cli

SCHEMA = json.loads(resources.files("netdiag.dns").joinpath("resolve-v1.schema.json").read_text())


@pytest.mark.parametrize(
    "args",
    [
        ["baidu.com", "--ns", "default"],
        ["tke-six-six-six", "--ns", "default", "--resolver", "musl"],
        ["x1.x2.x3.x4.x5.missing", "--resolver", "go"],
        ["kube-dns.kube-system", "--type", "SRV"],
        ["shop", "--resolver", "musl", "--family", "inet6"],
    ],
)
def test_json_output_validates_and_is_stable(args: list[str]) -> None:
    first = run_cli(["resolve", *args, "-o", "json"])
    second = run_cli(["resolve", *args, "-o", "json"])
    doc = json.loads(first.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert first.stdout == second.stdout  # deterministic, sorted keys
    assert list(doc) == sorted(doc)
