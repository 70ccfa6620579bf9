"""The catalogue of field paths rules may test, read off the profile model so rules and profiles cannot drift."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from advisor.models import COMPONENT_SECTIONS, WorkloadProfile
from advisor.validation import describe


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
    element: TypeAdapter[Any] | None = None  # validates one value exactly as the profile model would
    # (type, value) pairs the adapter is sure to accept: a bare choice or a bare bool, with no constraints
    # beside it. Loading 10,000 rules checks some 20,000 operands, most of them such values.
    accepted: frozenset[tuple[type, Any]] = frozenset()

    def check(self, value: Any) -> str | None:
        """None when `value` is a value this field can hold (one element of a list field), else why not."""
        if (type(value), value) in self.accepted:
            return None
        if self.element is None:  # pragma: no cover - every catalogued field has an adapter
            return None
        try:
            self.element.validate_python(value)
        except ValidationError as exc:
            return describe(exc.errors(include_url=False)[0])
        return None

    def describe(self) -> str:
        """`a list of linux, windows, bsd, other`, `a number`... for error messages."""
        base = {"enum": f"one of {', '.join(map(str, self.choices))}", "bool": "true or false"}.get(
            self.kind, f"a {self.kind}"
        )
        return f"a list of {base}" if self.many else base


def _base_type(annotation: Any) -> tuple[Any, bool, bool, tuple[Any, ...]]:
    """Strip Optional, list and Annotated: (element type, is a list, may be None, the Annotated metadata)."""
    optional = many = False
    metadata: tuple[Any, ...] = ()
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation, metadata = args[0], (*metadata, *annotation.__metadata__)
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            optional = optional or len(rest) < len(args)
            annotation = rest[0]
        elif origin is list:
            many, annotation = True, args[0]
        else:
            return annotation, many, optional, metadata


_STRICT = ConfigDict(strict=True, allow_inf_nan=False)


def _element_adapter(info: Any, many: bool) -> TypeAdapter[Any]:
    """A validator for one value of the field: its own constraints, or its list items' constraints."""
    annotation = info.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):  # X | None -> X
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if many:
        annotation = typing.get_args(annotation)[0]  # list[X] -> X
    elif info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation, config=_STRICT)


def _spec(path: str, info: Any) -> FieldSpec:
    element, many, optional, inner = _base_type(info.annotation)
    adapter = _element_adapter(info, many)
    bounds: dict[str, Any] = {}
    for meta in (*inner, *info.metadata):
        if isinstance(meta, annotated_types.Interval):
            bounds.update(minimum=meta.ge, maximum=meta.le)
        elif isinstance(meta, annotated_types.Ge):
            bounds["minimum"] = meta.ge
        elif isinstance(meta, annotated_types.Gt):
            bounds["minimum"], bounds["exclusive_minimum"] = meta.gt, True
        elif isinstance(meta, annotated_types.Le):
            bounds["maximum"] = meta.le
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    # Examples are whole field values: lists for list fields (flattened to elements), plain values otherwise.
    given = extra.get("examples", [])
    examples = tuple(e for example in given for e in example) if many else tuple(given)
    # Only when the adapter's whole schema is the literal or the bool: then membership is what it checks.
    bare = adapter.core_schema.get("type")
    if typing.get_origin(element) is Literal:
        choices = typing.get_args(element)
        accepted = frozenset((type(c), c) for c in choices) if bare == "literal" else frozenset()
        return FieldSpec(path, "enum", many, choices, optional, examples=examples, element=adapter, accepted=accepted)
    if element is bool:
        accepted = frozenset({(bool, False), (bool, True)}) if bare == "bool" else frozenset()
        return FieldSpec(path, "bool", many, (False, True), optional, element=adapter, accepted=accepted)
    if element in (int, float):
        return FieldSpec(path, "number", many, (), optional, integer=element is int, **bounds, element=adapter)
    return FieldSpec(path, "string", many, (), optional, examples=examples, element=adapter)


def _catalogue(model: type[BaseModel]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for section in COMPONENT_SECTIONS:
        candidates = typing.get_args(model.model_fields[section].annotation) or (
            model.model_fields[section].annotation,
        )
        section_model = next(m for m in candidates if isinstance(m, type) and issubclass(m, BaseModel))
        for name, info in section_model.model_fields.items():
            fields[f"{section}.{name}"] = _spec(f"{section}.{name}", info)
    return fields


CATALOGUE: dict[str, FieldSpec] = _catalogue(WorkloadProfile)


# For each section: its fields' names and paths (the catalogue's own strings, so rule lookups hit by identity).
_SECTION_FIELDS = [
    (section, tuple((path.split(".")[1], path) for path in CATALOGUE if path.startswith(f"{section}.")))
    for section in COMPONENT_SECTIONS
]


def facts_of(profile: WorkloadProfile) -> dict[str, Any]:
    """Flatten a profile into {field path: value}, the form rules are evaluated against."""
    facts: dict[str, Any] = {}
    for section, names in _SECTION_FIELDS:
        values = getattr(profile, section).__dict__
        for name, path in names:
            facts[path] = values[name]
    return facts


def defaulted_paths(profile: WorkloadProfile) -> frozenset[str]:
    """Field paths the user did not set, so their value is the documented default."""
    given = profile.model_fields_set
    defaulted: list[str] = []
    for section, names in _SECTION_FIELDS:
        if section not in given:  # the whole section is its defaults
            defaulted.extend(path for _, path in names)
            continue
        explicit = getattr(profile, section).model_fields_set
        defaulted.extend(path for name, path in names if name not in explicit)
    return frozenset(defaulted)


# Enums whose choices are steps on one scale, so "one step" is a smaller change than two.
ORDERED = frozenset({"security.isolation", "security.tenancy", "scale.elasticity"})


# What a what-if (whatif.py) may do to a field, so it offers only changes a person could make. A field not named
# here is a choice the team makes (the host, the shape, the scale, the delivery...), either way.
#   fact: a fact of the world, not the team's to change (what the vendor supports, whether the software is
#         legacy): never suggested.
#   need: what the software or its users need: a what-if may add to it ("if it also had to run BSD guests"),
#         never take away from what the profile states, which would contradict a stated hard need.
CHANGEABLE: dict[str, str] = {
    "workload.vendor_supports": "fact",
    "workload.legacy": "fact",
    "workload.os": "need",
    "workload.kernel": "need",
    "workload.gui": "need",
    "workload.node_agent": "need",
    "security.isolation": "need",
    "security.tenancy": "need",
    "security.compliance": "need",
    "hardware.gpu": "need",
    "hardware.gpus": "need",
    "hardware.devices": "need",
    "host.connectivity": "need",
}


def practical(path: str, current: Any, new: Any) -> bool:
    """Whether changing the field from `current` to `new` is a change a person could make (see CHANGEABLE)."""
    kind = CHANGEABLE.get(path, "choice")
    if kind == "choice":
        return True
    if kind == "fact":
        return False
    spec = CATALOGUE[path]
    if spec.many:  # a list of needs may gain items, never lose one
        return set(current or []) <= set(new or [])
    if spec.kind == "bool":
        return bool(new) or not current
    if spec.kind == "number":
        return current is None or (new is not None and new >= current)
    if path in ORDERED:  # one step up the scale is more of the need
        return spec.choices.index(new) >= spec.choices.index(current)
    return current == spec.choices[0]  # an enum whose first choice is the least need: only from there
