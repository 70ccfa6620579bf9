"""Every operator both ways, each bad-rule message not pinned elsewhere, and the rule tests' own failures.

Rules are written to files and loaded as `advisor` loads them, so each case runs the loader, the operator
table and the explanation together. Profiles here set every field an operator reads (no null values).
"""

from __future__ import annotations

import pytest

from advisor.cli import cli
from advisor.engine.catalogue import facts_of
from advisor.engine.evaluate import explain
from advisor.engine.loader import load_rules
from advisor.engine.operators import OPERATORS
from advisor.errors import RuleError
from advisor.models import WorkloadProfile

# operator: (field, operand as YAML, a section that matches, a section that does not, the words of a miss)
CASES = {
    "eq": ("host.os", "linux", {"host": {"os": "linux"}}, {"host": {"os": "windows"}}, "equal to linux"),
    "ne": ("host.os", "linux", {"host": {"os": "windows"}}, {"host": {"os": "linux"}}, "other than linux"),
    "in": ("host.cloud", "[aws, gcp]", {"host": {"cloud": "gcp"}}, {"host": {"cloud": "none"}}, "one of [aws, gcp]"),
    "not_in": (
        "host.cloud",
        "[aws, gcp]",
        {"host": {"cloud": "none"}},
        {"host": {"cloud": "aws"}},
        "none of [aws, gcp]",
    ),
    "contains": (
        "workload.os",
        "windows",
        {"workload": {"os": ["linux", "windows"]}},
        {"workload": {"os": ["linux"]}},
        "containing windows",
    ),
    "contains_any": (
        "security.compliance",
        "[pci-dss, hipaa]",
        {"security": {"compliance": ["hipaa"]}},
        {"security": {"compliance": ["sox"]}},
        "containing one of [hipaa, pci-dss]",
    ),
    "length_gte": (
        "workload.os",
        "2",
        {"workload": {"os": ["linux", "windows"]}},
        {"workload": {"os": ["linux"]}},
        "2 or more items",
    ),
    "length_lte": (
        "workload.ports",
        "1",
        {"workload": {"ports": [8000]}},
        {"workload": {"ports": [80, 443]}},
        "1 or fewer items",
    ),
    "gt": ("scale.instances", "10", {"scale": {"instances": 11}}, {"scale": {"instances": 10}}, "more than 10"),
    "gte": ("scale.instances", "10", {"scale": {"instances": 10}}, {"scale": {"instances": 9}}, "at least 10"),
    "lt": (
        "scale.startup_seconds",
        "10",
        {"scale": {"startup_seconds": 5}},
        {"scale": {"startup_seconds": 10}},
        "less than 10",
    ),
    "lte": (
        "scale.startup_seconds",
        "10",
        {"scale": {"startup_seconds": 10}},
        {"scale": {"startup_seconds": 10.5}},
        "at most 10",
    ),
}

HEAD = "rules:\n  - id: r1\n    title: A rule\n"
TAIL = "    score: {vm: 1}\n    because: Because.\n    links: [https://example.org/doc]\n"


def profile(sections: dict) -> WorkloadProfile:
    data = {"name": "t", **sections}
    data["host"] = {"os": "linux", **data.get("host", {})}
    return WorkloadProfile.model_validate(data)


def test_the_table_covers_every_operator():
    assert set(CASES) == set(OPERATORS)


@pytest.mark.parametrize("name", list(CASES))
def test_each_operator_matches_one_way_and_not_the_other(write_rules, name):
    field, operand, matching, missing, wanted = CASES[name]
    folder = write_rules(HEAD + f"    when: {{{field}: {{{name}: {operand}}}}}\n" + TAIL)
    (compiled,) = load_rules([folder], builtin=False, use_env=False).rules
    hit, hit_words = explain(compiled, facts_of(profile(matching)))
    miss, miss_words = explain(compiled, facts_of(profile(missing)))
    assert (hit, miss) == (True, False)
    assert compiled.check(facts_of(profile(matching))) and not compiled.check(facts_of(profile(missing)))
    assert hit_words.startswith(f"{field} is ") and ", not " not in hit_words
    assert miss_words.endswith(f", not {wanted}"), miss_words


BAD_RULES = {
    "count-is-not-whole": (
        "    when: {workload.os: {length_gte: 1.5}}\n",
        "org.yaml:4: rule 'r1': when: 'workload.os': length_gte needs a whole number of items, got 1.5",
    ),
    "count-is-negative": (
        "    when: {workload.ports: {length_lte: -1}}\n",
        "org.yaml:4: rule 'r1': when: 'workload.ports': length_lte needs a whole number of items, got -1",
    ),
    "count-is-true": (
        "    when: {workload.os: {length_gte: true}}\n",
        "org.yaml:4: rule 'r1': when: 'workload.os': length_gte needs a whole number of items, got true",
    ),
    "two-operators-in-one-leaf": (
        "    when: {scale.instances: {gt: 1, lt: 5}}\n",
        "org.yaml:4: rule 'r1': when: 'scale.instances': write one operator per leaf, got 2; combine with all",
    ),
    "unknown-field-nothing-close": (
        "    when: {colour.of.sky: blue}\n",
        "org.yaml:4: rule 'r1': when: unknown field 'colour.of.sky'",
    ),
    "element-not-in-a-list-field": (
        "    when: {workload.os: {contains: solaris}}\n",
        "org.yaml:4: rule 'r1': when: 'workload.os': 'solaris' is not one of linux, windows, bsd, other",
    ),
    "not-in-with-an-empty-list": (
        "    when: {host.cloud: {not_in: []}}\n",
        "org.yaml:4: rule 'r1': when: 'host.cloud': not_in needs a non-empty list, got []",
    ),
    "number-operator-on-text": (
        "    when: {workload.os_id: {lt: 3}}\n",
        "org.yaml:4: rule 'r1': when: 'workload.os_id': operator 'lt' does not apply to text; "
        "use one of eq, ne, in, not_in",
    ),
}


