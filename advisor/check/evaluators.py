"""Where the check's recommendations come from: the Evaluator interface, and the rules of this process.

The other evaluator, a running advisor service, is in `advisor.check.remote`.
"""

from __future__ import annotations

from typing import Any, Protocol

from advisor.check.report import RuleInfo
from advisor.engine.decide import recommend
from advisor.engine.loader import RuleSet
from advisor.models import Recommendation, WorkloadProfile


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
            c.rule.id: RuleInfo(
                c.rule.id, c.rule.title, c.rule.because, tuple(map(str, c.rule.links)), tuple(c.rule.forbid)
            )
            for c in self._ruleset.rules
        }

    def recommend(self, profile: WorkloadProfile) -> Recommendation:
        """The engine's recommendation (without the what-if search: the check compares platforms only)."""
        kept = self._answers.get(id(profile))
        if kept is None or kept[0] is not profile:
            kept = self._answers[id(profile)] = (profile, recommend(profile, self._ruleset, what_if=False))
        return kept[1]
