"""Calico selector grammar: truth tables per operator, precedence, errors with columns,
and hypothesis properties (round trip through the canonical text, precedence)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netdiag.cluster.calicoselector import (
    MAX_SELECTOR_DEPTH,
    All,
    And,
    CalicoSelectorError,
    Compare,
    Comparison,
    Global,
    Has,
    InSet,
    Node,
    Not,
    Or,
    parse_calico_selector,
)

WEB = {"app": "web", "tier": "frontend"}
DB = {"app": "db", "role": "primary"}
BARE: dict[str, str] = {}

# selector, then whether it matches WEB, DB, BARE (hand-written).
TRUTH = [
    ("", True, True, True),
    ("all()", True, True, True),
    ("global()", True, True, True),
    ("app == 'web'", True, False, False),
    ('app == "web"', True, False, False),
    ("app != 'web'", False, True, True),  # != is true when the label is absent
    ("has(role)", False, True, False),
    ("!has(role)", True, False, True),
    ("! has(role)", True, False, True),
    ("has( role )", False, True, False),
    ("app in {'web', 'db'}", True, True, False),
    ("app in {}", False, False, False),
    ("app not in {'web'}", False, True, True),  # not in: true when absent
    ("app notin {'web'}", False, True, True),  # upstream trims spaces between the words
    ("app in {'db',}", False, True, False),  # a trailing comma is accepted upstream
    ("tier contains 'ont'", True, False, False),
    ("tier starts with 'front'", True, False, False),
    ("tier ends with 'end'", True, False, False),
    ("app == 'web' && has(tier)", True, False, False),
    ("app == 'web' || has(role)", True, True, False),
    ("!(app == 'web' || has(role))", False, False, True),
    ("!!has(role)", False, True, False),
    ("app == 'db' || app == 'web' && has(role)", False, True, False),
    ("(app == 'db' || app == 'web') && has(role)", False, True, False),
    ("(app == 'web' || app == 'db') && !has(role)", True, False, False),
    ("\tapp=='web'&&tier=='frontend'", True, False, False),
]


@pytest.mark.parametrize(("text", "web", "db", "bare"), TRUTH)
def test_truth_table(text: str, web: bool, db: bool, bare: bool) -> None:
    sel = parse_calico_selector(text)
    assert (sel.matches(WEB), sel.matches(DB), sel.matches(BARE)) == (web, db, bare)


def test_empty_and_all_are_all_but_global_is_told_apart() -> None:
    assert parse_calico_selector("").is_all
    assert parse_calico_selector("  all()  ").is_all
    assert not parse_calico_selector("global()").is_all
    assert parse_calico_selector("global()").is_global


def test_labels_named_like_functions_are_labels() -> None:
    # "all" without "(" is a label, as upstream's tokenizer checks for "all(".
    sel = parse_calico_selector("all == 'x' && has == 'y'")
    assert sel.matches({"all": "x", "has": "y"})
    assert not sel.matches({"all": "x"})


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("app = 'web'", 5, "expected '=='"),
        ("app == web", 8, "quoted string"),
        ("app == 'web", 8, "unterminated string"),
        ("app web", 5, "operator after label 'app'"),
        ("has(app", 8, "')'"),
        ("has()", 5, "label name"),
        ("app == 'a' &&", 14, "a label"),
        ("(app == 'a'", 12, "')'"),
        ("app == 'a' app == 'b'", 12, "'&&', '||'"),
        ("app in 'a'", 8, "'{'"),
        ("app in {'a' 'b'}", 13, "a string or '}'"),
        ("app == 'a' & b", 12, "expected '&&'"),
        ("app == 'a' | b", 12, "expected '||'"),
        ("#x", 1, "unexpected character '#'"),
        ("all(x)", 5, "')'"),
        (")", 1, "found ')'"),
    ],
)
def test_errors_name_the_column(text: str, column: int, words: str) -> None:
    with pytest.raises(CalicoSelectorError) as err:
        parse_calico_selector(text)
    assert err.value.column == column, str(err.value)
    assert words in err.value.message
    assert str(err.value).startswith(f"column {column}: ")


def test_nesting_is_bounded() -> None:
    deep = "(" * (MAX_SELECTOR_DEPTH + 1) + "has(a)" + ")" * (MAX_SELECTOR_DEPTH + 1)
    with pytest.raises(CalicoSelectorError, match="nested deeper"):
        parse_calico_selector(deep)
    ok = "(" * MAX_SELECTOR_DEPTH + "has(a)" + ")" * MAX_SELECTOR_DEPTH
    assert parse_calico_selector(ok).matches({"a": ""})


def test_length_is_bounded() -> None:
    with pytest.raises(CalicoSelectorError, match="longer than"):
        parse_calico_selector("has(a) || " * 2000 + "has(b)")


# -- properties -----------------------------------------------------------------------
KEYS = st.sampled_from(["app", "tier", "k8s-app", "example.com/team", "a_b", "x1"])
VALUES = st.text(alphabet="abc ' -", max_size=4).filter(lambda v: not ("'" in v and '"' in v))
LABELS = st.dictionaries(KEYS, st.sampled_from(["", "a", "ab", "b c", "-"]), max_size=4)

ATOMS: st.SearchStrategy[Node] = st.one_of(
    st.just(All()),
    st.just(Global()),
    KEYS.map(Has),
    st.builds(Comparison, KEYS, st.sampled_from(list(Compare)), VALUES),
    st.builds(InSet, KEYS, st.frozensets(VALUES, max_size=3), st.booleans()),
)


def _trees(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    # Shapes the parser produces: no double negation, n-ary and/or with >= 2 operands.
    return st.one_of(
        children.filter(lambda n: not isinstance(n, Not)).map(Not),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    )


TREES = st.recursive(ATOMS, _trees, max_leaves=12)


@given(TREES)
def test_round_trip_through_canonical_text(tree: Node) -> None:
    assert parse_calico_selector(str(tree)).root == tree


@given(TREES, LABELS)
def test_canonical_text_means_the_same(tree: Node, labels: dict[str, str]) -> None:
    assert parse_calico_selector(str(tree)).matches(labels) == tree.matches(labels)


@given(ATOMS, ATOMS, ATOMS, LABELS)
def test_and_binds_tighter_than_or(a: Node, b: Node, c: Node, labels: dict[str, str]) -> None:
    flat = parse_calico_selector(f"{a} || {b} && {c}")
    assert flat.root == Or((a, And((b, c))))
    want = a.matches(labels) or (b.matches(labels) and c.matches(labels))
    assert flat.matches(labels) == want
    left = parse_calico_selector(f"{a} && {b} || {c}")
    assert left.root == Or((And((a, b)), c))


@given(ATOMS, ATOMS, LABELS)
def test_not_binds_tighter_than_and(a: Node, b: Node, labels: dict[str, str]) -> None:
    sel = parse_calico_selector(f"!{a} && {b}")
    assert sel.root == And((Not(a), b))
    assert sel.matches(labels) == ((not a.matches(labels)) and b.matches(labels))


@given(KEYS, st.frozensets(VALUES, max_size=3), LABELS)
def test_not_in_is_the_negation_of_in(
    key: str, values: frozenset[str], labels: dict[str, str]
) -> None:
    assert InSet(key, values, True).matches(labels) == (not InSet(key, values).matches(labels))
