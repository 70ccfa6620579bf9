"""Decision records + the rules in force -> findings: does each decision still hold?

Each accepted or proposed record is recomputed: a decided platform a rule forbids is an error; one that
differs from the recommendation is an error when the recommendation has high confidence and a warning
otherwise. Every finding names one rule, so a rule can be waived, and reported, on its own. The
recommendations come from an Evaluator: this process's rules, or a running advisor service.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from advisor.check.evaluators import Evaluator
from advisor.check.records import LoadedRecord
from advisor.check.report import (
    CHECK_RULES,
    DIFFERS,
    EXPIRED,
    INVALID,
    NO_FIT,
    Finding,
    Level,
    RecordResult,
    Report,
    RuleInfo,
    Suppression,
)
from advisor.errors import InvalidInput, NoPlatformFits
from advisor.models import ComponentResult, Recommendation


def _differences(result: Recommendation, decided: str, rules: dict[str, RuleInfo], strict: bool) -> list[Finding]:
    """The findings of a decided platform against a recommendation, one per rule behind each (file unset)."""
    if result.platform == decided:
        return []
    found = []
    # A system is judged component by component: each one that runs best elsewhere says why.
    parts: list[ComponentResult | Recommendation] = [*result.components] or [result]
    for part in parts:
        if part.platform == decided:
            continue
        prefix = f"component {part.name}: " if result.components else ""
        alternative = next(a for a in part.alternatives if a.platform == decided)
        level: Level = "error" if strict or part.confidence == "high" else "warning"
        advice = f"advisor recommends {part.platform} ({part.confidence} confidence)"
        against = list(alternative.why_not)
        for why in against:
            info = rules.get(why.rule)
            title = info.title if info else why.because
            if alternative.forbidden and info and decided in info.forbid:
                message = f"{prefix}decided {decided}, which rule '{why.rule}' forbids: {title}"
                found.append(Finding("", None, "error", why.rule, message))
            else:
                message = (
                    f"{prefix}decided {decided}, but {advice}; rule '{why.rule}' counts against {decided}: {title}"
                )
                found.append(Finding("", None, level, why.rule, message))
        if not against:
            scores = ", ".join(f"{p} {s}" for p, s in part.scores.items())
            message = f"{prefix}decided {decided}, but {advice} on points alone (scores: {scores})"
            found.append(Finding("", None, level, DIFFERS, message))
    return found


def _check_record(
    loaded: LoadedRecord,
    evaluator: Evaluator,
    rules: dict[str, RuleInfo],
    strict: bool,
    today: datetime.date,
) -> RecordResult:
    result = RecordResult(file=loaded.file, skipped=loaded.skipped)
    result.findings = [
        Finding(loaded.file, e.line, "error", INVALID, f"{e.loc}: {e.msg}" if e.loc else e.msg) for e in loaded.problems
    ]
    record = loaded.record
    if record is None or loaded.profile is None or result.findings or result.skipped:
        return result
    result.title, result.decided = record.title, record.decision.platform
    found: list[Finding] = []
    waivers = {}
    for index, waiver in enumerate(record.waivers):
        if waiver.expires < today:
            message = (
                f"waivers[{index}]: the waiver of '{waiver.rule}' expired on {waiver.expires}: "
                "follow the rule, or waive it anew with a reason and a new date"
            )
            found.append(Finding(loaded.file, loaded.line("waivers", index), "error", EXPIRED, message))
        else:
            waivers[waiver.rule] = waiver
    # Lines are looked up only for a finding: finding one parses the record a second time, and most
    # records have none.
    try:
        recommendation = evaluator.recommend(loaded.profile)
    except NoPlatformFits as exc:
        profile_line = loaded.line("profile") or loaded.line("profile_ref")
        found.append(Finding(loaded.file, profile_line, "error", NO_FIT, str(exc)))
    except InvalidInput as exc:  # only a service with another profile model refuses what was valid here
        message = "the service refused the profile: " + "; ".join(str(e) for e in exc.errors)
        profile_line = loaded.line("profile") or loaded.line("profile_ref")
        found.append(Finding(loaded.file, profile_line, "error", INVALID, message))
    else:
        result.recommended, result.confidence = recommendation.platform, recommendation.confidence
        differences = _differences(recommendation, record.decision.platform, rules, strict)
        line = loaded.line("decision", "platform") if differences else None
        for finding in differences:
            waived = waivers.get(finding.rule)
            suppressed = Suppression(waived.reason, str(waived.expires)) if waived else None
            found.append(Finding(loaded.file, line, finding.level, finding.rule, finding.message, suppressed))
    result.findings = sorted(found, key=Finding.key)
    return result


def check_records(
    records: Iterable[LoadedRecord],
    evaluator: Evaluator,
    *,
    strict: bool = False,
    fail_on: str = "error",
    today: datetime.date | None = None,
) -> Report:
    """Check every record against the evaluator's rules."""
    rules = evaluator.rules()
    day = today or datetime.date.today()
    results = [_check_record(r, evaluator, rules, strict, day) for r in records]
    named = sorted({f.rule for r in results for f in r.findings})
    known = {**rules, **CHECK_RULES}
    metadata = {rule: known.get(rule) or RuleInfo(rule, rule, "") for rule in named}
    return Report(sorted(results, key=lambda r: r.file), metadata, evaluator.ruleset(), fail_on)
