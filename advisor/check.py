"""Decision records + the rules in force -> findings: does each decision still hold?

Each accepted or proposed record is recomputed: a decided platform a rule forbids is an error; one that
differs from the recommendation is an error when the recommendation has high confidence and a warning
otherwise. Every finding names one rule, so a rule can be waived, and reported, on its own. The
recommendations come from an Evaluator: this process's rules, or a running advisor service.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.decisions import LoadedRecord
from advisor.engine.decide import recommend
from advisor.engine.loader import RuleSet
from advisor.errors import EXIT_INVALID_INPUT, AdvisorError, FieldError, InvalidInput, NoPlatformFits
from advisor.models import PLATFORMS, Recommendation, WorkloadProfile

Level = Literal["error", "warning", "note"]
LEVELS: tuple[str, ...] = get_args(Level)


class CheckCouldNotRun(AdvisorError):
    """The check itself could not run (the service is unreachable or is not an advisor): exit code 2."""

    exit_code = EXIT_INVALID_INPUT


@dataclass(frozen=True)
class RuleInfo:
    """What a finding's rule is: the metadata SARIF and the other formats show beside findings."""

    id: str
    title: str
    because: str
    links: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()


# Findings that come from the check itself rather than from a rule; "/" keeps them apart from rule ids.
INVALID = "advisor/invalid-record"


def failing_levels(fail_on: str) -> tuple[str, ...]:
    """The finding levels that fail a record: errors, and warnings too with --fail-on warning."""
    return LEVELS[: LEVELS.index(fail_on) + 1]


EXPIRED = "advisor/expired-waiver"
DIFFERS = "advisor/differs"
NO_FIT = "advisor/no-platform-fits"
CHECK_RULES = {
    INVALID: RuleInfo(
        INVALID,
        "The decision record is invalid",
        "A record that cannot be read or does not fit the record format cannot be checked at all.",
        ("https://adr.github.io/madr/",),
    ),
    EXPIRED: RuleInfo(
        EXPIRED,
        "A waiver has expired",
        "A waiver sets a rule aside until a date; after it the decision must follow the rule or be waived anew.",
    ),
    DIFFERS: RuleInfo(
        DIFFERS,
        "The decision differs from the recommendation",
        "The rules in force recommend another platform, by score alone: no single rule counts against this one.",
    ),
    NO_FIT: RuleInfo(
        NO_FIT,
        "No platform fits the profile",
        "Rules forbid every platform for this profile, so no decision can follow them.",
    ),
}


@dataclass(frozen=True)
class Suppression:
    """A waiver that set a finding aside: why, and until when."""

    reason: str
    expires: str


@dataclass(frozen=True)
class Finding:
    """One problem with one record, tied to one rule, at a line of the record."""

    file: str
    line: int | None
    level: Level
    rule: str
    message: str
    suppressed: Suppression | None = None

    def key(self) -> tuple[Any, ...]:
        """The canonical order: file, line, rule, then the message."""
        return (self.file, self.line or 0, self.rule, self.message)


@dataclass
class RecordResult:
    """One record's outcome: what was decided, what the rules recommend now, and the findings."""

    file: str
    title: str | None = None
    decided: str | None = None
    recommended: str | None = None
    confidence: str | None = None
    skipped: str | None = None
    findings: list[Finding] = field(default_factory=list)

    def outcome(self, fail_on: str = "error") -> str:
        """passed, failed (a finding at a failing level), warned or skipped."""
        if self.skipped:
            return "skipped"
        active = [f for f in self.findings if f.suppressed is None]
        if any(f.level in failing_levels(fail_on) for f in active):
            return "failed"
        return "warned" if any(f.level == "warning" for f in active) else "passed"


@dataclass
class Report:
    """Every record's result, the rules the findings name, and the rule set they were judged by."""

    records: list[RecordResult]
    rules: dict[str, RuleInfo]
    ruleset: dict[str, Any]
    fail_on: str = "error"

    @property
    def findings(self) -> list[Finding]:
        """All findings, suppressed ones too, in canonical order."""
        return sorted((f for r in self.records for f in r.findings), key=Finding.key)

    def counts(self) -> dict[str, int]:
        """How many records, and how many findings of each level (suppressed apart)."""
        active = [f for f in self.findings if f.suppressed is None]
        counts = {"records": len(self.records)}
        for outcome in ("passed", "warned", "failed", "skipped"):
            counts[outcome] = sum(r.outcome(self.fail_on) == outcome for r in self.records)
        for level in LEVELS:
            counts[f"{level}s"] = sum(f.level == level for f in active)
        counts["suppressed"] = sum(f.suppressed is not None for f in self.findings)
        return counts

    @property
    def failed(self) -> bool:
        """Whether any unsuppressed finding is at a level that fails the check."""
        return any(r.outcome(self.fail_on) == "failed" for r in self.records)


