"""OPERATORS: one table from operator name to what it does and what it applies to.

A new operator is one function and one entry. `operand` says what the rule writes after the operator:
'element' (one value of the field), 'elements' (a list of them), 'number' or 'count'.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from advisor.engine.catalogue import FieldSpec


@dataclass(frozen=True)
class Operator:
    """One comparison a leaf condition can make."""

    name: str
    test: Callable[[Any, Any], bool]
    operand: str
    applies_to: str  # 'single' (one value), 'list' (a list field) or 'number' (one number)
    wanted: str  # what the rule wants, for explanations: "scale.instances is 3, not <at least 10>"

    def fits(self, spec: FieldSpec) -> bool:
        """Can this operator test that field?"""
        if self.applies_to == "list":
            return spec.many
        if self.applies_to == "number":
            return spec.kind == "number" and not spec.many
        return not spec.many


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    # An optional number left unset (None) satisfies no comparison: "unknown" is not "small".
    def compare(value: Any, operand: Any) -> bool:
        return value is not None and test(value, operand)

    return compare


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", operator.eq, "element", "single", "equal to {}"),
        Operator("ne", operator.ne, "element", "single", "other than {}"),
        Operator("in", lambda value, operand: value in operand, "elements", "single", "one of {}"),
        Operator("not_in", lambda value, operand: value not in operand, "elements", "single", "none of {}"),
        Operator("contains", operator.contains, "element", "list", "containing {}"),
        Operator(
            "contains_any",
            lambda value, operand: not operand.isdisjoint(value),
            "elements",
            "list",
            "containing one of {}",
        ),
        Operator("length_gte", lambda value, operand: len(value) >= operand, "count", "list", "{} or more items"),
        Operator("length_lte", lambda value, operand: len(value) <= operand, "count", "list", "{} or fewer items"),
        Operator("gt", _compare(operator.gt), "number", "number", "more than {}"),
        Operator("gte", _compare(operator.ge), "number", "number", "at least {}"),
        Operator("lt", _compare(operator.lt), "number", "number", "less than {}"),
        Operator("lte", _compare(operator.le), "number", "number", "at most {}"),
    )
}


def operators_for(spec: FieldSpec) -> list[str]:
    """Names of the operators that fit a field, for error messages."""
    return [name for name, op in OPERATORS.items() if op.fits(spec)]
