"""Profile + rules -> which rules matched. Conditions are compiled once, at load time, into closures.

Compiling is also where a leaf is checked against the profile model: the field must exist, the operator
must fit the field's type and the value must fit the field. Problems are raised as ConditionProblem with
the position inside `when`, so the loader can name the file, line and rule.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel

from advisor.engine.catalogue import CATALOGUE, FieldSpec
from advisor.engine.operators import OPERATORS, operators_for
from advisor.engine.schema import AllOf, AnyOf, NotOf, Rule
from advisor.models import PLATFORMS
from advisor.validation import plain, shown

Facts = dict[str, Any]
Check = Callable[[Facts], bool]
# A check that leaves one field unknown: True or False when the other facts settle it, None when they do not.
Partial = Callable[[Facts, str], "bool | None"]


class ConditionProblem(ValueError):
    """A leaf that does not fit the profile model; `loc` is its position inside the rule."""

    def __init__(self, loc: tuple[Any, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


class Leaf(NamedTuple):
    """One compiled comparison, kept for explanations and for the what-if search."""

    path: str
    op: str
    operand: Any


@dataclass(slots=True)
class CompiledRule:
    """A rule ready to evaluate: its model, its check, and the fields and leaves it reads."""

    rule: Rule
    check: Check
    leaves: list[Leaf] = field(default_factory=list)
    points: tuple[int, int, int] = (0, 0, 0)  # score for vm, container, hybrid
    bans: tuple[int, int, int] = (0, 0, 0)  # 1 where the rule forbids vm, container, hybrid
    # Built on first use, not at load time (loading 10,000 rules stays as fast): the rule's parts of a result,
    # which are the same in every result, and its partial check for the what-if search.
    memo: dict[str, Any] = field(default_factory=dict)
    partial: Partial | None = None

    @property
    def fields(self) -> frozenset[str]:
        """The profile field paths this rule's condition reads."""
        found = self.memo.get("fields")
        if found is None:
            found = self.memo["fields"] = frozenset(leaf.path for leaf in self.leaves)
        return found

    def holds_whatever(self, facts: Facts, unknown: str) -> bool | None:
        """Whether the condition holds whatever value the field `unknown` takes, the other facts as given:
        True or False when they settle it, None when the value of `unknown` decides."""
        partial = self.partial
        if partial is None:
            partial = self.partial = _partial(self.rule.when, iter(self.leaves))
        return partial(facts, unknown)

    def required_leaves(self) -> list[Leaf]:
        """The leaves the rule cannot match without: the whole condition if it is a leaf, else the leaves that
        are children of its top-level all (in compile order); none for a top-level any or not."""
        required = self.memo.get("required")
        if required is None:
            required = self.memo["required"] = _required(self.rule.when, self.leaves)
        return required

    def failing_fields(self, facts: Facts) -> frozenset[str] | None:
        """For a plain conjunction (one comparison, or an all of comparisons): the fields of its comparisons that
        fail on these facts, so it holds whatever a field takes exactly when no other field fails. None for
        any other shape of condition."""
        tests = self.memo.get("leaf_tests")
        if tests is None:
            plain = _plain_conjunction(self)
            tests = self.memo["leaf_tests"] = (
                [(leaf.path, OPERATORS[leaf.op].test, leaf.operand) for leaf in self.leaves] if plain else ()
            )
        if not tests:
            return None
        return frozenset([path for path, test, operand in tests if not test(facts[path], operand)])


# Explicit loops, not all()/any() over a generator: this is the hot path and the loop is faster.
def _all(checks: list[Check]) -> Check:
    def check(facts: Facts) -> bool:
        for one in checks:  # noqa: SIM110
            if not one(facts):
                return False
        return True

    return check


def _any(checks: list[Check]) -> Check:
    def check(facts: Facts) -> bool:
        for one in checks:  # noqa: SIM110
            if one(facts):
                return True
        return False

    return check


def _not(inner: Check) -> Check:
    return lambda facts: not inner(facts)