class Evaluator(Protocol):
    """Where recommendations come from: the rules of this process, or an advisor service."""

    def ruleset(self) -> dict[str, Any]:
        """{version, digest, rules} of the rule set in force."""

    def rules(self) -> dict[str, RuleInfo]:
        """Every rule in force, by id."""

    def recommend(self, profile: WorkloadProfile) -> Recommendation:
        """The recommendation for one profile; NoPlatformFits when every platform is forbidden."""


class LocalEvaluator:
    """Recommendations from a rule set loaded in this process."""

    def __init__(self, ruleset: RuleSet) -> None:
        self._ruleset = ruleset
        # Records that share a profile_ref share one profile object; its answer is worked out once.
        self._answers: dict[int, tuple[WorkloadProfile, Recommendation]] = {}

    def ruleset(self) -> dict[str, Any]:
        """{version, digest, rules} of the loaded set."""
        return self._ruleset.summary()

    def rules(self) -> dict[str, RuleInfo]:
        """The loaded rules' metadata."""
        return {
            c.rule.id: RuleInfo(c.rule.id, c.rule.title, c.rule.because, tuple(map(str, c.rule.links)), c.rule.forbid)
            for c in self._ruleset.rules
        }

    def recommend(self, profile: WorkloadProfile) -> Recommendation:
        """The engine's recommendation (without the what-if search: the check compares platforms only)."""
        kept = self._answers.get(id(profile))
        if kept is None or kept[0] is not profile:
            kept = self._answers[id(profile)] = (profile, recommend(profile, self._ruleset, what_if=False))
        return kept[1]


# Shapes of what an advisor service answers, checked before anything is used: strict, so a number is not a string.
class _RuleItem(BaseModel):
    """One item of GET /v1/rules, as far as the check reads it (the rule's conditions are the service's own)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str
    title: str
    because: str
    links: list[str] = []
    forbid: list[str] = []


class _RulesIndex(BaseModel):
    """GET /v1/rules: the rule set's summary and its items."""

    model_config = ConfigDict(strict=True, extra="ignore")

    version: str
    digest: str
    rules: int = Field(ge=0)
    items: list[_RuleItem]


class _FieldProblem(BaseModel):
    """One field a service refused, in a 400 answer."""

    model_config = ConfigDict(strict=True, extra="ignore")

    loc: str = ""
    msg: str


class _Problem(BaseModel):
    """A 400 or 422 problem body: what went wrong, and for a 400 the fields."""

    model_config = ConfigDict(strict=True, extra="ignore")

    detail: str
    errors: list[_FieldProblem] | None = None


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(map(str, first['loc'])) or 'the body'}: {first['msg']}"


# An advisor answer is a few hundred KiB at most; more than this is not an advisor, and is not read on.
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class _Answer:
    """A whole answer, read within the deadline and the size cap."""

    status_code: int
    headers: Any
    content: bytes


