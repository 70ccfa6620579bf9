"""The field paths rules may test, read off the profile model so rules and profiles cannot drift apart."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel

from advisor.models import COMPONENT_SECTIONS, WorkloadProfile


@dataclass(frozen=True)
class FieldSpec:
    """What one leaf field of the profile holds.

    kind is 'enum', 'bool', 'number' or 'string'; `many` marks a list of such values.
    """

    path: str
    kind: str
    many: bool
    choices: tuple[Any, ...] = ()
    optional: bool = False
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    examples: tuple[Any, ...] = ()

    def describe(self) -> str:
        """`a list of linux, windows, bsd, other`, `a number`... for error messages."""
        base = {"enum": f"one of {', '.join(map(str, self.choices))}", "bool": "true or false"}.get(
            self.kind, f"a {self.kind}"
        )
        return f"a list of {base}" if self.many else base

    def accepts(self, value: Any) -> bool:
        """Does `value` fit one element of this field?"""
        if self.kind == "enum":
            return isinstance(value, str) and value in self.choices
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        return isinstance(value, str)


def _base_type(annotation: Any) -> tuple[Any, bool, bool]:
    """Strip Optional, list and Annotated: (element type, is a list, may be None)."""
    optional = many = False
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union, __import__("types").UnionType):
            rest = [a for a in args if a is not type(None)]
            optional = optional or len(rest) < len(args)
            annotation = rest[0]
        elif origin is list:
            many, annotation = True, args[0]
        else:
            return annotation, many, optional


def _spec(path: str, info: Any) -> FieldSpec:
    element, many, optional = _base_type(info.annotation)
    bounds: dict[str, Any] = {}
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Ge):
            bounds["minimum"] = meta.ge
        elif isinstance(meta, annotated_types.Gt):
            bounds["minimum"], bounds["exclusive_minimum"] = meta.gt, True
        elif isinstance(meta, annotated_types.Le):
            bounds["maximum"] = meta.le
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    examples = tuple(e for example in extra.get("examples", []) for e in example)
    if typing.get_origin(element) is Literal:
        return FieldSpec(path, "enum", many, typing.get_args(element), optional, examples=examples)
    if element is bool:
        return FieldSpec(path, "bool", many, (False, True), optional)
    if element in (int, float):
        return FieldSpec(path, "number", many, (), optional, integer=element is int, **bounds)
    return FieldSpec(path, "string", many, (), optional, examples=examples)


def _catalogue(model: type[BaseModel]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for section in ("host", *COMPONENT_SECTIONS):
        section_model = typing.get_args(model.model_fields[section].annotation) or (
            model.model_fields[section].annotation,
        )
        section_model = next(m for m in section_model if isinstance(m, type) and issubclass(m, BaseModel))
        for name, info in section_model.model_fields.items():
            fields[f"{section}.{name}"] = _spec(f"{section}.{name}", info)
    return fields


FIELDS: dict[str, FieldSpec] = _catalogue(WorkloadProfile)


def facts_of(profile: WorkloadProfile) -> dict[str, Any]:
    """Flatten a profile into {field path: value}, the form rules are evaluated against."""
    facts: dict[str, Any] = {}
    for section in ("host", *COMPONENT_SECTIONS):
        for name, value in getattr(profile, section).__dict__.items():
            facts[f"{section}.{name}"] = value
    return facts


def defaulted_paths(profile: WorkloadProfile) -> frozenset[str]:
    """Field paths the user did not set, so their value is the documented default."""
    defaulted = set()
    for section in ("host", *COMPONENT_SECTIONS):
        part = getattr(profile, section)
        explicit = part.model_fields_set if section in profile.model_fields_set else set()
        defaulted.update(f"{section}.{name}" for name in type(part).model_fields if name not in explicit)
    return frozenset(defaulted)


# Enums whose choices are steps on one scale, so "one step" is a smaller change than two.
ORDERED = frozenset({"security.isolation", "security.tenancy", "scale.elasticity"})