@pytest.mark.parametrize("when, expected", list(BAD_RULES.values()), ids=list(BAD_RULES))
def test_a_bad_condition_is_refused_naming_file_line_rule_and_reason(write_rules, when, expected):
    with pytest.raises(RuleError) as refused:
        load_rules([write_rules(HEAD + when + TAIL)], builtin=False, use_env=False)
    assert str(refused.value).endswith("/org-rules/" + expected)


BAD_EFFECTS = {
    "score-of-nothing": (
        "    when: {host.os: linux}\n    score: {}\n",
        "org.yaml:2: rule 'r1': score: give at least one platform points (or leave score out)",
    ),
    "no-effect": (
        "    when: {host.os: linux}\n",
        "org.yaml:2: rule 'r1': a rule needs at least one effect: score, forbid, suggest or note",
    ),
}


@pytest.mark.parametrize("body, expected", list(BAD_EFFECTS.values()), ids=list(BAD_EFFECTS))
def test_a_rule_whose_effects_make_no_sense_is_refused(write_rules, body, expected):
    text = HEAD + body + "    because: Because.\n    links: [https://example.org/doc]\n"
    with pytest.raises(RuleError) as refused:
        load_rules([write_rules(text)], builtin=False, use_env=False)
    assert str(refused.value).endswith("/org-rules/" + expected)


RULES = """
rules:
  - id: big
    title: Many instances
    when: {scale.instances: {gte: 10}}
    score: {container: 3}
    because: Many copies pack densely as containers.
    links: [https://example.org/doc]
  - id: gui
    title: A desktop
    when: {workload.gui: true}
    forbid: [container, hybrid]
    because: A desktop wants a VM.
    links: [https://example.org/doc]
"""


def run_rule_tests(runner, write_rules, cases: str):
    folder = write_rules(RULES)
    (folder / "tests").mkdir()
    (folder / "tests" / "org.yaml").write_text(cases, encoding="utf-8")
    return runner.invoke(cli, ["rules", "test", "--no-builtin-rules", str(folder)])


def test_rule_tests_that_pass_say_so(runner, write_rules):
    cases = (
        "cases:\n"
        "  - {name: many, profile: {scale: {instances: 20}}, fires: [big], not_fires: [gui], platform: container}\n"
        "  - {name: few desktop, profile: {workload: {gui: true}}, fires: [gui], not_fires: [big], platform: vm}\n"
    )
    result = run_rule_tests(runner, write_rules, cases)
    assert (result.exit_code, result.output) == (0, "2 passed, 0 failed\n")


def test_a_case_expecting_another_platform_fails_naming_both(runner, write_rules):
    cases = (
        "cases:\n"
        "  - {name: many, profile: {scale: {instances: 20}}, fires: [big], not_fires: [gui], platform: vm}\n"
        "  - {name: quiet, profile: {}, not_fires: [big, gui]}\n"
        "  - {name: desktop, profile: {workload: {gui: true}}, fires: [gui]}\n"
    )
    result = run_rule_tests(runner, write_rules, cases)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].endswith("org.yaml:2: many: expected platform vm, got container"), lines[0]
    assert lines[-1] == "2 passed, 1 failed"


def test_a_case_expecting_a_rule_to_fire_or_not_names_the_rule(runner, write_rules):
    cases = (
        "cases:\n"
        "  - {name: few, profile: {scale: {instances: 2}}, fires: [big], not_fires: [gui]}\n"
        "  - {name: desktop, profile: {workload: {gui: true}}, not_fires: [gui, big]}\n"
        "  - {name: typo, profile: {}, fires: [bigg]}\n"
    )
    result = run_rule_tests(runner, write_rules, cases)
    assert result.exit_code == 1
    failures = [line.split(": ", 2)[1:] for line in result.output.splitlines() if line.startswith("FAIL ")]
    assert failures == [
        ["few", "expected 'big' to fire, it did not"],
        ["desktop", "expected 'gui' not to fire, it did"],
        ["typo", "unknown rule 'bigg' (did you mean 'big'?)"],
    ]
    assert result.output.splitlines()[-2:] == [
        "UNTESTED rule 'gui' has no case where it fires",
        "0 passed, 3 failed, 1 untested",
    ]