class RemoteEvaluator:
    """Recommendations from a running advisor service, so an organisation can keep one central rule set.

    The service answers POST /v1/recommendations with exactly the local JSON, and GET /v1/rules with the
    rules' metadata; anything else means it is not an advisor service, and the check cannot run.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        import requests  # only a check against a service pays for importing requests

        self._requests = requests
        self._url = url.rstrip("/")
        self._timeout = timeout
        self._session = requests.Session()
        self._index: _RulesIndex | None = None

    def _too_slow(self) -> CheckCouldNotRun:
        return CheckCouldNotRun(f"the advisor service at {self._url} did not answer within {self._timeout:g} s")

    def _call(self, method: str, path: str, **kwargs: Any) -> _Answer:
        """The whole answer within --timeout seconds and MAX_BODY bytes, or CheckCouldNotRun saying why not."""
        # requests' timeout bounds each read, not the answer: a server sending a byte a second never times
        # out. A timer shuts the socket at the deadline, which ends a read that is waiting.
        deadline = time.monotonic() + self._timeout
        expired = threading.Event()
        try:
            with self._session.request(
                method, self._url + path, timeout=self._timeout, stream=True, **kwargs
            ) as response:
                timer = threading.Timer(max(deadline - time.monotonic(), 0), self._shut, (response, expired))
                timer.start()
                try:
                    content = self._read(f"{method} {path}", response, expired)
                finally:
                    timer.cancel()
                return _Answer(response.status_code, response.headers, content)
        except self._requests.Timeout:
            raise self._too_slow() from None
        except self._requests.RequestException as exc:
            if expired.is_set():
                raise self._too_slow() from None
            reason = type(exc).__name__ if isinstance(exc, self._requests.ConnectionError) else str(exc)
            raise CheckCouldNotRun(f"cannot reach the advisor service at {self._url} ({reason})") from None
        except ValueError as exc:  # a URL urllib3 cannot parse (LocationParseError is one), or a bad redirect
            raise CheckCouldNotRun(f"cannot reach the advisor service at {self._url} (bad URL: {exc})") from None

    @staticmethod
    def _shut(response: Any, expired: threading.Event) -> None:
        expired.set()
        with contextlib.suppress(Exception):  # the read may have ended meanwhile; then there is nothing to end
            response.raw.shutdown()

    def _read(self, what: str, response: Any, expired: threading.Event) -> bytes:
        body = bytearray()
        for chunk in response.iter_content(chunk_size=64 * 1024):
            if expired.is_set():
                break
            body += chunk
            if len(body) > MAX_BODY:
                raise self._not_advisor(what, response, f"the body is larger than {MAX_BODY // 2**20} MiB")
        if expired.is_set():
            raise self._too_slow()
        return bytes(body)

    def _not_advisor(self, what: str, response: Any, problem: str = "") -> CheckCouldNotRun:
        kind = response.headers.get("Content-Type", "no Content-Type")
        wrong = f": {problem:.200}" if problem else ""
        return CheckCouldNotRun(
            f"{self._url} did not answer like an advisor service ({what}: HTTP {response.status_code}, {kind}{wrong})"
        )

    def _rules_index(self) -> _RulesIndex:
        if self._index is None:
            what = "GET /v1/rules"
            response = self._call("GET", "/v1/rules")
            if response.status_code != 200:
                raise self._not_advisor(what, response)
            try:
                self._index = _RulesIndex.model_validate_json(response.content)
            except ValidationError as exc:
                problem = "the body is not JSON" if exc.errors()[0]["type"] == "json_invalid" else _first_error(exc)
                raise self._not_advisor(what, response, problem) from None
            except RecursionError:
                raise self._not_advisor(what, response, "the body is not JSON an advisor sends") from None
        return self._index

    def ruleset(self) -> dict[str, Any]:
        """{version, digest, rules} of the service's rule set."""
        return self._rules_index().model_dump(include={"version", "digest", "rules"})

    def rules(self) -> dict[str, RuleInfo]:
        """The service's rules' metadata."""
        return {
            item.id: RuleInfo(item.id, item.title, item.because, tuple(item.links), tuple(item.forbid))
            for item in self._rules_index().items
        }

    def recommend(self, profile: WorkloadProfile) -> Recommendation:
        """The service's recommendation; its 422 is NoPlatformFits and its 400 InvalidInput, as locally."""
        # Only the fields the record gave are sent, so the service sees the same defaults (and assumptions).
        body = profile.given()
        what = "POST /v1/recommendations"
        response = self._call("POST", "/v1/recommendations", json=body)
        try:
            data = json.loads(response.content)
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the decoder goes
            raise self._not_advisor(what, response, "the body is not JSON an advisor sends") from None
        if response.status_code in (400, 422) and isinstance(data, dict) and "detail" in data:
            try:
                problem = _Problem.model_validate(data)
            except ValidationError as exc:
                raise self._not_advisor(what, response, f"not a problem: {_first_error(exc)}") from None
            if response.status_code == 422:
                raise NoPlatformFits(problem.detail)
            errors = problem.errors or [_FieldProblem(msg=problem.detail)]
            raise InvalidInput([FieldError(e.loc, e.msg) for e in errors])
        if response.status_code != 200:
            raise self._not_advisor(what, response)
        try:
            recommendation = Recommendation.model_validate(data)
        except ValidationError as exc:
            raise self._not_advisor(what, response, f"not a recommendation: {_first_error(exc)}") from None
        for part in [recommendation, *recommendation.components]:
            # _differences looks up the decided platform among the alternatives: each of the others must be there.
            missing = set(PLATFORMS) - {part.platform} - {a.platform for a in part.alternatives}
            if missing:
                named = f"component {part.name}" if part is not recommendation else "the recommendation"
                problem = f"{named} lists no alternative {' or '.join(sorted(missing))}"
                raise self._not_advisor(what, response, problem)
        return recommendation


def _differences(result: Recommendation, decided: str, rules: dict[str, RuleInfo], strict: bool) -> list[Finding]:
    """The findings of a decided platform against a recommendation, one per rule behind each (file unset)."""
    if result.platform == decided:
        return []
    found = []
    # A system is judged component by component: each one that runs best elsewhere says why.
    for part in result.components or [result]:
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
            waiver = waivers.get(finding.rule)
            suppressed = Suppression(waiver.reason, str(waiver.expires)) if waiver else None
            found.append(Finding(loaded.file, line, finding.level, finding.rule, finding.message, suppressed))
    result.findings = sorted(found, key=Finding.key)
    return result


def check(
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
