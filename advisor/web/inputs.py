"""The form's inputs: one per field of the profile, grouped by the model's sections.

Every input's kind, choices, bounds and default come from the model (through the catalogue rules are checked
against), and its label and help are the field's title and description, which the JSON Schema and openapi.yaml
show too: one text per field, written beside the field in advisor/models.py. A section's title and help are its
model's name and docstring.

Names of inputs are the profile's dotted paths (`host.os`, `components.0.workload.runtime`), so a permalink
reads like the profile it holds.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from advisor.engine.catalogue import CATALOGUE, FieldSpec
from advisor.generators.libvirt import guest_oses
from advisor.models import COMPONENT_SECTIONS, KNOWN_GUEST_OSES, WorkloadProfile
from advisor.numbers import grouped_text, number_text

SECTIONS = ("host", *COMPONENT_SECTIONS)
MAX_COMPONENTS = WorkloadProfile.model_fields["components"].metadata[0].max_length


def _section_model(section: str) -> type[BaseModel]:
    model = WorkloadProfile.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


# Section titles and what each is for; the model's sections, in its order.
SECTION_HELP: dict[str, tuple[str, str]] = {
    section: (_section_model(section).__name__, _one_line(_section_model(section).__doc__)) for section in SECTIONS
}

COMPONENTS_HELP = (
    "For several workloads on one host, such as a web shop and a legacy back office, add one component per "
    "workload, the first included: the profile above then only gives their defaults. An empty field means "
    "the same as above; type none to make a list or text field empty. Components that want different "
    "platforms make a hybrid."
)


@dataclass(frozen=True)
class FormField:
    """One input: where it sits in the profile, how it is typed, and what it says to the user."""

    key: str  # the dotted path: "host.os"
    section: str  # "" for the profile's name
    name: str
    label: str
    help: str
    kind: str  # choice | choices | flag | whole | number | numbers | words | command | text
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    exclusive_minimum: bool = False

    @property
    def bounds(self) -> str:
        """The allowed range in words, for the help text: 'From 1 to 4096.'"""
        if self.minimum is None or self.maximum is None:
            return ""
        low, high = grouped_text(self.minimum), grouped_text(self.maximum)
        return f"More than {low}, at most {high}." if self.exclusive_minimum else f"From {low} to {high}."

    def shown(self, value: Any) -> str | list[str]:
        """A profile value as the input shows it (the inverse of `advisor.web.formdata.parse`)."""
        if self.kind == "choices":
            return list(value)
        if self.kind == "flag":
            return "yes" if value else "no"
        if self.kind == "command":
            return shlex.join(value) if value else ""
        if self.kind in ("numbers", "words"):
            return ", ".join(number_text(v) if self.kind == "numbers" else v for v in value)
        if self.kind in ("whole", "number"):
            return "" if value is None else number_text(value)
        return "" if value is None else str(value)


def _kind(spec: FieldSpec) -> str:
    """The input for one field of the profile's catalogue (the one rules are checked against)."""
    if spec.path == "workload.command":
        return "command"  # typed as a shell line, split the way a shell would
    if spec.kind == "enum":
        return "choices" if spec.many else "choice"
    if spec.kind == "bool":
        return "flag"
    if spec.kind == "number":
        return "numbers" if spec.many else "whole" if spec.integer else "number"
    return "words" if spec.many else "text"


def _model_field(path: str) -> FieldInfo:
    section, name = path.split(".")
    return _section_model(section).model_fields[name]


def _default(path: str) -> Any:
    default = _model_field(path).get_default(call_default_factory=True)
    return None if default is PydanticUndefined else default


def _help(path: str, info: FieldInfo) -> str:
    """The field's description; the guest OSes the generator knows are named, which the model cannot do."""
    text = info.description or ""
    if path == "workload.os_id":
        text = text.replace(KNOWN_GUEST_OSES, ", ".join(sorted(guest_oses())))
    return text


def _label_and_help(path: str, info: FieldInfo) -> tuple[str, str]:
    return info.title or path, _help(path, info)


def _inputs() -> tuple[FormField, ...]:
    name = WorkloadProfile.model_fields["name"]
    made = [FormField("name", "", "name", *_label_and_help("name", name), kind="text", required=True)]
    for path, spec in CATALOGUE.items():
        section, field_name = path.split(".")
        made.append(
            FormField(
                path,
                section,
                field_name,
                *_label_and_help(path, _model_field(path)),
                kind=_kind(spec),
                choices=tuple(spec.choices) if spec.kind == "enum" else (),
                default=_default(path),
                minimum=spec.minimum,
                maximum=spec.maximum,
                required=path == "host.os",
                exclusive_minimum=spec.exclusive_minimum,
            )
        )
    return tuple(made)


INPUTS = _inputs()
BY_KEY = {f.key: f for f in INPUTS}
# Shown when the page first opens: the model's defaults, and a Linux host.
STARTING_VALUES: dict[str, Any] = {f.key: f.shown(f.default) for f in INPUTS if f.default is not None}
STARTING_VALUES |= {"name": "", "host.os": "linux"}

# Fields that hold lists, typed into one input each.
LISTS = frozenset(f.key for f in INPUTS if f.kind in ("choices", "numbers", "words", "command"))