def _check_operand(spec: FieldSpec, op_name: str, operand: Any, loc: tuple[Any, ...]) -> Any:
    """Validate the value written after an operator; return it in the form the test wants.

    Values compared for equality or membership must be values the field can hold, checked by the profile
    model's own validator: a rule that tests for a value no profile can have would never fire.
    """
    kind = OPERATORS[op_name].operand
    where = f"'{spec.path}'"
    if kind == "count":
        if not isinstance(operand, int) or isinstance(operand, bool) or operand < 0:
            raise ConditionProblem(loc, f"{where}: {op_name} needs a whole number of items, got {shown(operand)}")
        return operand
    if kind == "number":
        if not isinstance(operand, (int, float)) or isinstance(operand, bool) or not math.isfinite(operand):
            raise ConditionProblem(loc, f"{where}: {op_name} needs a finite number, got {shown(operand)}")
        return operand
    if kind == "elements" and (not isinstance(operand, list) or not operand):
        raise ConditionProblem(loc, f"{where}: {op_name} needs a non-empty list, got {shown(operand)}")
    values = operand if kind == "elements" else [operand]
    for value in values:
        problem = spec.check(value)
        if problem is not None:
            raise ConditionProblem(loc, f"{where}: {problem}")
    if spec.kind == "enum":  # the model's own choice strings, shared by every rule, compare fastest
        values = [spec.choices[spec.choices.index(v)] if v is not None else v for v in values]
        operand = values[0] if kind == "element" else operand
    return frozenset(values) if kind == "elements" else operand


# Leaves already compiled during one load, by what they say (see _leaf_key): many rules test the same
# field against the same value, and a leaf's check depends on nothing else.
CompiledLeaves = dict[tuple[Any, ...], tuple[Leaf, Check]]


