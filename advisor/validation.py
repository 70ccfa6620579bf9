"""Turn pydantic's validation errors into messages that name the field and say what is allowed.

`host.os: 'solaris' is not one of linux, windows, macos` reads better than pydantic's default, and the
same wording serves the CLI, the API's problem details and rule files.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from advisor.errors import FieldError
from advisor.numbers import number_text, whole

if TYPE_CHECKING:  # yamlio uses this module's wording; only the type is needed here
    from advisor.yamlio import Lines

_PATTERN_MEANINGS = {
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$": (
        "is not a DNS label: use 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
    ),
    r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,62}$": (
        "is not a tag: use 1 to 63 letters, digits and '._:/-', starting with a letter or digit"
    ),
    r"^[a-z][a-z0-9.\-]{0,39}$": "is not an osinfo short-id such as ubuntu24.04, debian12 or win2k22",
    r"^[a-z0-9][a-z0-9._-]{0,127}$": "is not a rule id: use lowercase letters, digits and '._-'",
}


def _quoted_choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """Find the model class inside an annotation such as `Host | None` or `list[Component]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = (_unwrap_model(arg) for arg in typing.get_args(annotation))
    return next((model for model in found if model is not None), None)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Names (or aliases) of the fields allowed where `loc` points, for did-you-mean on an unknown key."""
    current: type[BaseModel] | None = model
    for step in loc:
        if current is None:
            return []
        by_name = {info.alias or name: info for name, info in current.model_fields.items()}
        if step in by_name:
            current = _unwrap_model(by_name[step].annotation)
    return [] if current is None else [info.alias or name for name, info in current.model_fields.items()]


def plain(value: Any) -> str:
    """A value in running text, unquoted: linux, true, 16, unset, [linux, windows] (sets sorted)."""
    if isinstance(value, (frozenset, set)):
        value = sorted(value, key=repr)
    if isinstance(value, list):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if isinstance(value, float):
        return number_text(value)
    return "unset" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def shown(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it in YAML terms (null, true, 'text', [a, b]), cut short if long."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(shown(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {shown(v, limit)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {shown(value)}"
    if isinstance(value, str):
        return f"the text {shown(value)}"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__


# What each kind of value should be, by pydantic error type: "should be <this>, got <value>".
_SHOULD_BE = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "url_type": "a web address",
    "url_parsing": "a web address such as https://example.org/page",
    "url_scheme": "an http or https address",
}
_BOUNDS = {
    "greater_than": ("gt", "more than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def describe(error: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """One plain sentence for one pydantic error, naming the allowed values where there is a list."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        key = error["loc"][-1] if error["loc"] else ""
        allowed = _fields_at(model, tuple(error["loc"][:-1])) if model else []
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        listing = f"; allowed: {', '.join(allowed)}" if allowed and not close else ""
        return f"unknown field{hint}{listing}"
    if kind in ("literal_error", "enum"):
        choices = _quoted_choices(str(ctx.get("expected", "")))
        if not choices:  # a literal true or false
            return f"should be {str(ctx.get('expected', '')).lower()}, got {shown(value)}"
        return f"{shown(value)} is not one of {', '.join(choices)}"
    if kind == "string_pattern_mismatch":
        meaning = _PATTERN_MEANINGS.get(ctx.get("pattern", ""))
        return f"{shown(value)} {meaning}" if meaning else f"{shown(value)} does not match {ctx.get('pattern')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "too_long" and isinstance(value, dict):
        return "write one field per condition and combine several with all: [...]"
    if kind in ("too_long", "too_short"):
        bound = ctx.get("max_length") if kind == "too_long" else ctx.get("min_length")
        limit = "at most" if kind == "too_long" else "at least"
        noun = "item" if bound == 1 else "items"
        return f"should have {limit} {bound} {noun}, got {ctx.get('actual_length', len(value or []))}"
    if kind in ("string_too_short", "string_too_long"):
        bound = ctx.get("min_length") if kind == "string_too_short" else ctx.get("max_length")
        limit = "at least" if kind == "string_too_short" else "at most"
        return f"should be {limit} {bound} characters long, got {len(value or '')}"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = whole(ctx.get(key))
        return f"should be {words} {bound}, got {shown(value)}"
    if kind in _SHOULD_BE:
        return f"should be {_SHOULD_BE[kind]}, got {_kind_of(value)}"
    message = error["msg"]
    return (message[0].lower() + message[1:] if message else kind) + f", got {shown(value)}"


def display_loc(loc: tuple[Any, ...]) -> str:
    """`('when', 'all', 1, 'host.os')` -> `when.all[1].host.os`."""
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            name = str(step) if len(str(step)) <= 60 else str(step)[:57] + "..."
            out = f"{out}.{name}" if out else name
    return out


def locate(
    data: Any, loc: tuple[Any, ...], lines: Lines | None = None, document: int = 0, base: tuple[Any, ...] = ()
) -> tuple[tuple[Any, ...], int | None]:
    """Follow pydantic's `loc` into the data: the steps really in the data, and the deepest line known.

    Steps that are not in the data are pydantic's union tags and are dropped, except a last step
    (a missing field's name), which is kept so the message names it.
    """
    kept: list[Any] = []
    current = data
    for index, step in enumerate(loc):
        present = (isinstance(current, dict) and step in current) or (
            isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current)
        )
        if present:
            kept.append(step)
            current = current[step]
        elif index == len(loc) - 1:
            kept.append(step)
    line = lines.at(document, (*base, *kept)) if lines is not None else None
    return tuple(kept), line


def field_errors(
    exc: ValidationError,
    model: type[BaseModel] | None = None,
    *,
    data: Any = None,
    lines: Lines | None = None,
    file: str | None = None,
    document: int = 0,
    base: tuple[Any, ...] = (),
) -> list[FieldError]:
    """Convert a ValidationError into FieldErrors; given the raw data (and its Lines), name lines too."""
    found = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        line = None
        if data is not None:
            loc, line = locate(data, loc, lines, document, base)
        found.append(FieldError(loc=display_loc(loc), msg=describe(error, model), file=file, line=line))
    return found
