"""The fast YAML reader gives exactly what PyYAML's safe loader gives, and finds lines when asked."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.yamlio import YAMLSyntaxError, load_all

SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SCALARS = [
    "yes", "no", "on", "off", "True", "FALSE", "~", "null", "", "010", "0o7", "0x1f", "1_000", "-12", "+3", "0",
    "3.5", "-.5", "1.0e+3", "1e3", ".inf", "-.Inf", ".nan", "12:30", "2001-12-14", "'5'", '"7"', "!!str 5",
    "plain words", "'quoted: colon'", "|\n  block\n  text\n", ">\n  folded\n  text\n",
]  # fmt: skip


def same(a, b):
    """Equal, counting NaN as equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_resolve_as_pyyaml_resolves_them(scalar):
    text = f"value: {scalar}\n"
    assert same(load_all(text)[0], list(yaml.load_all(text, Loader=SAFE)))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "---\n---\nfoo\n",
        "- &a {x: 1}\n- *a\n",
        "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
        "[1, [2, [3, {a: b}]]]\n",
        "7\n",
        "a:\n  - b\n  -\n    c: d\n",
    ],
    ids=["empty", "empty-documents", "anchors", "merge-keys", "nested-flow", "bare-scalar", "block-nesting"],
)
def test_documents_load_as_pyyaml_loads_them(text):
    assert same(load_all(text)[0], list(yaml.load_all(text, Loader=SAFE)))


keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=8)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(values, st.sampled_from([None, True, False]))
def test_any_data_round_trips_like_pyyaml(data, flow):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert same(load_all(text)[0], list(yaml.load_all(text, Loader=SAFE)))


def test_a_key_given_twice_is_refused_with_its_line():
    with pytest.raises(YAMLSyntaxError) as caught:
        load_all("rules:\n  - id: a\n    score: {vm: 1}\n    score: {vm: 2}\n")
    assert str(caught.value) == "invalid YAML: the key 'score' is given twice in one mapping"
    assert caught.value.line == 4


def test_syntax_errors_carry_a_line():
    with pytest.raises(YAMLSyntaxError) as caught:
        load_all("a: [1, 2\nb: 3\n")
    assert caught.value.line == 2


def test_lines_are_found_by_path_in_each_document():
    documents, lines = load_all("name: a\nhost:\n  os: linux\n---\nname: b\nlist:\n  - x\n  - y: 1\n")
    assert documents[1]["list"][1] == {"y": 1}
    assert lines.at(0, ("host", "os")) == 3
    assert lines.at(0, ("host",)) == 2
    assert lines.at(1, ("list", 1, "y")) == 8
    assert lines.at(1, ("list", 0)) == 7
    assert lines.at(1, ("list", 5, "missing")) == 6  # the deepest part that exists
    assert lines.at(0, ()) == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\nb: 2025-13-01\n", 2), ("a: !!timestamp 2025-13-01\n", 1), ("a: !!int 12x\n", 1)],
    ids=["impossible-date", "tagged-impossible-date", "tagged-bad-int"],
)
def test_a_value_that_cannot_be_what_it_looks_like_is_a_syntax_error(text, line):
    with pytest.raises(YAMLSyntaxError) as caught:
        load_all(text)
    assert caught.value.line == line and str(caught.value).startswith("invalid YAML")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: 1\n3: x\n", "invalid YAML: mapping keys must be text, got 3", 2),
        ("? [a]\n: b\n", "invalid YAML: mapping keys must be text, got a list", 1),
        ("[" * 101 + "]" * 101 + "\n", "invalid YAML: nested more than 100 levels deep", 1),
        (
            "x:\n" + "".join("  " * (depth + 1) + f"k{depth}:\n" for depth in range(100)) + "  " * 101 + "v\n",
            "invalid YAML: nested more than 100 levels deep",
            101,
        ),
        (
            "a: &a [" + ", ".join(["1"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 101) + "]\n",
            "invalid YAML: aliases expand to more than 100,000 values",
            2,
        ),
        # The first problem in the text is the one reported, wherever the mapping it is in ends.
        ("a:\n  b: 1\n  b: 2\n  c: 2025-13-01\n", "invalid YAML: the key 'b' is given twice in one mapping", 3),
        (
            "a:\n  c: 2025-13-01\n  b: 1\n  b: 2\n",
            "invalid YAML: '2025-13-01' looks like a date or number but is not one (month must be in 1..12); quote it",
            2,
        ),
    ],
    ids=["number-key", "list-key", "deep-flow", "deep-block", "alias-bomb", "twice-then-date", "date-then-twice"],
)
def test_refused_text_is_named_with_its_line(text, message, line):
    for _ in range(2):  # and again: nothing read the first time makes the second answer differ
        with pytest.raises(YAMLSyntaxError) as caught:
            load_all(text)
        assert (str(caught.value), caught.value.line) == (message, line)


def test_the_shipped_rules_and_examples_load_as_pyyaml_loads_them():
    root = Path(__file__).resolve().parent.parent
    paths = sorted([*root.glob("rules/**/*.yaml"), *root.glob("examples/**/*.yaml")])
    assert len(paths) > 20
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert same(load_all(text)[0], list(yaml.load_all(text, Loader=SAFE))), path
