"""Every operator is defined for every value its field can hold, null included.

Hypothesis writes valid rules (every field, every operator that fits it, operands the loader accepts) and
valid profiles (optional fields unset or set), and proves that evaluation, explanation (`considered`, the
CLI's --explain and every output format) and the what-if search never raise.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advisor.cli import cli
from advisor.engine.catalogue import CATALOGUE, FieldSpec, facts_of
from advisor.engine.decide import recommend
from advisor.engine.evaluate import ConditionProblem, compile_rule, explain, matching
from advisor.engine.loader import RuleSet, digest_of
from advisor.engine.operators import OPERATORS
from advisor.engine.schema import Rule
from advisor.models import WorkloadProfile
from advisor.output import FORMATTERS

# The same placeholder values for free-text fields the rules are written against.
TEXT_VALUES = ["ubuntu24.04", "win2k22", "debian12", "pci-dss", "usb-dongle", "./serve", "--port"]


def _elements(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """One value an element of the field may hold, as the profile model would accept it."""
    if spec.kind in ("enum", "bool"):
        return st.sampled_from(spec.choices)
    if spec.kind == "number":
        low = spec.minimum if spec.minimum is not None else 0
        high = min(spec.maximum if spec.maximum is not None else 1000, 100_000)
        values = st.integers(int(low), int(high)) if spec.integer else st.floats(low, high)
        return values.filter(lambda v: spec.check(v) is None)
    return st.sampled_from(list(dict.fromkeys([*spec.examples, *TEXT_VALUES]))).filter(lambda v: spec.check(v) is None)


def _field_values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """A whole value of the field: a list for a list field, and null where the field is optional."""
    one = st.lists(_elements(spec), max_size=3, unique=True) if spec.many else _elements(spec)
    return st.none() | one if spec.optional else one


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    """A leaf the loader accepts: any field, any operator that fits it, an operand it can hold."""
    path = draw(st.sampled_from(sorted(CATALOGUE)))
    spec = CATALOGUE[path]
    name = draw(st.sampled_from(sorted(n for n, op in OPERATORS.items() if op.fits(spec))))
    kind = OPERATORS[name].operand
    if kind == "count":
        operand: Any = draw(st.integers(0, 4))
    elif kind == "number":
        operand = draw(st.integers(-2, 2000) | st.floats(-1, 2000, allow_nan=False, allow_infinity=False))
    elif kind == "elements":
        operand = draw(st.lists(_elements(spec), min_size=1, max_size=3, unique=True))
    else:
        operand = draw(_elements(spec))
    return {path: {name: operand}}


conditions = st.recursive(
    leaves(),
    lambda inner: (
        st.builds(lambda c: {"all": c}, st.lists(inner, min_size=1, max_size=3))
        | st.builds(lambda c: {"any": c}, st.lists(inner, min_size=1, max_size=3))
        | st.builds(lambda c: {"not": c}, inner)
    ),
    max_leaves=5,
)


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    """One to six valid rules that score (some forbid vm or container, never all three at once)."""
    compiled = []
    for number in range(draw(st.integers(1, 6))):
        data: dict[str, Any] = {
            "id": f"r{number}",
            "title": "generated",
            "when": draw(conditions),
            "score": {p: draw(st.integers(-5, 5).filter(bool)) for p in ("vm", "container", "hybrid")},
            "because": "generated for the property test",
            "links": ["https://example.org/"],
        }
        if number == 0 and draw(st.booleans()):
            data["forbid"] = [draw(st.sampled_from(["vm", "container"]))]
        try:
            compiled.append(compile_rule(Rule.model_validate(data)))
        except ConditionProblem:  # an operand the loader refuses (out of a field's range): not a valid rule
            assume(False)
    return RuleSet(compiled, "local", digest_of(c.rule for c in compiled))


@st.composite
def profiles(draw: st.DrawFn) -> WorkloadProfile:
    """A valid profile: each field left at its default (often null) or set to a value it can hold."""
    data: dict[str, Any] = {"name": "p", "host": {"os": draw(st.sampled_from(["linux", "windows", "macos"]))}}
    for path, spec in CATALOGUE.items():
        if path == "host.os" or not draw(st.booleans()):
            continue
        section, field = path.split(".")
        data.setdefault(section, {})[field] = draw(_field_values(spec))
    assume(not (data["host"]["os"] == "macos" and data["host"].get("cloud") in ("azure", "gcp")))
    try:
        return WorkloadProfile.model_validate(data)
    except ValueError:  # a cross-field constraint of the model: not a valid profile
        assume(False)
        raise


@pytest.mark.slow  # generated rule sets and profiles through the whole engine: make test runs it
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rule_sets(), profiles())
def test_evaluation_explanation_and_what_if_never_raise(ruleset: RuleSet, profile: WorkloadProfile) -> None:
    facts = facts_of(profile)
    matched = matching(ruleset.rules, facts)
    for compiled in ruleset.rules:
        holds, words = explain(compiled, facts)
        assert holds == (compiled in matched)
        assert words
    result = recommend(profile, ruleset, explained=True)
    assert {c.rule for c in result.considered or []} == {c.rule.id for c in ruleset.rules}
    for render in FORMATTERS.values():
        assert render([result], False)


UNSET = {"name": "t", "host": {"os": "linux"}}  # workload.command is an optional list left unset (null)


@pytest.mark.parametrize(
    ("operator", "operand", "holds"),
    [
        ("length_gte", 1, False),
        ("length_gte", 0, True),
        ("length_lte", 0, True),
        ("contains", "./serve", False),
        ("contains_any", ["./serve", "--port"], False),
    ],
)
def test_an_unset_list_holds_nothing(operator: str, operand: Any, holds: bool) -> None:
    rule = compile_rule(
        Rule.model_validate(
            {
                "id": "command",
                "title": "t",
                "when": {"workload.command": {operator: operand}},
                "score": {"vm": 1},
                "because": "b",
                "links": ["https://example.org/"],
            }
        )
    )
    facts = facts_of(WorkloadProfile.model_validate(UNSET))
    assert facts["workload.command"] is None
    assert rule.check(facts) is holds
    assert explain(rule, facts)[0] is holds


def test_the_audited_rule_no_longer_crashes_the_cli(tmp_path) -> None:
    """The audit's rule: `advisor rules validate` accepts it, and `advisor recommend` used to print a traceback."""
    rules = tmp_path / "org"
    rules.mkdir()
    (rules / "org.yaml").write_text(
        "rules:\n"
        "  - id: has-command\n"
        "    title: A command is given\n"
        "    when: {workload.command: {length_gte: 1}}\n"
        "    score: {container: 1}\n"
        "    because: A command says how to start it.\n"
        "    links: [https://docs.docker.com/reference/dockerfile/#cmd]\n",
        encoding="utf-8",
    )
    profile = tmp_path / "p.yaml"
    profile.write_text("name: t\nhost: {os: linux}\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["rules", "validate", str(rules)]).exit_code == 0
    result = runner.invoke(cli, ["recommend", "--rules", str(rules), "--explain", str(profile)])
    assert result.exit_code == 0, result.output
    assert "has-command" in result.output
    assert "workload.command is unset, not 1 or more items" in result.output
