"""The knowledge corpus: realistic scenarios, each with what an expert accepts and the source that says so."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from advisor.engine.catalogue import facts_of
from advisor.engine.evaluate import matching
from advisor.engine.loader import builtin_rules_dir, load_rules
from advisor.engine.scenarios import load_scenarios, run_scenario
from advisor.errors import RuleError

RULES = load_rules(use_env=False)
SCENARIOS = load_scenarios(builtin_rules_dir() / "scenarios")
# The profile facts this issue added: each must decide at least one scenario.
NEW_FACTS = (
    "host.kind", "host.windows_edition", "host.windows_build", "host.cpu_arch", "host.connectivity",
    "workload.kernel", "workload.cpu_arch", "workload.windows_build", "workload.state", "workload.node_agent",
    "workload.vendor_supports", "workload.uncertified", "hardware.gpus", "hardware.gpu_sharing",
)  # fmt: skip


@pytest.mark.parametrize("loaded", SCENARIOS, ids=[scenario.name for _, _, scenario, _ in SCENARIOS])
def test_scenario(loaded):
    result = run_scenario(RULES, *loaded)
    assert result.passed, "\n".join(result.failures)


def test_the_corpus_is_large_and_covers_estates():
    assert len(SCENARIOS) >= 40
    assert sum(bool(profile.components) for *_, profile in SCENARIOS) >= 8
    assert len({scenario.name for _, _, scenario, _ in SCENARIOS}) == len(SCENARIOS)


def test_every_scenario_cites_a_source_and_says_what_it_says():
    for _, _, scenario, _ in SCENARIOS:
        assert urlparse(str(scenario.source)).scheme == "https", scenario.name
        assert scenario.says.endswith("."), scenario.name


def _given_paths(data: dict) -> set[str]:
    paths = {f"{section}.{name}" for section, fields in data.items() if isinstance(fields, dict) for name in fields}
    for component in data.get("components", []):
        paths |= _given_paths(component)
    return paths


def test_every_new_fact_appears_in_a_scenario():
    given = set().union(*(_given_paths(scenario.profile) for _, _, scenario, _ in SCENARIOS))
    given |= {"workload.os"} if any("macos" in str(s.profile) for _, _, s, _ in SCENARIOS) else set()
    assert set(NEW_FACTS) <= given, set(NEW_FACTS) - given
    assert any("host" in c for _, _, s, _ in SCENARIOS for c in s.profile.get("components", [])), "a component's host"


def test_every_blocker_decides_a_scenario():
    matched = set()
    for *_, profile in SCENARIOS:
        parts = [profile.component_profile(c) for c in profile.components] or [profile]
        matched |= {c.rule.id for part in parts for c in matching(RULES.rules, facts_of(part))}
    blockers = {c.rule.id for c in RULES.rules if c.rule.forbid}
    assert blockers <= matched, blockers - matched


def test_a_scenario_that_is_wrong_fails_with_what_the_expert_expected(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.yaml").write_text(
        "scenarios:\n"
        "  - name: a GUI app as containers\n"
        "    profile: {workload: {gui: true}}\n"
        "    accept: [container]\n"
        "    technologies: [Nothing Such]\n"
        "    source: https://example.org/\n"
        "    says: Nothing; this case is wrong on purpose.\n"
    )
    (loaded,) = load_scenarios(folder)
    failures = run_scenario(RULES, *loaded).failures
    assert failures == ["got vm, an expert accepts container", "technology 'Nothing Such' is not suggested"]


def test_a_malformed_scenario_names_file_line_and_field(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "scenarios:\n  - name: x\n    profile: {host: {os: solaris}}\n    accept: [vm]\n"
        "    source: https://example.org/\n    says: A sentence long enough to pass.\n"
    )
    with pytest.raises(RuleError, match=r"s.yaml:3: scenarios\[0\].profile.host.os: 'solaris' is not one of"):
        load_scenarios(tmp_path)
