"""The form's inputs: one per field of the profile, grouped by the model's sections.

Every input's kind, choices, bounds and default come from the model (through the catalogue rules are checked
against), and its label and help are the field's title and description, which the JSON Schema and openapi.yaml
show too: one text per field, written beside the field in advisor/models.py. A section's title and help are its
model's name and docstring.

Names of inputs are the profile's dotted paths (`host.os`, `components.0.workload.runtime`), so a permalink
reads like the profile it holds.

The blank form asks FIRST_QUESTIONS first; every other field of the model follows, by section, under "More
detail", so a field added to the model lands there with no change here. Each input shows one line of its
help (`FormField.brief`) and keeps the rest behind a disclosure (`FormField.more`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypedDict

from markupsafe import escape
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from advisor.engine.catalogue import CATALOGUE, FieldSpec
from advisor.generators.libvirt import guest_oses
from advisor.models import COMPONENT_SECTIONS, KNOWN_GUEST_OSES, WorkloadProfile
from advisor.numbers import grouped_text, number_text
from advisor.output.fieldwords import SENTENCE_END, glosses, model_field

SECTIONS = COMPONENT_SECTIONS  # the host first; a component may give each, its host too
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
    "Several workloads on one host, such as a web shop and a legacy back office: add one component for each.",
    "Add the first one too: the answers above, and those under More detail, then give every component its "
    "defaults. A component's empty field means the same as above; type none to make a list or text field empty. "
    "Components that want different platforms make a hybrid.",
)

# The questions that decide most answers, asked first (host OS, the OSes it needs, its shape, how many, how
# strongly kept apart, a GPU); the other fields of the model follow under "More detail".
FIRST_QUESTIONS = (
    "host.os",
    "workload.os",
    "workload.architecture",
    "scale.instances",
    "security.isolation",
    "security.tenancy",
    "hardware.gpu",
)


# Inputs where typing "none" means empty, where an empty input would mean the default (or "same as above").
EMPTIABLE = ("numbers", "words", "command", "text")


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
    brief: str = ""  # one line of the help, shown beside the input
    more: str = ""  # the rest of the help, behind a disclosure ("" when the line says it all)

    @cached_property
    def html_words(self) -> tuple[str, str, str, str]:
        """The label, the help line (with a number's bounds), the folded rest and the label in lower case, escaped
        for HTML once per field: the form writes them beside every input of every page (advisor/web/fieldhtml.py).
        """
        line = str(escape(self.brief))
        if self.kind in ("whole", "number") and self.bounds:
            line += " " + str(escape(self.bounds))
        return str(escape(self.label)), line, str(escape(self.more)), str(escape(self.label.lower()))

    @property
    def emptiable(self) -> bool:
        """Typing "none" empties it: a list or text, or an optional number or choice ("not said")."""
        return self.kind in EMPTIABLE or (self.default is None and self.kind in ("whole", "number", "choice"))

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


def _default(path: str) -> Any:
    default = model_field(path).get_default(call_default_factory=True)
    return None if default is PydanticUndefined else default


def _help(path: str, info: FieldInfo) -> str:
    """The field's description; the guest OSes the generator knows are named, which the model cannot do."""
    text = info.description or ""
    if path == "workload.os_id":
        text = text.replace(KNOWN_GUEST_OSES, ", ".join(sorted(guest_oses())))
    return text


MAX_BRIEF = 150  # characters: about a line and a half beside an input


def brief_and_more(description: str, help_text: str, choices: tuple[str, ...] = ()) -> tuple[str, str]:
    """One line of a field's help, from its model description, and the rest of the help.

    The line is the description's first sentence; a description that opens by glossing the choices one per
    sentence gives the glosses instead, on one line (only the first, and the other choices' names, if they are
    too long for one), and keeps the whole text for the disclosure.
    """
    glossed = glosses(description, choices)
    line = "; ".join(f"{named}: {gloss}" for named, gloss in glossed) + "."
    if not glossed:
        line = SENTENCE_END.split(" ".join(description.split()))[0]
    elif len(line) > MAX_BRIEF:  # too many glosses for a line: the first, then the names
        line = f"{glossed[0][0]}: {glossed[0][1]}; {', '.join(named for named, _ in glossed[1:])}: see More."
    rest = help_text[len(line) :].strip() if help_text.startswith(line) else help_text
    return line, rest


class _Words(TypedDict):
    label: str
    help: str
    brief: str
    more: str


def _label_and_help(path: str, info: FieldInfo, choices: tuple[str, ...] = ()) -> _Words:
    help_text = _help(path, info)
    brief, more = brief_and_more(info.description or "", help_text, choices)
    return {"label": info.title or path, "help": help_text, "brief": brief, "more": more}


def _inputs() -> tuple[FormField, ...]:
    name = WorkloadProfile.model_fields["name"]
    made = [FormField("name", "", "name", **_label_and_help("name", name), kind="text", required=True)]
    for path, spec in CATALOGUE.items():
        section, field_name = path.split(".")
        choices = tuple(spec.choices) if spec.kind == "enum" else ()
        made.append(
            FormField(
                path,
                section,
                field_name,
                **_label_and_help(path, model_field(path), choices),
                kind=_kind(spec),
                choices=choices,
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

# The blank form: the first questions, then the rest of each section under "More detail", in the model's order.
FIRST = tuple(BY_KEY[key] for key in FIRST_QUESTIONS)
MORE_DETAIL: tuple[tuple[str, tuple[FormField, ...]], ...] = tuple(
    (section, tuple(f for f in INPUTS if f.section == section and f.key not in FIRST_QUESTIONS)) for section in SECTIONS
)

# Fields that hold lists, typed into one input each.
LISTS = frozenset(f.key for f in INPUTS if f.kind in ("choices", "numbers", "words", "command"))
