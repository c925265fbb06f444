"""The event-built YAML documents equal PyYAML's composing SafeLoader, value and position."""

from __future__ import annotations

import pytest
import yaml

from netdiag.cluster import yamlstream
from netdiag.errors import ManifestError
from netdiag.limits import DEFAULTS
from netdiag.sources import manifests as loader

CASES = {
    "scalars": """
plain: 12
octal: 012
hex: 0x1f
float: 1e3
inf: .inf
null1: ~
null2:
bool: yes
off: Off
quoted: "12"
single: 'true'
date: 2001-12-14
stamp: 2001-12-14t21:59:43.10-05:00
tagged: !!str 80
nonspecific: ! 80
seq: !!seq [1, "2", three]
map: !!map {a: 1}
""",
    "anchors": """
labels: &l {app: web, tier: front}
copy: *l
list: &s [1, 2]
again: [*s, *s]
scalar: &x hello
use: *x
""",
    "kubectl list": """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: default, labels: {app: web}}
-
  apiVersion: v1
  kind: Pod
  metadata:
    name: b
    namespace: default
- kind: Service
  metadata: {name: s}
metadata: {resourceVersion: ""}
""",
    "multi-document": """
# leading comment
---
kind: Namespace
metadata: {name: a}
---
---
kind: Namespace
metadata:
  name: b
...
---
[1, 2, {k: v}]
""",
    "flow and keys": "{1: one, 2.5: two, null: three, true: four}",
    "block scalars": "text: |\n  line one\n  line two\nfolded: >-\n  a\n  b\n",
    "items not at the top": "kind: X\nspec:\n  items:\n  - 1\n  - 2\n",
}


def _old(text: str) -> list[tuple[object, int | None, tuple[int, ...]]]:
    return [
        (d.data, d.line, d.item_lines)
        for d in loader._composed_documents(text, "test.yaml", DEFAULTS)
    ]


def _new(text: str) -> list[tuple[object, int | None, tuple[int, ...]]]:
    return [(d.data, d.line, d.item_lines) for d in yamlstream.documents(text)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_values_lines_and_item_lines_as_pyyaml(name: str) -> None:
    text = CASES[name]
    new = _new(text)
    assert new == _old(text)
    # Types too: 12 and "12" must not collapse through the memo.
    assert repr(new) == repr(_old(text))


def test_list_item_lines_name_each_item() -> None:
    [(_, line, items)] = _new(CASES["kubectl list"])
    assert line == 2
    assert items == (5, 9, 14)  # a bare "-" item starts where its mapping does


def test_aliases_share_the_anchored_object_as_pyyaml_does() -> None:
    [(data, _, _)] = _new(CASES["anchors"])
    assert isinstance(data, dict)
    assert data["copy"] is data["labels"]
    assert data["again"][0] is data["again"][1] is data["list"]


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {a: 1}\nd:\n  <<: *b\n  c: 2\n",  # merge key
        "a: !!set {x, y}\n",  # a tag built elsewhere
        "a: &r [1, *r]\n",  # recursive alias
        "{[a, b]: 1}\n",  # unhashable key
    ],
)
def test_rare_features_are_left_to_pyyaml(text: str) -> None:
    with pytest.raises(yamlstream.Unsupported):
        _new(text)


def test_loader_falls_back_and_reports_like_pyyaml() -> None:
    merged = "base: &b {kind: Pod, a: 1}\nd:\n  <<: *b\n  c: 2\n"
    [(data, _)] = list(loader.parse_documents("kind: X\n" + merged.replace("base", "b2"), "m"))
    assert data["d"] == {"kind": "Pod", "a": 1, "c": 2}
    with pytest.raises(ManifestError, match=r"^m:1:2: malformed YAML: found unhashable key"):
        list(loader.parse_documents("{[a, b]: 1, kind: X}\n", "m"))


def test_syntax_errors_keep_their_line_and_column() -> None:
    with pytest.raises(ManifestError, match=r"^f.yaml:4:1: malformed YAML: .*at line 3\)$"):
        list(loader.parse_documents("kind: Pod\nmetadata:\n  name: [a\n", "f.yaml"))


def test_generated_dump_round_trips() -> None:
    docs = [
        {"kind": "Pod", "metadata": {"name": f"p{i}", "labels": {"app": f"a{i % 7}", "n": i}}}
        for i in range(300)
    ]
    text = yaml.safe_dump({"kind": "List", "apiVersion": "v1", "items": docs})
    assert _new(text) == _old(text)
