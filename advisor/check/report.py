"""What the check reports: findings tied to rules, each record's result, and the check's own rules.

Every finding names one rule (a rule of the set, or one of CHECK_RULES, the check's own), so a finding can be
waived, and reported, on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Level = Literal["error", "warning", "note"]
LEVELS: tuple[str, ...] = get_args(Level)


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
