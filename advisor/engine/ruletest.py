"""Rule tests: cases beside the rules (`<rules dir>/tests/*.yaml`) that say which rules must fire.

A case gives a partial profile (`name` defaults to `rule-test`, `host.os` to `linux`), the rules that
must fire, the rules that must not, and optionally the platform. Every rule of the directory under test
needs at least one case where it fires and one where it does not; a rule without both is a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from advisor.engine.fields import facts_of
from advisor.engine.loader import RULE_SUFFIXES, RuleSet
from advisor.engine.scoring import outcome_of
from advisor.errors import InvalidInput, NoPlatformFits, RuleError, RuleProblem
from advisor.models import Platform
from advisor.profiles import validate_profile
from advisor.validation import describe, display_loc, locate
from advisor.yamlio import YAMLSyntaxError, load_all


class Case(BaseModel):
    """One rule test case."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    profile: dict[str, Any]
    fires: list[str] = Field(default_factory=list)
    not_fires: list[str] = Field(default_factory=list)
    platform: Platform | None = None


class CaseFile(BaseModel):
    """One file of rule test cases."""

    model_config = ConfigDict(extra="forbid")

    cases: list[Case] = Field(min_length=1)


@dataclass
class CaseResult:
    """The outcome of one case: where it is, and what went wrong (nothing when it passed)."""

    file: str
    line: int | None
    name: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every expectation of the case held."""
        return not self.failures


@dataclass
class RuleTestReport:
    """All case results, plus the rules that lack a firing or a non-firing case."""

    cases: list[CaseResult]
    untested: list[str]

    @property
    def passed(self) -> bool:
        """True when every case passed and every rule under test has both kinds of case."""
        return all(c.passed for c in self.cases) and not self.untested


def load_cases(tests_dir: Path) -> list[tuple[str, int | None, Case]]:
    """Read every case file in `tests_dir`; raise RuleError naming file and line for a bad one."""
    if not tests_dir.is_dir():
        raise RuleError([RuleProblem(str(tests_dir), None, None, "no tests/ folder beside these rules")])
    found: list[tuple[str, int | None, Case]] = []
    problems: list[RuleProblem] = []
    for path in sorted(p for p in tests_dir.iterdir() if p.suffix in RULE_SUFFIXES):
        name = str(path)
        try:
            documents, lines = load_all(path.read_text(encoding="utf-8"))
            parsed = CaseFile.model_validate(documents[0] if documents else None)
        except YAMLSyntaxError as exc:
            problems.append(RuleProblem(name, exc.line, None, str(exc)))
            continue
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc, line = locate(documents[0], tuple(error["loc"]), lines)
                problems.append(RuleProblem(name, line, None, f"{display_loc(loc)}: {describe(error, CaseFile)}"))
            continue
        for index, case in enumerate(parsed.cases):
            _, line = locate(documents[0], ("cases", index), lines)
            found.append((name, line, case))
    if problems:
        raise RuleError(problems)
    return found


def run_case(ruleset: RuleSet, file: str, line: int | None, case: Case) -> CaseResult:
    """Evaluate one case against the rule set and compare with what it expects."""
    result = CaseResult(file, line, case.name)
    data = {"name": "rule-test", **case.profile}
    data["host"] = {"os": "linux", **(data.get("host") or {})}
    try:
        profile = validate_profile(data)
    except InvalidInput as exc:
        result.failures.append(f"profile: {exc}")
        return result
    known = {c.rule.id for c in ruleset.rules}
    for rule_id in [*case.fires, *case.not_fires]:
        if rule_id not in known:
            result.failures.append(f"unknown rule '{rule_id}'")
    facts = facts_of(profile)
    matched = [c for c in ruleset.rules if c.check(facts)]
    fired = {c.rule.id for c in matched}
    result.failures += [f"expected '{r}' to fire, it did not" for r in case.fires if r in known and r not in fired]
    result.failures += [f"expected '{r}' not to fire, it did" for r in case.not_fires if r in fired]
    if case.platform is not None:
        try:
            platform = outcome_of(matched).platform
        except NoPlatformFits as exc:
            platform = f"nothing ({exc})"
        if platform != case.platform:
            result.failures.append(f"expected platform {case.platform}, got {platform}")
    return result


def run_rule_tests(ruleset: RuleSet, rules_dir: Path) -> RuleTestReport:
    """Run the cases in `rules_dir/tests` and check every rule of `rules_dir` is tested both ways."""
    cases = load_cases(rules_dir / "tests")
    results = [run_case(ruleset, file, line, case) for file, line, case in cases]
    here = rules_dir.resolve()
    own = {rule_id for rule_id, file in ruleset.files.items() if Path(file).resolve().parent == here}
    fires = {r for _, _, case in cases for r in case.fires}
    not_fires = {r for _, _, case in cases for r in case.not_fires}
    untested = []
    for rule_id in sorted(own):
        missing = [kind for kind, seen in (("fires", fires), ("does not fire", not_fires)) if rule_id not in seen]
        if missing:
            untested.append(f"rule '{rule_id}' has no case where it {' and none where it '.join(missing)}")
    return RuleTestReport(results, untested)
