"""The JSON Schema of ``netdiag/reachability/v1``, shipped as package data.

``schemas/reachability-v1.schema.json`` is the published contract (docs/architecture.md
§3). :func:`validate_document` checks a document against it with
``jsonschema`` when that is installed (the test extra), and always runs the
structural checks of :func:`netdiag.export.graph.graph_from_document`, which
enforce the same rules ~10x faster and are what ``netdiag export`` runs.
"""

from __future__ import annotations

import importlib
import json
from importlib import resources
from typing import Any

from netdiag.errors import InputError
from netdiag.export.graph import Graph, graph_from_document

SCHEMA_RESOURCE = "schemas/reachability-v1.schema.json"


def load_schema() -> dict[str, Any]:
    text = resources.files("netdiag.export").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_document(document: object) -> Graph:
    """Validate against the shipped schema; returns the document's graph."""
    try:
        # Through importlib: jsonschema ships no type stubs, and it is optional.
        jsonschema: Any = importlib.import_module("jsonschema")
    except ImportError:  # pragma: no cover - the structural checks below still run
        jsonschema = None
    if jsonschema is not None:
        validator = jsonschema.Draft202012Validator(load_schema())
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path
            ).lstrip(".")
            raise InputError(
                f"reachability document: {where or '(top)'}: {first.message}",
                hint="the schema is netdiag/export/schemas/reachability-v1.schema.json",
            )
    return graph_from_document(document)
