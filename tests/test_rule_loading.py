"""A broken rule never loads silently: each kind of mistake is refused with file, line, rule id and reason.

The wording of every case is pinned, as Semgrep pins its error texts.
"""

from __future__ import annotations

import pytest

from advisor.engine.loader import load_rules
from advisor.errors import RuleError

HEAD = "rules:\n  - id: r1\n    title: A rule\n"
TAIL = "    because: Because.\n    links: [https://example.org/doc]\n"


def rule(body: str) -> str:
    return HEAD + body + TAIL


BAD_RULES = [
    (
        "unknown-field",
        rule("    when:\n      all:\n        - host.os: linux\n        - host.oss: linux\n    score: {vm: 1}\n"),
        "org.yaml:7: rule 'r1': when.all[1]: unknown field 'host.oss' (did you mean 'host.os'?)",
    ),
    (
        "unknown-operator",
        rule("    when: {host.os: {equals: linux}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'host.os': unknown operator 'equals'; use one of eq, ne, in, not_in",
    ),
    (
        "operator-close-to-a-known-one",
        rule("    when: {scale.instances: {gte_: 3}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'scale.instances': unknown operator 'gte_' (did you mean 'gte'?)",
    ),
    (
        "operator-does-not-fit-number",
        rule("    when: {scale.instances: {contains: 3}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'scale.instances': operator 'contains' does not apply to a number; "
        "use one of eq, ne, in, not_in, gt, gte, lt, lte",
    ),
    (
        "operator-does-not-fit-enum",
        rule("    when: {security.isolation: {gt: standard}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'security.isolation': operator 'gt' does not apply to a choice; "
        "use one of eq, ne, in, not_in",
    ),
    (
        "bare-value-on-a-list",
        rule("    when: {workload.os: windows}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'workload.os': operator 'eq' (a bare value means eq) does not apply to "
        "a list (a list of one of linux, windows, bsd, macos, other); use one of contains, contains_any, length_gte, "
        "length_lte",
    ),
    (
        "enum-value-miss",
        rule("    when:\n      any:\n        - not: {host.os: solaris}\n    score: {vm: 1}\n"),
        "org.yaml:6: rule 'r1': when.any[0].not: 'host.os': 'solaris' is not one of linux, windows, macos",
    ),
    (
        "enum-value-miss-in-list",
        rule("    when: {host.cloud: {in: [aws, oracle]}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'host.cloud': 'oracle' is not one of none, aws, azure, gcp, vmware",
    ),
    (
        "in-needs-a-list",
        rule("    when: {host.os: {in: linux}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'host.os': in needs a non-empty list, got 'linux'",
    ),
    (
        "bool-field-given-text",
        rule("    when: {workload.gui: 'yes'}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'workload.gui': should be true or false, got the text 'yes'",
    ),
    (
        "number-field-given-text",
        rule("    when: {scale.startup_seconds: {lte: ten}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'scale.startup_seconds': lte needs a finite number, got 'ten'",
    ),
    (
        "threshold-is-not-a-number",
        rule("    when: {host.cpus: {gt: .nan}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'host.cpus': gt needs a finite number, got nan",
    ),
    (
        "value-no-profile-can-hold",
        rule("    when: {scale.instances: {eq: 2.5}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'scale.instances': should be a whole number, got the number 2.5",
    ),
    (
        "list-item-out-of-range",
        rule("    when: {workload.ports: {contains: 99999}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'workload.ports': should be at most 65535, got 99999",
    ),
    (
        "text-that-breaks-the-fields-pattern",
        rule("    when: {workload.os_id: {eq: Windows Server 2022}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: 'workload.os_id': 'Windows Server 2022' is not an osinfo short-id such as "
        "ubuntu24.04, debian12 or win2k22",
    ),
    (
        "two-fields-in-one-leaf",
        rule("    when: {host.os: linux, host.wsl2: true}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when: write one field per condition and combine several with all: [...]",
    ),
    (
        "combinator-needs-a-list",
        rule("    when: {all: {host.os: linux}}\n    score: {vm: 1}\n"),
        "org.yaml:4: rule 'r1': when.all: should be a list, got a mapping",
    ),
    (
        "missing-because",
        HEAD + "    when: {host.os: linux}\n    score: {vm: 1}\n    links: [https://example.org/doc]\n",
        "org.yaml:2: rule 'r1': because: is required",
    ),
    (
        "missing-links",
        HEAD + "    when: {host.os: linux}\n    score: {vm: 1}\n    because: Because.\n",
        "org.yaml:2: rule 'r1': links: is required",
    ),
    (
        "misspelt-key",
        rule("    when: {host.os: linux}\n    scores: {vm: 1}\n"),
        "org.yaml:5: rule 'r1': scores: unknown field (did you mean 'score'?)",
    ),
    (
        "misspelt-platform-in-score",
        rule("    when: {host.os: linux}\n    score: {vms: 1}\n"),
        "org.yaml:5: rule 'r1': score.vms: unknown field (did you mean 'vm'?)",
    ),
    (
        "unknown-platform-in-forbid",
        rule("    when: {host.os: linux}\n    forbid: [vmm]\n"),
        "org.yaml:5: rule 'r1': forbid[0]: 'vmm' is not one of vm, container, hybrid (did you mean vm?)",
    ),
    (
        "no-effect",
        rule("    when: {host.os: linux}\n"),
        "org.yaml:2: rule 'r1': a rule needs at least one effect: score, forbid, suggest or note",
    ),
    (
        "forbids-everything",
        rule("    when: {host.os: linux}\n    forbid: [vm, container, hybrid]\n"),
        "org.yaml:2: rule 'r1': forbid: a rule cannot forbid every platform",
    ),
    (
        "link-is-not-a-url",
        HEAD + "    when: {host.os: linux}\n    score: {vm: 1}\n    because: B.\n    links: [see the docs]\n",
        "org.yaml:7: rule 'r1': links[0]: should be a web address such as https://example.org/page, "
        "got the text 'see the docs'",
    ),
    (
        "bad-id",
        "rules:\n  - id: Bad Id\n    title: t\n    when: {host.os: linux}\n    score: {vm: 1}\n" + TAIL,
        "org.yaml:2: rule 'Bad Id': id: 'Bad Id' is not a rule id: use lowercase letters, digits and '._-'",
    ),
    (
        "missing-id",
        "rules:\n  - title: t\n    when: {host.os: linux}\n    score: {vm: 1}\n" + TAIL,
        "org.yaml:2: rules[0].id: is required",
    ),
    (
        "duplicate-id",
        rule("    when: {host.os: linux}\n    score: {vm: 1}\n")
        + "  - id: r1\n    title: Again\n    when: {host.os: linux}\n    score: {vm: 1}\n"
        + TAIL,
        "org.yaml:8: rule 'r1': duplicate id: already defined on line 2",
    ),
    (
        "yaml-syntax",
        "rules:\n  - id: r1\n    title: [unclosed\n",
        "org.yaml:4: invalid YAML: did not find expected ',' or ']'",
    ),
    ("not-a-rule-file", "- just\n- a list\n", "org.yaml:1: a rule file is one YAML mapping with a 'rules' list"),
    ("empty-rules", "rules: []\n", "org.yaml:1: rules: should have at least 1 item, got 0"),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in BAD_RULES], ids=[case[0] for case in BAD_RULES])
def test_bad_rules_are_refused_with_file_line_rule_and_reason(write_rules, text, expected):
    folder = write_rules(text)
    with pytest.raises(RuleError) as caught:
        load_rules([folder], builtin=False, use_env=False)
    assert str(caught.value) == f"{folder}/{expected}"


def test_every_problem_in_a_file_is_reported_together(write_rules):
    text = rule("    when: {host.oss: linux}\n    score: {vm: 1}\n") + (
        "  - id: r2\n    title: t\n    when: {host.os: bsd}\n    score: {vm: 1}\n" + TAIL
    )
    folder = write_rules(text)
    with pytest.raises(RuleError) as caught:
        load_rules([folder], builtin=False, use_env=False)
    assert [(p.line, p.rule_id) for p in caught.value.problems] == [(4, "r1"), (10, "r2")]


def test_one_broken_rule_refuses_the_whole_set(write_rules):
    good = rule("    when: {host.os: linux}\n    score: {vm: 1}\n")
    folder = write_rules(good, name="good.yaml")
    write_rules(good.replace("r1", "r2").replace("host.os", "host.cpu"), name="bad.yaml")
    with pytest.raises(RuleError, match=r"bad.yaml:4: rule 'r2': when: unknown field 'host.cpu'"):
        load_rules([folder], builtin=False, use_env=False)


def test_the_same_id_twice_in_one_layer_is_refused(write_rules):
    text = rule("    when: {host.os: linux}\n    score: {vm: 1}\n")
    folder = write_rules(text, name="a.yaml")
    write_rules(text, name="b.yaml")
    with pytest.raises(RuleError, match=r"b.yaml:2: rule 'r1': duplicate id: also defined in .*a.yaml:2"):
        load_rules([folder], builtin=False, use_env=False)


def test_a_leaf_equal_to_an_earlier_one_only_as_python_compares_values_is_checked_on_its_own(write_rules):
    # true == 1 in Python; the leaf compiled for the first rule must not stand in for the second.
    folder = write_rules(rule("    when: {resources.cpus: {gte: 1}}\n    score: {vm: 1}\n"), name="a.yaml")
    write_rules(
        rule("    when: {resources.cpus: {gte: true}}\n    score: {vm: 1}\n").replace("r1", "r2"), name="b.yaml"
    )
    with pytest.raises(RuleError) as caught:
        load_rules([folder], builtin=False, use_env=False)
    assert (
        str(caught.value)
        == f"{folder}/b.yaml:4: rule 'r2': when: 'resources.cpus': gte needs a finite number, got true"
    )


def test_rules_that_say_the_same_leaf_share_its_compiled_form(write_rules):
    conditions = [
        "{host.os: linux}",
        "{all: [{host.os: {eq: linux}}, {resources.cpus: {gt: 0.0}}]}",
        "{any: [{resources.cpus: {gt: -0.0}}, {resources.cpus: {gt: 0}}]}",
    ]
    text = "rules:\n" + "".join(
        f"  - {{id: r{n}, title: t, when: {when}, score: {{vm: 1}}, because: b, links: [https://example.org/doc]}}\n"
        for n, when in enumerate(conditions)
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False).by_id
    assert rules["r0"].leaves[0] is rules["r1"].leaves[0]  # a bare value is eq
    zero, minus_zero, whole_zero = rules["r1"].leaves[1], rules["r2"].leaves[0], rules["r2"].leaves[1]
    assert [repr(leaf.operand) for leaf in (zero, minus_zero, whole_zero)] == ["0.0", "-0.0", "0"]


def test_a_missing_rule_directory_is_an_error(tmp_path):
    with pytest.raises(RuleError, match="not a directory of rule files"):
        load_rules([tmp_path / "nope"], use_env=False)


def test_note_for_without_a_note_is_refused(write_rules):
    folder = write_rules(rule("    when: {host.os: linux}\n    score: {vm: 1}\n    note_for: [vm]\n"))
    with pytest.raises(RuleError, match=r"org.yaml:2: rule 'r1': note_for: there is no note to show"):
        load_rules([folder], builtin=False, use_env=False)


def test_schema_problems_do_not_hide_the_other_rules_problems(write_rules):
    text = (
        rule("    when: {host.os: linux}\n    scores: {vm: 1}\n")  # a schema problem in r1
        + "  - id: r2\n    title: t\n    when: {host.oss: linux}\n    score: {vm: 1}\n"
        + TAIL  # a field typo in r2
        + "  - id: r2\n    title: t\n    when: {host.os: linux}\n    score: {vm: 1}\n"
        + TAIL  # r2 again
    )
    folder = write_rules(text)
    with pytest.raises(RuleError) as caught:
        load_rules([folder], builtin=False, use_env=False)
    assert [str(p).split("org.yaml:")[1] for p in caught.value.problems] == [
        "5: rule 'r1': scores: unknown field (did you mean 'score'?)",
        "10: rule 'r2': when: unknown field 'host.oss' (did you mean 'host.os'?)",
        "14: rule 'r2': duplicate id: already defined on line 8",
    ]


def test_a_missing_directory_says_where_it_was_named(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_RULES", f" {tmp_path / 'gone'} ")
    with pytest.raises(RuleError) as caught:
        load_rules()
    assert str(caught.value) == f"{tmp_path / 'gone'}: not a directory of rule files (from ADVISOR_RULES)"


def test_disabling_an_unknown_rule_names_the_line(write_rules):
    folder = write_rules("rules:\n  - id: known\n    disabled: true\n  - id: unknown-rule\n    disabled: true\n")
    with pytest.raises(RuleError) as caught:
        load_rules([folder], use_env=False)
    assert [str(p).split("org.yaml:")[1] for p in caught.value.problems] == [
        "2: rule 'known': disabled: no earlier rule has this id",
        "4: rule 'unknown-rule': disabled: no earlier rule has this id",
    ]


@pytest.mark.parametrize("target", ["gone.yaml", "loop.yaml"], ids=["dangling-link", "looping-link"])
def test_a_rule_file_that_is_a_broken_link_is_refused_by_name(tmp_path, target):
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "org.yaml").symlink_to(folder / target if target == "gone.yaml" else folder / "org.yaml")
    with pytest.raises(RuleError) as caught:
        load_rules([folder], use_env=False)
    assert [p.file for p in caught.value.problems] == [str(folder / "org.yaml")]
    assert "cannot read" in caught.value.problems[0].msg
