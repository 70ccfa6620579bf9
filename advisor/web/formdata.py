"""The form and the profile, each way: what was typed -> a profile (or errors by input), and a profile -> the
inputs that hold it (a permalink, or a page filled in from a file).
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from werkzeug.datastructures import MultiDict

from advisor.errors import InvalidInput
from advisor.models import COMPONENT_SECTIONS, WorkloadProfile
from advisor.profiles import validate_profile
from advisor.validation import not_a_number
from advisor.web.inputs import BY_KEY, INPUTS, LISTS, MAX_COMPONENTS, SECTIONS, STARTING_VALUES, FormField

# A value longer than this cannot be valid in any field (the longest, a command, is 32 arguments of 256).
MAX_VALUE_CHARS = 9000
# Typed into a list or text input, "none" means empty here, where an empty input would mean the default
# (or, on a component, "same as above").
EMPTY_WORD = "none"
NOTHING = object()  # "none" typed into an input whose empty value is null
_COMPONENT_KEY = re.compile(r"^components\.(\d{1,3})\.(.+)$")
_ACTIONS = {"recommend", "add-component"}
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")


@dataclass
class FormState:
    """What the form holds: the text of every input as typed, the errors by input, and the profile if valid."""

    values: dict[str, Any] = field(default_factory=lambda: dict(STARTING_VALUES))
    components: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    action: str = "recommend"
    profile: WorkloadProfile | None = None
    source: str = ""  # the profile's data as validated (its repr), so a second reading of it can be recognised
    _given: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def error(self, key: str, message: str) -> None:
        """Record a problem with one input ("" for the form as a whole)."""
        self.errors.setdefault(key, []).append(message)

    def given(self) -> dict[str, Any]:
        """The profile's `given()` data, made once however many parts of a page need it (the permalink, the
        inputs spelled out, the hidden input and the curl command). Only for a state with a profile."""
        assert self.profile is not None
        if self._given is None:
            self._given = self.profile.given()
        return self._given


def _one(form: MultiDict[str, str], key: str, state: FormState) -> str | None:
    given = form.getlist(key)
    if len(given) > 1:
        state.error(key, "is given more than once")
    return given[0] if given else None


def read_form(form: MultiDict[str, str], *, exact: bool = False, reuse: FormState | None = None) -> FormState:
    """The form's state from submitted fields (a POST body or a permalink's query), profile included if valid.

    A submitted form shows every default filled in, so a value equal to its default counts as left alone
    (and the result names the defaults it rests on). A permalink (`exact`) holds only what its profile set,
    defaults included, so it gives back exactly that profile. When the fields come to the same data as the
    profile of `reuse` was validated from (a permalink read back), that profile is taken, not validated again.
    """
    state = FormState(values={})
    components: dict[int, dict[str, Any]] = {}
    for key in form:
        if key == "action":
            state.action = _one(form, key, state) or "recommend"
            continue
        if key in BY_KEY:
            state.values[key] = form.getlist(key) if BY_KEY[key].kind == "choices" else _one(form, key, state)
            continue
        matched = _COMPONENT_KEY.match(key)
        index, inner = (int(matched.group(1)), matched.group(2)) if matched else (-1, "")
        if inner in COMPONENT_SECTIONS:  # a section the component gives empty
            if _one(form, key, state):
                state.error(key, "this marks a section the component gives with nothing in it: it takes no value")
            components.setdefault(index, {})[inner] = ""
        elif inner == "name" or _component_field(inner):
            field_ = BY_KEY.get(inner)
            given = form.getlist(key) if field_ and field_.kind == "choices" else _one(form, key, state)
            components.setdefault(index, {})[inner] = given
        elif key.split(".")[0] in (*SECTIONS, "components"):
            state.error("", f"'{key[:60]}' is not a field of the form")
        # Anything else (a tracker's utm_source on a shared link) is not the profile's and is left alone.
    state.components = [components[i] for i in sorted(components)]
    if len(state.components) > MAX_COMPONENTS:
        state.error("components", f"a profile has at most {MAX_COMPONENTS} components, got {len(state.components)}")
        del state.components[MAX_COMPONENTS:]
    _apply_action(state)
    if state.action == "recommend" and not state.errors:
        state.profile = _profile(state, exact, reuse)
    return state


def _component_field(key: str) -> bool:
    field_ = BY_KEY.get(key)
    return field_ is not None and field_.section in COMPONENT_SECTIONS


def _apply_action(state: FormState) -> None:
    if state.action == "add-component":
        if len(state.components) >= MAX_COMPONENTS:
            state.error("components", f"a profile has at most {MAX_COMPONENTS} components")
        else:
            state.components.append({})
    elif removed := re.fullmatch(r"remove-component-([0-9]{1,3})", state.action):
        index = int(removed.group(1))
        if index < len(state.components):
            del state.components[index]
    elif state.action not in _ACTIONS:
        state.error("", f"'{state.action[:60]}' is not an action of the form")


def parse(field_: FormField, raw: Any) -> Any:
    """The profile value of one input's text; ValueError says what is wrong with it. None: left empty."""
    if field_.kind == "choices":  # the form sends an empty marker, so none ticked is [], not None
        return [v for v in raw if v]
    text = (raw or "").strip()
    if len(text) > MAX_VALUE_CHARS:
        raise ValueError(f"is {len(text)} characters long; no value of this field is longer than {MAX_VALUE_CHARS}")
    if not text:
        return None
    if field_.emptiable and text.lower() == EMPTY_WORD:
        return [] if field_.kind in ("numbers", "words") else NOTHING
    if field_.kind == "flag":
        if text.lower() not in ("yes", "no", "on", "true", "false"):
            raise ValueError(f"should be yes or no, got '{text[:40]}'")
        return text.lower() in ("yes", "on", "true")
    if field_.kind in ("whole", "number"):
        return _number(field_.name, text, whole=field_.kind == "whole")
    if field_.kind == "numbers":
        return [_number(field_.name, part, whole=True) for part in re.split(r"[\s,]+", text) if part]
    if field_.kind == "words":
        return [part for part in re.split(r"[\s,]+", text) if part]
    if field_.kind == "command":
        try:
            return shlex.split(text)
        except ValueError as exc:  # an unclosed quote
            raise ValueError(f"cannot be split into arguments: {exc}") from None
    return text


