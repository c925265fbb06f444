"""Label selectors exactly per apimachinery (labels.Requirement.Matches)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netdiag.cluster.selectors import LabelSelector, Operator, SelectorError, parse_selector

ENV_PROD = {"env": "prod", "app": "api"}
NO_ENV = {"app": "api"}


def sel(*exprs: dict[str, object], labels: dict[str, str] | None = None) -> LabelSelector:
    raw: dict[str, object] = {"matchExpressions": list(exprs)}
    if labels is not None:
        raw["matchLabels"] = labels
    return parse_selector(raw, "spec.podSelector")


@pytest.mark.parametrize(
    ("expr", "labels", "expected"),
    [
        ({"key": "env", "operator": "In", "values": ["prod", "dev"]}, ENV_PROD, True),
        ({"key": "env", "operator": "In", "values": ["dev"]}, ENV_PROD, False),
        # In never matches an object without the key.
        ({"key": "env", "operator": "In", "values": ["prod"]}, NO_ENV, False),
        ({"key": "env", "operator": "NotIn", "values": ["prod"]}, ENV_PROD, False),
        ({"key": "env", "operator": "NotIn", "values": ["dev"]}, ENV_PROD, True),
        # NotIn matches objects that lack the key (DESIGN §4 trap 6).
        ({"key": "env", "operator": "NotIn", "values": ["prod"]}, NO_ENV, True),
        ({"key": "env", "operator": "Exists"}, ENV_PROD, True),
        ({"key": "env", "operator": "Exists"}, NO_ENV, False),
        ({"key": "env", "operator": "DoesNotExist"}, ENV_PROD, False),
        # DoesNotExist matches objects that lack the key.
        ({"key": "env", "operator": "DoesNotExist"}, NO_ENV, True),
        # An empty value is a value: In [""] matches env="" but not a missing key.
        ({"key": "env", "operator": "In", "values": [""]}, {"env": ""}, True),
        ({"key": "env", "operator": "In", "values": [""]}, {}, False),
    ],
)
def test_match_expression(expr: dict[str, object], labels: dict[str, str], expected: bool) -> None:
    assert sel(expr).matches(labels) is expected


def test_match_labels_and_expressions_are_anded() -> None:
    s = sel({"key": "tier", "operator": "Exists"}, labels={"app": "api"})
    assert s.matches({"app": "api", "tier": "x"})
    assert not s.matches({"app": "api"})
    assert not s.matches({"app": "web", "tier": "x"})


def test_match_labels_value_must_equal() -> None:
    s = parse_selector({"matchLabels": {"app": "api"}}, "f")
    assert not s.matches({"app": "API"})
    assert not s.matches({})


def test_empty_selector_matches_everything() -> None:
    for raw in ({}, None, {"matchLabels": {}, "matchExpressions": []}):
        s = parse_selector(raw, "f")
        assert s.is_empty
        assert s.matches({}) and s.matches({"a": "b"})


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]},
            "sel.matchExpressions[0].operator",
            "invalid operator 'Equals'",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "sel.matchExpressions[0].values",
            "needs values",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
            "sel.matchExpressions[0].values",
            "needs values",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            "sel.matchExpressions[0].values",
            "takes no values",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "DoesNotExist", "values": ["x"]}]},
            "sel.matchExpressions[0].values",
            "takes no values",
        ),
        ({"matchExpressions": [{"operator": "Exists"}]}, "sel.matchExpressions[0].key", "key"),
        ({"matchLabels": ["a"]}, "sel.matchLabels", "mapping"),
        ({"matchExpressions": {"key": "a"}}, "sel.matchExpressions", "list"),
        ("app=api", "sel", "mapping"),
    ],
)
def test_invalid_selectors_name_the_field(raw: object, field: str, words: str) -> None:
    with pytest.raises(SelectorError) as info:
        parse_selector(raw, "sel")
    assert info.value.field == field
    assert words in str(info.value)


def test_operator_is_case_sensitive() -> None:
    with pytest.raises(SelectorError):
        parse_selector({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]}, "s")


def test_mismatches_explain_each_failed_part() -> None:
    s = sel({"key": "env", "operator": "In", "values": ["prod"]}, labels={"app": "api"})
    reasons = s.mismatches({"app": "web"})
    assert reasons == ("app=api (has app=web)", "env in (prod) (has no env)")
    assert s.mismatches({"app": "api", "env": "prod"}) == ()


def test_from_labels_and_str() -> None:
    s = LabelSelector.from_labels({"b": "2", "a": "1"})
    assert s.match_labels == (("a", "1"), ("b", "2"))
    assert str(s) == "a=1,b=2"
    assert str(sel({"key": "x", "operator": "DoesNotExist"})) == "!x"


label_maps = st.dictionaries(st.sampled_from("abc"), st.sampled_from(["1", "2", ""]), max_size=3)


@given(
    labels=label_maps,
    key=st.sampled_from("abc"),
    values=st.sets(st.sampled_from(["1", "2", ""]), min_size=1),
)
def test_not_in_is_negation_of_in(labels: dict[str, str], key: str, values: set[str]) -> None:
    in_ = sel({"key": key, "operator": "In", "values": sorted(values)})
    not_in = sel({"key": key, "operator": "NotIn", "values": sorted(values)})
    assert in_.matches(labels) != not_in.matches(labels)


@given(labels=label_maps, key=st.sampled_from("abc"))
def test_exists_is_negation_of_does_not_exist(labels: dict[str, str], key: str) -> None:
    exists = sel({"key": key, "operator": "Exists"})
    absent = sel({"key": key, "operator": "DoesNotExist"})
    assert exists.matches(labels) != absent.matches(labels)
    assert exists.match_expressions[0].operator is Operator.EXISTS
