"""Whatever a manifest holds, loading it raises ManifestError or succeeds — never a crash."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from netdiag.cluster.build import snapshot_from_objects
from netdiag.cluster.serialize import dump_json
from netdiag.errors import ManifestError
from netdiag.sources.demo import MANIFESTS, _text
from netdiag.sources.manifests import parse_documents

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.text(max_size=8),
    st.sampled_from(["None", "10.0.0.1", "10.0.0.0/8", "TCP", "In", "http", "-1", ""]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)

DUMP = Path(__file__).resolve().parents[2] / "fixtures" / "dump"
#: Realistic objects of every kind, from the demo and the dump fixture, to mutate.
SEEDS: list[dict[str, Any]] = []
_TEXTS = [(_text(n), n) for n in MANIFESTS] + [
    (p.read_text(), p.name)
    for p in sorted(DUMP.rglob("*"))
    if p.suffix in (".yaml", ".yml", ".json")
]
for _body, _name in _TEXTS:
    for _doc, _ in parse_documents(_body, _name):
        items = _doc.get("items") or [_doc]
        kind = _doc["kind"][:-4] if _doc["kind"].endswith("List") else _doc["kind"]
        SEEDS.extend({"kind": kind, **i} if "kind" not in i else dict(i) for i in items)


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += paths(v, (*prefix, i))
    return out


@settings(max_examples=500, deadline=None)
@given(seed=st.sampled_from(range(len(SEEDS))), data=st.data(), value=json_values)
def test_mutated_objects_load_or_fail_cleanly(seed: int, data: st.DataObject, value: Any) -> None:
    obj = copy.deepcopy(SEEDS[seed])
    path = data.draw(st.sampled_from(paths(obj)[1:]))
    target = obj
    for key in path[:-1]:
        target = target[key]
    if path[-1] == "kind":
        value = obj["kind"]  # keep the kind: other tests cover unknown kinds
    target[path[-1]] = value
    try:
        snapshot_from_objects([(obj, "fuzz.yaml (document 1)")], source="fuzz")
    except ManifestError as e:
        assert e.message.startswith("fuzz.yaml (document 1)")
    # With --keep-going nothing raises: a bad object becomes a warning.
    snap = snapshot_from_objects([(obj, "fuzz.yaml (document 1)")], source="fuzz", keep_going=True)
    assert all(w.startswith("fuzz.yaml") for w in snap.warnings)


@settings(max_examples=150, deadline=None)
@given(seed=st.sampled_from(range(len(SEEDS))), data=st.data(), value=json_values)
def test_whatever_loads_round_trips(seed: int, data: st.DataObject, value: Any) -> None:
    """Whatever loads (with one object mutated among all seeds) serializes to
    manifests that load to the same snapshot: owners, expansion, slices and all."""
    objs = copy.deepcopy(SEEDS)
    obj = objs[seed]
    path = data.draw(st.sampled_from(paths(obj)[1:]))
    if path[-1] != "kind":
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    snap = snapshot_from_objects(
        [(o, f"fuzz.yaml:{i}") for i, o in enumerate(objs)], source="fuzz", keep_going=True
    )
    text = dump_json(snap)
    again = snapshot_from_objects(list(parse_documents(text, "again.json")), source="again")
    assert again == snap
