"""Rule tests: cases beside the rules (`<rules dir>/tests/*.yaml`) that say which rules must fire.

A case gives a partial profile (`name` defaults to `rule-test`, `host.os` to `linux`), the rules that
must fire, the rules that must not, and optionally the platform. Every rule of the directory under test
needs at least one case where it fires and one where it does not; a rule without both is a failure.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from advisor.engine.catalogue import facts_of
from advisor.engine.evaluate import matching
from advisor.engine.loader import RULE_SUFFIXES, RuleSet
from advisor.engine.scoring import outcome_of
from advisor.errors import InvalidInput, NoPlatformFits, RuleError, RuleProblem
from advisor.models import Platform, WorkloadProfile
from advisor.profiles import validate_profile
from advisor.validation import describe, display_loc, locate
from advisor.yamlio import Unreadable, YAMLSyntaxError, load_all, read_text


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


@dataclass
class LoadedCase:
    """A case as read from its file, with its partial profile completed and validated."""

    file: str
    line: int | None
    case: Case
    profile: WorkloadProfile


def _complete(partial: dict[str, Any]) -> dict[str, Any]:
    """Fill what a case may leave out: `name` (rule-test) and `host.os` (linux)."""
    data = {"name": "rule-test", **partial}
    host = data.get("host", {})
    if isinstance(host, dict):
        data["host"] = {"os": "linux", **host}
    return data


def _read_case_file(path: Path) -> tuple[list[LoadedCase], list[RuleProblem]]:
    name = str(path)
    try:
        documents, lines = load_all(read_text(path))
    except Unreadable as exc:
        return [], [RuleProblem(name, None, None, str(exc))]
    except YAMLSyntaxError as exc:
        return [], [RuleProblem(name, exc.line, None, str(exc))]
    if len(documents) != 1:
        return [], [RuleProblem(name, 1, None, "a test file is one YAML mapping with a 'cases' list")]
    try:
        parsed = CaseFile.model_validate(documents[0])
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc, line = locate(documents[0], tuple(error["loc"]), lines)
            where = f"{display_loc(loc)}: " if loc else ""
            problems.append(RuleProblem(name, line, None, f"{where}{describe(error, CaseFile)}"))
        return [], problems
    loaded, problems = [], []
    for index, case in enumerate(parsed.cases):
        base = ("cases", index, "profile")
        try:
            profile = validate_profile(_complete(case.profile), lines=lines, file=name, base=base)
        except InvalidInput as exc:
            problems += [
                RuleProblem(name, e.line, None, f"{display_loc(base[:2])}.profile.{e.loc}: {e.msg}") for e in exc.errors
            ]
            continue
        loaded.append(LoadedCase(name, lines.at(0, ("cases", index)), case, profile))
    return loaded, problems


def load_cases(tests_dir: Path) -> list[LoadedCase]:
    """Read every case file in `tests_dir`; raise RuleError naming file and line for anything wrong."""
    if not tests_dir.is_dir():
        raise RuleError([RuleProblem(str(tests_dir), None, None, "no tests/ folder beside these rules")])
    found: list[LoadedCase] = []
    problems: list[RuleProblem] = []
    for path in sorted(p for p in tests_dir.iterdir() if p.is_file() and p.suffix in RULE_SUFFIXES):
        cases, file_problems = _read_case_file(path)
        found += cases
        problems += file_problems
    if problems:
        raise RuleError(problems)
    return found


def run_case(ruleset: RuleSet, loaded: LoadedCase) -> CaseResult:
    """Evaluate one case against the rule set and compare with what it expects."""
    case = loaded.case
    result = CaseResult(loaded.file, loaded.line, case.name)
    known = {c.rule.id for c in ruleset.rules}
    for rule_id in [*case.fires, *case.not_fires]:
        if rule_id in ruleset.disabled:
            result.failures.append(
                f"rule '{rule_id}' is disabled in this rule set, so it can never fire; leave it out of the case"
            )
        elif rule_id not in known:
            close = difflib.get_close_matches(rule_id, sorted(known), n=1)
            result.failures.append(f"unknown rule '{rule_id}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    facts = facts_of(loaded.profile)
    matched = matching(ruleset.rules, facts)
    fired = {c.rule.id for c in matched}
    result.failures += [f"expected '{r}' to fire, it did not" for r in case.fires if r in known and r not in fired]
    result.failures += [f"expected '{r}' not to fire, it did" for r in case.not_fires if r in fired]
    if case.platform is not None:
        platform: str
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
    results = [run_case(ruleset, loaded) for loaded in cases]
    here = rules_dir.resolve()
    own = {rule_id for rule_id, file in ruleset.files.items() if Path(file).resolve().parent == here}
    fires = {r for loaded in cases for r in loaded.case.fires}
    not_fires = {r for loaded in cases for r in loaded.case.not_fires}
    untested = []
    for rule_id in sorted(own):
        missing = [kind for kind, seen in (("fires", fires), ("does not fire", not_fires)) if rule_id not in seen]
        if missing:
            untested.append(f"rule '{rule_id}' has no case where it {' and none where it '.join(missing)}")
    return RuleTestReport(results, untested)