def _number(name: str, text: str, *, whole: bool) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(not_a_number(name, text[:40], whole=whole)) from None
    if not math.isfinite(value):
        raise ValueError(f"should be a finite number, got '{text[:40]}'")
    if whole and not value.is_integer():
        raise ValueError(f"should be a whole number, got '{text[:40]}'")
    return int(value) if value.is_integer() else value


def _section_values(
    state: FormState, values: dict[str, Any], prefix: str, *, keep_defaults: bool, exact: bool
) -> dict[str, Any]:
    """The profile data the inputs of one profile (or component) hold; bad inputs are recorded as errors.

    An empty input is left out (on a component it means "same as above"), except that in a permalink
    (`exact`) an empty list field is an empty list and an empty optional field is null. On a component a
    value equal to the default is kept, since it may differ from the profile's.
    """
    data: dict[str, Any] = {}
    for field_ in INPUTS:
        if field_.key not in values or not field_.section:
            continue
        try:
            value = parse(field_, values[field_.key])
        except ValueError as exc:
            state.error(prefix + field_.key, str(exc))
            continue
        if value is None and exact and (field_.kind in ("numbers", "words") or field_.default is None):
            value = [] if field_.kind in ("numbers", "words") else NOTHING  # a permalink spells out what it has
        if value is None or (value == [] and prefix and field_.kind == "choices"):
            continue  # left empty: on the profile its default, on a component "same as above"
        value = None if value is NOTHING else value
        if value == field_.default and not keep_defaults:
            continue
        data.setdefault(field_.section, {})[field_.name] = value
    return data


def _profile(state: FormState, exact: bool, reuse: FormState | None = None) -> WorkloadProfile | None:
    data: dict[str, Any] = {"name": _name(state, state.values, "name")}
    data |= _section_values(state, state.values, "", keep_defaults=exact, exact=exact)
    data.setdefault("host", {})
    if "os" not in data["host"]:  # the only required field with no default: "linux" unless chosen
        data["host"]["os"] = "linux"
    components = []
    for index, component in enumerate(state.components):
        own = _section_values(state, component, f"components.{index}.", keep_defaults=True, exact=exact)
        # A section given with nothing in it (its defaults, not the profile's) has no inputs, only its marker.
        own |= {section: {} for section in COMPONENT_SECTIONS if section in component and section not in own}
        entry: dict[str, Any] = {"name": _name(state, component, f"components.{index}.name")}
        # A section a component gives is taken whole. On the form an empty field means "same as above", so
        # what the user left empty is filled in from above; a permalink holds each section as it was given.
        entry |= {s: given if exact else data.get(s, {}) | given for s, given in own.items()}
        components.append(entry)
    if components:
        data["components"] = components
    # repr, not ==, tells the data apart: 1, 1.0 and True are equal but not the same value to the model.
    source = repr(data)
    if reuse is not None and reuse.profile is not None and not state.errors and source == reuse.source:
        state.source = source
        state._given = reuse._given  # the same profile: the same data
        return reuse.profile  # the same data validates to the same profile
    # Validated even when some inputs could not be read, so that every problem is shown at once.
    try:
        profile = validate_profile(data)
    except InvalidInput as exc:
        unread = set(state.errors)
        for error in exc.errors:
            key, message = input_of(error.loc, error.msg)
            if key not in unread:
                state.error(key, message)
        return None
    state.source = source
    return None if state.errors else profile