def _value_key(value: Any) -> Any:
    """A hashable stand-in for a value read from YAML, telling apart values that compare equal but are not
    the same (1, 1.0 and true; 0.0 and -0.0); None for a value not worth keying."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)
    if kind is float:
        return (kind, repr(value))
    if kind is list:
        items = [_value_key(item) for item in value]
        return None if None in items else (kind, tuple(items))
    return None


def _leaf_key(path: str, test: Any) -> tuple[Any, ...] | None:
    """What a leaf says (field, operator, value), the bare-value form keyed as eq, which it means."""
    if type(test) is dict:
        if len(test) != 1:
            return None
        ((op_name, operand),) = test.items()
    else:
        op_name, operand = "eq", test
    value = _value_key(operand)
    return None if value is None else (path, op_name, value)


def _leaf(raw: dict[str, Any], loc: tuple[Any, ...], leaves: list[Leaf], known: CompiledLeaves | None = None) -> Check:
    ((path, test),) = raw.items()
    key = _leaf_key(path, test) if known is not None else None
    found = known.get(key) if known is not None and key is not None else None
    if found is not None:
        leaves.append(found[0])
        return found[1]
    loc = (*loc, path)
    spec = CATALOGUE.get(path)
    if spec is None:
        close = difflib.get_close_matches(str(path), list(CATALOGUE), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConditionProblem(loc, f"unknown field '{path}'{hint}")
    if isinstance(test, dict):
        if len(test) != 1:
            raise ConditionProblem(loc, f"'{path}': write one operator per leaf, got {len(test)}; combine with all")
        ((op_name, operand),) = test.items()
    else:
        op_name, operand = ("eq", test)
    if op_name not in OPERATORS:
        close = difflib.get_close_matches(str(op_name), list(OPERATORS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; use one of {', '.join(operators_for(spec))}"
        raise ConditionProblem(loc, f"'{path}': unknown operator '{op_name}'{hint}")
    op = OPERATORS[op_name]
    if not op.fits(spec):
        kind = {"enum": "a choice", "bool": "true or false", "number": "a number", "string": "text"}[spec.kind]
        kind = f"a list ({spec.describe()})" if spec.many else kind
        shorthand = " (a bare value means eq)" if not isinstance(test, dict) else ""
        raise ConditionProblem(
            loc,
            f"'{path}': operator '{op_name}'{shorthand} does not apply to {kind}; "
            f"use one of {', '.join(operators_for(spec))}",
        )
    operand = _check_operand(spec, op_name, operand, loc)
    # The model's own path string (not the copy read from YAML), so the facts lookup hits by identity.
    path = spec.path
    leaf = Leaf(path, op_name, operand)
    leaves.append(leaf)
    test_fn = op.test

    def check(facts: Facts) -> bool:
        return test_fn(facts[path], operand)

    if known is not None and key is not None:
        known[key] = (leaf, check)
    return check


def compile_condition(
    node: Any, loc: tuple[Any, ...], leaves: list[Leaf], known: CompiledLeaves | None = None
) -> Check:
    """Turn a validated condition into a closure, checking every leaf against the profile model.

    `known` holds the leaves compiled so far in this load, reused when another rule says the same.
    """
    if type(node) is dict:  # a leaf, the commonest node: no isinstance checks against the models for it
        return _leaf(node, loc, leaves, known)
    if isinstance(node, AllOf):
        return _all([compile_condition(c, (*loc, "all", i), leaves, known) for i, c in enumerate(node.all)])
    if isinstance(node, AnyOf):
        return _any([compile_condition(c, (*loc, "any", i), leaves, known) for i, c in enumerate(node.any)])
    if isinstance(node, NotOf):
        return _not(compile_condition(node.not_, (*loc, "not"), leaves, known))
    if isinstance(node, BaseModel):  # pragma: no cover - the schema admits no other model
        raise ConditionProblem(loc, "unknown condition")
    return _leaf(node, loc, leaves, known)


def compile_rule(rule: Rule, known: CompiledLeaves | None = None) -> CompiledRule:
    """Compile one validated rule; raises ConditionProblem for a leaf that does not fit the model.

    Rules compiled with the same `known` (one dict per load) share the compiled form of leaves they have
    in common.
    """
    leaves: list[Leaf] = []
    check = compile_condition(rule.when, ("when",), leaves, known)
    score = rule.score
    points = (score.vm, score.container, score.hybrid) if score is not None else (0, 0, 0)
    bans = tuple([int(p in rule.forbid) for p in PLATFORMS]) if rule.forbid else (0, 0, 0)
    return CompiledRule(rule, check, leaves, points, bans)  # type: ignore[arg-type]


def _partial(node: Any, leaves: Iterator[Leaf]) -> Partial:
    """The condition in three-valued (Kleene) logic, one field unknown; the leaves come in compile order."""
    if isinstance(node, (AllOf, AnyOf)):
        is_all = isinstance(node, AllOf)
        children = node.all if isinstance(node, AllOf) else node.any
        settles = not is_all  # a false part settles an all, a true part settles an any
        if not any(isinstance(child, (AllOf, AnyOf, NotOf)) for child in children):
            return _partial_leaves([next(leaves) for _ in children], is_all)
        parts = [_partial(child, leaves) for child in children]

        def combined(facts: Facts, unknown: str) -> bool | None:
            found: bool | None = is_all
            for part in parts:
                outcome = part(facts, unknown)
                if outcome is None:
                    found = None
                elif outcome == settles:
                    return settles
            return found

        return combined
    if isinstance(node, NotOf):
        inner = _partial(node.not_, leaves)

        def negated(facts: Facts, unknown: str) -> bool | None:
            outcome = inner(facts, unknown)
            return None if outcome is None else not outcome

        return negated
    leaf = next(leaves)
    path, operand, test = leaf.path, leaf.operand, OPERATORS[leaf.op].test

    def compared(facts: Facts, unknown: str) -> bool | None:
        return None if path == unknown else test(facts[path], operand)

    return compared


def _partial_leaves(group: list[Leaf], is_all: bool) -> Partial:
    """An all or any of plain comparisons (most rules' shape) in three-valued logic, in one loop: the same
    outcome as combining each leaf's own partial check, without a call per leaf."""
    tests = [(leaf.path, OPERATORS[leaf.op].test, leaf.operand) for leaf in group]
    settles = not is_all

    def combined(facts: Facts, unknown: str) -> bool | None:
        found: bool | None = is_all
        for path, test, operand in tests:
            if path == unknown:
                found = None
            elif test(facts[path], operand) == settles:
                return settles
        return found

    return combined


class _Reason(NamedTuple):
    holds: bool
    words: str
    fields: frozenset[str]  # the fields of the leaves that decided the outcome


def _explain(node: Any, facts: Facts, leaves: Iterator[Leaf], worded: bool = True) -> _Reason:
    if isinstance(node, (AllOf, AnyOf)):
        children = node.all if isinstance(node, AllOf) else node.any
        results = [_explain(child, facts, leaves, worded) for child in children]  # all, to keep leaves in step
        holds = all(r.holds for r in results) if isinstance(node, AllOf) else any(r.holds for r in results)
        deciding = [r for r in results if r.holds == holds]  # the children that decided the outcome
        phrases = list(dict.fromkeys(r.words for r in deciding))  # two tests of one field read alike
        joined = (" and " if holds else "; ").join(phrases)
        words = joined if len(phrases) == 1 else f"({joined})"
        return _Reason(holds, words, frozenset().union(*(r.fields for r in deciding)))
    if isinstance(node, NotOf):
        inner = _explain(node.not_, facts, leaves, worded)
        words = inner.words if not inner.holds else f"{inner.words}, which the rule excludes"
        return _Reason(not inner.holds, words, inner.fields)
    leaf = next(leaves)
    value = facts[leaf.path]
    operator = OPERATORS[leaf.op]
    if not worded:
        return _Reason(operator.test(value, leaf.operand), "", frozenset({leaf.path}))
    if operator.test(value, leaf.operand):
        return _Reason(True, f"{leaf.path} is {plain(value)}", frozenset({leaf.path}))
    wanted = operator.wanted.format(plain(leaf.operand))
    return _Reason(False, f"{leaf.path} is {plain(value)}, not {wanted}", frozenset({leaf.path}))


def explain(compiled: CompiledRule, facts: Facts) -> tuple[bool, str]:
    """Whether the rule's condition holds for these facts, and the leaves that decided it, in words."""
    reason = _explain(compiled.rule.when, facts, iter(compiled.leaves))
    words = reason.words
    return reason.holds, words[1:-1] if words.startswith("(") and words.endswith(")") else words


def deciding_fields(compiled: CompiledRule, facts: Facts, holds: bool | None = None) -> frozenset[str]:
    """The fields whose values decided whether the rule's condition holds (not every field it mentions).

    `holds`, when the caller knows it: a plain conjunction (one comparison, or an all of comparisons) that
    holds was decided by every field it reads, so it is not walked again.
    """
    if holds and _plain_conjunction(compiled):
        return compiled.fields
    return _explain(compiled.rule.when, facts, iter(compiled.leaves), worded=False).fields


def _plain_conjunction(compiled: CompiledRule) -> bool:
    """One comparison, or an all of comparisons: a rule that requires every leaf it has."""
    return len(compiled.required_leaves()) == len(compiled.leaves)


def _required(when: Any, leaves: list[Leaf]) -> list[Leaf]:
    if isinstance(when, (AnyOf, NotOf)):
        return []
    if not isinstance(when, AllOf):
        return list(leaves)
    found = iter(leaves)
    required = []
    for child in when.all:
        if isinstance(child, (AllOf, AnyOf, NotOf)):
            for _ in range(_count(child)):
                next(found)
        else:
            required.append(next(found))
    return required


def _count(node: Any) -> int:
    """How many leaves a condition has."""
    if isinstance(node, (AllOf, AnyOf)):
        return sum(_count(child) for child in (node.all if isinstance(node, AllOf) else node.any))
    if isinstance(node, NotOf):
        return _count(node.not_)
    return 1


def matching(rules: Iterable[CompiledRule], facts: Facts) -> list[CompiledRule]:
    """The rules whose condition holds for these facts, in rule order."""
    return [compiled for compiled in rules if compiled.check(facts)]
