"""The rule file format: closed pydantic models, so a mistyped key is an error and the JSON Schema is free.

A condition is one of four shapes, told apart by its single key:
``all: [...]``, ``any: [...]``, ``not: {...}`` or a leaf ``field.path: value | {op: value}``.
Leaves are checked against the profile model by the loader (field exists, operator fits, value fits).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    HttpUrl,
    StringConstraints,
    Tag,
    model_validator,
)

from advisor.models import PLATFORMS, Closed, Platform

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,127}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class AllOf(Closed):
    """Every condition holds."""

    all: list[Condition] = Field(min_length=1)


class AnyOf(Closed):
    """At least one condition holds."""

    any: list[Condition] = Field(min_length=1)


class NotOf(Closed):
    """The condition does not hold."""

    not_: Condition = Field(alias="not")


Leaf = Annotated[
    dict[str, Any],
    Field(
        min_length=1,
        max_length=1,
        description="One field path of the profile mapped to a value (equality) or to {operator: value}.",
        # all, any and not are combinators, never field paths: this keeps the JSON Schema's oneOf exclusive.
        json_schema_extra={"propertyNames": {"not": {"enum": ["all", "any", "not"]}}},
    ),
]


COMBINATORS = frozenset({"all", "any", "not"})


def _condition_kind(value: Any) -> str | None:
    # Called by pydantic for every condition of every rule, read or written (the digest writes them all):
    # the common cases, a dict and one of the three models, come first.
    if type(value) is dict:
        if len(value) == 1:
            for key in value:
                return key if key in COMBINATORS else "leaf"
        return "leaf"  # the leaf's own length check names the problem
    kind = _COMBINATOR_KINDS.get(type(value))
    if kind is not None:
        return kind
    return "leaf" if isinstance(value, BaseModel) else None


_COMBINATOR_KINDS: dict[type, str] = {AllOf: "all", AnyOf: "any", NotOf: "not"}


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Leaf, Tag("leaf")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one key: all, any, not or a field path",
    ),
]


def _every_platform() -> list[Platform]:
    # list(...), not list[Platform](...): calling the generic alias costs ten times as much, once per rule.
    return list(PLATFORMS)


class Score(Closed):
    """Points added to (or, when negative, taken from) each platform."""

    vm: int = Field(0, ge=-100, le=100)
    container: int = Field(0, ge=-100, le=100)
    hybrid: int = Field(0, ge=-100, le=100)


class Suggestion(Closed):
    """A technology to use, and for which recommended platforms it applies (all when omitted)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    role: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    platforms: list[Platform] = Field(default_factory=_every_platform, min_length=1)


RuleKind = Literal["blocker", "preference"]


class Rule(Closed):
    """One piece of advice: when it applies, what it does to the decision, and why.

    `kind` records the audit of what the rule decides: a blocker is a need that a platform cannot meet,
    so it forbids that platform; a preference only moves points. A rule file without it still loads:
    the kind is then read off the rule (blocker when it forbids something).
    """

    id: RuleId
    title: Text
    when: Condition
    kind: RuleKind | None = Field(
        None,
        description="blocker: a need some platform cannot meet, so the rule forbids it. preference: points only. "
        "Read off the rule (blocker when it forbids) when left out.",
    )
    score: Score | None = None
    forbid: list[Platform] = Field(default_factory=list)
    suggest: list[Suggestion] = Field(default_factory=list)
    note: Text | None = None
    note_for: list[Platform] = Field(
        default_factory=_every_platform,
        min_length=1,
        description="The recommended platforms the note is worth reading for (all when omitted).",
    )
    confidence_at_most: Literal["medium", "low"] | None = Field(
        None,
        description="When the rule matches and takes points from the chosen platform, the answer's confidence is "
        "at most this: for warnings the profile chose to weigh rather than forbid.",
    )
    because: Text
    links: list[HttpUrl] = Field(min_length=1)
    disabled: Literal[False] = False

    @model_validator(mode="after")
    def _has_an_effect(self) -> Rule:
        if self.score is not None and not (self.score.vm or self.score.container or self.score.hybrid):
            raise ValueError("score: give at least one platform points (or leave score out)")
        if self.note is None and "note_for" in self.model_fields_set:
            raise ValueError("note_for: there is no note to show")
        if self.score is None and not self.forbid and not self.suggest and self.note is None:
            raise ValueError("a rule needs at least one effect: score, forbid, suggest or note")
        if len(set(self.forbid)) == 3:
            raise ValueError("forbid: a rule cannot forbid every platform")
        if self.kind == "blocker" and not self.forbid:
            raise ValueError("kind: a blocker forbids the platforms that cannot meet the need; give forbid")
        if self.kind == "preference" and self.forbid:
            raise ValueError("kind: a preference only scores; a rule that forbids is a blocker")
        return self

    @property
    def blocker(self) -> bool:
        """True when the rule forbids a platform: a hard constraint, never outvoted by points."""
        return bool(self.forbid)


class DisabledRule(Closed):
    """Switches off a rule of an earlier layer (a shipped rule, say) by id."""

    id: RuleId
    disabled: Literal[True]
    because: Text | None = None


def _rule_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "disabled" if isinstance(value, DisabledRule) else "rule"
    # Anything but `disabled: false` (or none) is read as an attempt to switch a rule off, so a mistyped
    # `disabled: "yes"` is reported on that key rather than as a rule missing its title and reason.
    return "disabled" if isinstance(value, dict) and value.get("disabled", False) is not False else "rule"


RuleEntry = Annotated[
    Annotated[Rule, Tag("rule")] | Annotated[DisabledRule, Tag("disabled")],
    Discriminator(_rule_kind),
]


class RuleFile(Closed):
    """One YAML file: one rule set."""

    description: Text | None = None
    rules: list[RuleEntry] = Field(min_length=1)