def _name(state: FormState, values: dict[str, Any], key: str) -> str:
    name = (values.get("name") or "").strip()
    if not name:
        state.error(key, "is required: a short name such as billing-api")
    return name


def input_of(loc: str, message: str) -> tuple[str, str]:
    """The input a validation error belongs to: `components[1].scale.instances` -> `components.1.scale.instances`.

    An error about a whole section that names its field first (`cloud: azure offers no macOS hosts`) goes to
    that field.
    """
    key = re.sub(r"\[(\d+)\]", r".\1", loc)
    item = re.fullmatch(r"(.+)\.\d+", key)
    if item and re.sub(r"^components\.\d+\.", "", item.group(1)) in LISTS:
        key = item.group(1)  # an error about one item of a list is shown beside the list's input
    named = re.match(r"^([a-z_0-9]+): (.*)$", message, flags=re.DOTALL)
    if named and f"{key.split('.')[-1]}.{named.group(1)}" in BY_KEY:
        return f"{key}.{named.group(1)}", named.group(2)
    return key, message


def spell_out(state: FormState) -> None:
    """Write out each value an empty input would get wrong, so that submitting the form again gives the profile.

    An empty input means the default on the profile and "same as above" on a component. A profile file or a
    permalink can hold what neither says: no ports at all, or a component's section that leaves out a field
    the profile above sets (the section is taken whole, so the field has its default there). Such a value
    is written into its input, as "none" where it is empty.
    """
    profile = state.profile
    if profile is None:
        return
    given = state.given()
    for field_ in INPUTS:
        if field_.section and field_.name in given.get(field_.section, {}):
            _spell(state.values, field_, getattr(getattr(profile, field_.section), field_.name), field_.default)
    for index, component in enumerate(profile.components):
        for section, fields in _COMPONENT_INPUTS.items():
            own = getattr(component, section)
            if own is not None:  # a section the component gives: each of its inputs against the one above
                above = getattr(profile, section)
                for field_ in fields:
                    _spell(state.components[index], field_, getattr(own, field_.name), getattr(above, field_.name))


# The inputs of each section a component may give, in the form's order.
_COMPONENT_INPUTS = {section: tuple(f for f in INPUTS if f.section == section) for section in COMPONENT_SECTIONS}


def _spell(values: dict[str, Any], field_: FormField, value: Any, empty_means: Any) -> None:
    typed = values.get(field_.key)
    if (any(typed) if isinstance(typed, list) else typed) or value == empty_means:
        return  # what was typed stands, or leaving the input empty says the same
    shown = field_.shown(value)
    values[field_.key] = EMPTY_WORD if shown in ("", []) and field_.emptiable else shown


def permalink_query(profile: WorkloadProfile, given: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The profile as query parameters named like the form's inputs, with only what it sets; read back by
    `read_form(..., exact=True)` into the same profile. `given` is `profile.given()`, if the caller has it."""
    given = profile.given() if given is None else given
    pairs = [("name", profile.name)]
    pairs += _pairs("", given)
    for index, component in enumerate(given.get("components", [])):
        pairs += [(f"components.{index}.name", component["name"]), *_pairs(f"components.{index}.", component)]
        # A section the component gives with nothing in it replaces the profile's with its defaults: no input
        # says so, so a marker with the section's name does.
        empty = [section for section in COMPONENT_SECTIONS if component.get(section) == {}]
        pairs += [(f"components.{index}.{section}", "") for section in empty]
    return pairs


def query_text(pairs: list[tuple[str, str]]) -> str:
    """The pairs as a query string, byte for byte what urllib.parse.urlencode writes: a permalink is made for every
    result page, and most of its keys and values are words that need no quoting, which urlencode quotes anyway."""
    return "&".join(f"{_quoted(key)}={_quoted(value)}" for key, value in pairs)


def _quoted(text: str) -> str:
    # quote_plus leaves letters, digits and "_.-~" as they are: a text of only those is its own quoting.
    return text if _UNQUOTED.fullmatch(text) else quote_plus(text)


def _inputs(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(input key, what the input shows) for each field the sections in `data` hold."""
    found = []
    for field_ in INPUTS:
        section = data.get(field_.section) if field_.section else None
        if section is not None and field_.name in section:
            found.append((field_.key, field_.shown(section[field_.name])))
    return found


def _pairs(prefix: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, shown in _inputs(data):
        if isinstance(shown, list):
            pairs += [(prefix + key, value) for value in shown] or [(prefix + key, "")]
        else:
            pairs.append((prefix + key, shown))
    return pairs


def is_form_query(query: MultiDict[str, str]) -> bool:
    """True when a query holds the form's fields (a permalink), not only a tracker's (utm_source)."""
    return any(key == "action" or key.split(".")[0] in ("name", "components", *SECTIONS) for key in query)
