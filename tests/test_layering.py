"""Organisations extend and override the shipped rules; the set in force has a version and a digest."""

from __future__ import annotations

import os

import pytest

from advisor.engine.decide import recommend
from advisor.engine.loader import load_rules
from advisor.errors import RuleError
from tests.support import make_profile

EXTRA = """
rules:
  - id: org-prefers-vms-for-payments
    title: Payments run on VMs here
    when: {security.compliance: {contains: pci-dss}}
    score: {vm: 10}
    because: Our auditors have signed off only the VM platform.
    links: [https://example.org/policy/payments]
"""


def test_an_extra_directory_adds_rules(write_rules, ruleset):
    layered = load_rules([write_rules(EXTRA)], use_env=False)
    assert len(layered.rules) == len(ruleset.rules) + 1
    assert layered.version == ruleset.version + "+local"
    assert layered.digest != ruleset.digest
    result = recommend(make_profile(security={"compliance": ["pci-dss"]}), layered)
    assert result.rationale[0].rule == "org-prefers-vms-for-payments"


def test_a_rule_with_a_shipped_id_replaces_it(write_rules, ruleset):
    replacement = """
    rules:
      - id: microservices
        title: Microservices are fine anywhere
        when: {workload.architecture: microservices}
        note: We run microservices on VMs and containers alike.
        because: House policy.
        links: [https://example.org/policy]
    """
    layered = load_rules([write_rules(replacement)], use_env=False)
    assert layered.replaced == ["microservices"]
    assert len(layered.rules) == len(ruleset.rules)
    assert layered.get("microservices").rule.score is None
    assert layered.files["microservices"].endswith("org.yaml")


def test_disabled_switches_a_shipped_rule_off(write_rules, ruleset):
    layered = load_rules([write_rules("rules:\n  - {id: small-instances, disabled: true}\n")], use_env=False)
    assert layered.get("small-instances") is None
    assert layered.disabled == ["small-instances"]
    assert len(layered.rules) == len(ruleset.rules) - 1


def test_disabling_an_unknown_rule_is_an_error(write_rules):
    with pytest.raises(RuleError, match="rule 'no-such-rule': disabled: no earlier rule has this id"):
        load_rules([write_rules("rules:\n  - {id: no-such-rule, disabled: true}\n")], use_env=False)


def test_no_builtin_rules_uses_only_yours(write_rules):
    only = load_rules([write_rules(EXTRA)], builtin=False, use_env=False)
    assert [c.rule.id for c in only.rules] == ["org-prefers-vms-for-payments"]
    assert only.version == "local"


def test_advisor_rules_adds_directories_from_the_environment(write_rules, monkeypatch, ruleset):
    first = write_rules(EXTRA, directory="one")
    second = write_rules(EXTRA.replace("org-prefers", "org-two-prefers"), directory="two")
    monkeypatch.setenv("ADVISOR_RULES", f"{first}{os.pathsep}{second}")
    layered = load_rules()
    assert len(layered.rules) == len(ruleset.rules) + 2
    assert layered.sources[1:] == [str(first), str(second)]


def test_later_layers_win_over_earlier_ones(write_rules):
    first = write_rules(EXTRA, directory="one")
    second = write_rules(EXTRA.replace("score: {vm: 10}", "score: {vm: 2}"), directory="two")
    layered = load_rules([first, second], builtin=False, use_env=False)
    assert layered.get("org-prefers-vms-for-payments").rule.score.vm == 2


def test_the_digest_depends_on_content_only(write_rules, tmp_path):
    a = load_rules([write_rules(EXTRA, directory="a")], builtin=False, use_env=False)
    b = load_rules([write_rules(EXTRA, name="other-name.yaml", directory="b")], builtin=False, use_env=False)
    c = load_rules([write_rules(EXTRA.replace("10", "9"), directory="c")], builtin=False, use_env=False)
    assert a.digest == b.digest
    assert a.digest != c.digest
    assert a.digest.startswith("sha256:") and len(a.digest) == len("sha256:") + 64


def test_every_result_reports_the_ruleset(ruleset):
    result = recommend(make_profile(), ruleset)
    assert result.ruleset.model_dump() == ruleset.summary()
    assert result.ruleset.rules == len(ruleset.rules)
