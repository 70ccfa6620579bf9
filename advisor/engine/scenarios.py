"""Scenarios: realistic profiles beside the rules (`<rules dir>/scenarios/*.yaml`), each with what an expert would
accept and the primary source that says so.

Where a rule test pins which rules fire, a scenario pins the advice: the platforms acceptable for the case, the
highest confidence the answer may claim, the technologies that must (and must not) appear, and for an estate the
platform of each component. `accept: []` says no platform may be offered at all (every one is ruled out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from advisor.engine.catalogue import facts_of
from advisor.engine.decide import CONFIDENCE_ORDER, recommend
from advisor.engine.evaluate import matching
from advisor.engine.loader import RULE_SUFFIXES, RuleSet
from advisor.engine.ruletest import CaseResult, read_case_file
from advisor.errors import NoPlatformFits, RuleError, RuleProblem
from advisor.models import Confidence, Platform, Recommendation, WorkloadProfile

Sentence = Annotated[str, StringConstraints(min_length=20, max_length=600)]


class Scenario(BaseModel):
    """One case as an expert would judge it, and the source that grounds the judgement."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    profile: dict[str, Any]
    accept: list[Platform] = Field(description="Platforms an expert would accept; empty: none may be offered.")
    confidence_at_most: Confidence = "high"
    technologies: list[str] = Field(default_factory=list, description="Technologies that must be suggested.")
    absent: list[str] = Field(default_factory=list, description="Technologies that must not be suggested.")
    components: dict[str, list[Platform]] = Field(
        default_factory=dict, description="Acceptable platforms by component."
    )
    fires: list[str] = Field(default_factory=list, description="Rules that must match (in any component).")
    source: HttpUrl
    says: Sentence = Field(description="What the source says that justifies the expectation.")


class ScenarioFile(BaseModel):
    """One file of scenarios."""

    model_config = ConfigDict(extra="forbid")

    scenarios: list[Scenario] = Field(min_length=1)


def _matched(profile: WorkloadProfile, ruleset: RuleSet) -> set[str]:
    parts = [profile.component_profile(c) for c in profile.components] or [profile]
    return {c.rule.id for part in parts for c in matching(ruleset.rules, facts_of(part))}


def _judge(scenario: Scenario, result: Recommendation) -> list[str]:
    failures = []
    if result.platform not in scenario.accept:
        failures.append(f"got {result.platform}, an expert accepts {', '.join(scenario.accept)}")
    if CONFIDENCE_ORDER.index(result.confidence) > CONFIDENCE_ORDER.index(scenario.confidence_at_most):
        failures.append(f"confidence {result.confidence}, more than the case allows ({scenario.confidence_at_most})")
    suggested = {t.name for t in result.technologies}
    failures += [f"technology '{name}' is not suggested" for name in scenario.technologies if name not in suggested]
    failures += [f"technology '{name}' is suggested and should not be" for name in scenario.absent if name in suggested]
    by_name = {c.name: c for c in result.components}
    for name, accepted in scenario.components.items():
        if name not in by_name:
            failures.append(f"no component '{name}' in the profile")
        elif by_name[name].platform not in accepted:
            failures.append(f"component {name} got {by_name[name].platform}, an expert accepts {', '.join(accepted)}")
    return failures


def run_scenario(
    ruleset: RuleSet, file: str, line: int | None, scenario: Scenario, profile: WorkloadProfile
) -> CaseResult:
    """Answer the scenario's profile and compare with what the expert accepts."""
    result = CaseResult(file, line, f"scenario: {scenario.name}")
    matched = _matched(profile, ruleset)
    result.failures += [f"expected '{r}' to match, it did not" for r in scenario.fires if r not in matched]
    try:
        answer = recommend(profile, ruleset, what_if=False)
    except NoPlatformFits as exc:
        if scenario.accept:
            result.failures.append(f"no platform offered ({exc})")
        return result
    if not scenario.accept:
        result.failures.append(f"expected no platform to be offered, got {answer.platform}")
        return result
    result.failures += _judge(scenario, answer)
    return result


def load_scenarios(directory: Path) -> list[tuple[str, int | None, Scenario, WorkloadProfile]]:
    """Every scenario in `directory`; a RuleError names the file and line of anything malformed."""
    found: list[tuple[str, int | None, Scenario, WorkloadProfile]] = []
    problems: list[RuleProblem] = []
    for path in sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in RULE_SUFFIXES):
        loaded, file_problems = read_case_file(path, ScenarioFile, "scenarios")
        found += [(str(path), line, scenario, profile) for line, scenario, profile in loaded]
        problems += file_problems
    if problems:
        raise RuleError(problems)
    return found


def run_scenarios(ruleset: RuleSet, rules_dir: Path) -> list[CaseResult]:
    """Run `rules_dir/scenarios` if there is such a folder (none is fine: scenarios are optional)."""
    directory = rules_dir / "scenarios"
    if not directory.is_dir():
        return []
    return [run_scenario(ruleset, *loaded) for loaded in load_scenarios(directory)]
