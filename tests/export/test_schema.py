from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from netdiag.errors import InputError
from netdiag.export.formats import export_document
from netdiag.export.schema import load_schema, validate_document
from tests.export import documents


def test_schema_is_package_data_and_a_valid_schema() -> None:
    path = resources.files("netdiag.export").joinpath("schemas/reachability-v1.schema.json")
    assert path.is_file()
    jsonschema.Draft202012Validator.check_schema(load_schema())


@pytest.mark.parametrize("make", [documents.simple, documents.hostile], ids=["simple", "hostile"])
def test_json_export_validates_against_the_shipped_schema(make: object) -> None:
    doc = make()  # type: ignore[operator]
    out = json.loads(export_document(doc, "json").data)
    jsonschema.validate(out, load_schema())
    assert out == doc


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["edges"][0]["ports"][0].update(port=70000), "edges[0].ports[0].port"),
        (lambda d: d["edges"][2]["ports"][0].update(end_port=9), "edges[2].ports[0]"),
        (lambda d: d["nodes"][1].update(kind="service"), "nodes[1].kind"),
        (lambda d: d.update(schema="v0"), "schema"),
        (lambda d: d["edges"][0].pop("ports"), "edges[0]"),
    ],
)
def test_schema_rejects_and_names_the_field(mutate: object, where: str) -> None:
    doc = documents.simple()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, load_schema())
    with pytest.raises(InputError) as caught:
        validate_document(doc)
    assert where in caught.value.message
