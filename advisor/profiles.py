"""Read workload profiles from YAML or JSON text, files, directories or standard input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from advisor.errors import FieldError, InvalidInput
from advisor.models import WorkloadProfile
from advisor.validation import field_errors
from advisor.yamlio import Lines, Unreadable, YAMLSyntaxError, decode_text, load_all, read_text

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


def validate_profile(
    data: Any, *, lines: Lines | None = None, file: str | None = None, document: int = 0, base: tuple[Any, ...] = ()
) -> WorkloadProfile:
    """Validate already-parsed data as a profile, or raise InvalidInput naming each bad field.

    `base` is where the profile sits inside its document (a rule test's `cases[3].profile`), for lines.
    """
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        line = lines.at(document, base) if lines is not None else None
        raise InvalidInput([FieldError("", f"a profile is a mapping of fields, got {kind}", file=file, line=line)])
    try:
        return WorkloadProfile.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc, WorkloadProfile, data=data, lines=lines, file=file, document=document, base=base)
        raise InvalidInput(errors) from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's keys, refusing one given twice (JSON allows it; YAML and our profiles do not)."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {twice!r} is given twice in one object")
    return found


def load_json(text: str | bytes, source: str | None = None) -> Any:
    """Parse JSON text, or raise InvalidInput saying what is wrong and where.

    Beyond the JSON parser's own errors: a key given twice, nesting too deep for the parser, and numbers
    too long to convert are refused like any other bad input.
    """
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InvalidInput([FieldError("", f"invalid JSON: {exc.msg}", file=source, line=exc.lineno)]) from None
    except RecursionError:
        raise InvalidInput([FieldError("", "invalid JSON: nested too deeply", file=source)]) from None
    except (ValueError, UnicodeDecodeError) as exc:  # duplicate keys, 5000-digit numbers, bytes not UTF-8
        message = str(exc).split("; use sys.set_int_max_str_digits")[0]
        raise InvalidInput([FieldError("", f"invalid JSON: {message}", file=source)]) from None


class _NotJSON(Exception):
    """The text is not meant as JSON."""


def _looks_like_json(text: str, source: str) -> bool:
    return source.endswith(".json") or text.lstrip()[:1] == "{"


def parse_profiles(text: str, source: str = "<stdin>") -> list[WorkloadProfile]:
    """Parse one or more profiles from YAML (several documents allowed) or JSON text.

    JSON (a .json file, or text that starts with "{") is read by the JSON parser, so 1e1 is a number as
    JSON says, not text as YAML 1.1 would have it.
    """
    lines = Lines(text)
    try:
        if not _looks_like_json(text, source):
            raise _NotJSON
        documents = [load_json(text, source)]
    except (_NotJSON, InvalidInput) as not_json:
        if source.endswith(".json"):  # a .json file is JSON, and its errors are JSON's
            if isinstance(not_json, InvalidInput) and reads_as_yaml(text):
                first = not_json.errors[0]
                hint = f"{first.msg}; the file reads as YAML: name it .yaml"
                raise InvalidInput([FieldError(first.loc, hint, first.file, first.line)]) from None
            raise
        try:  # YAML, or a YAML flow mapping such as {name: a, host: {os: linux}} that only looks like JSON
            documents, lines = load_all(text)
        except YAMLSyntaxError as exc:
            if isinstance(not_json, InvalidInput):  # it was meant as JSON: say what JSON found wrong
                raise not_json from None
            raise InvalidInput([FieldError("", str(exc), file=source, line=exc.line)]) from None
    present = [(index, data) for index, data in enumerate(documents) if data is not None]
    if not present:
        raise InvalidInput([FieldError("", "no profile found (the document is empty)", file=source)])
    profiles, problems = [], []
    for index, data in present:
        try:
            profiles.append(validate_profile(data, lines=lines, file=source, document=index))
        except InvalidInput as exc:
            problems.extend(exc.errors)
    if problems:
        raise InvalidInput(problems)
    return profiles


def only_profile(profiles: list[WorkloadProfile], source: str | None, purpose: str) -> WorkloadProfile:
    """The one profile of several read from `source`, or InvalidInput naming them and why one is needed."""
    if len(profiles) != 1:
        names = ", ".join(p.name for p in profiles)
        raise InvalidInput([FieldError("", f"holds {len(profiles)} profiles ({names}); {purpose}", file=source)])
    return profiles[0]


def reads_as_yaml(text: str | bytes) -> bool:
    """Whether text that is not JSON is a YAML mapping in block style (`name: web`): JSON that is only broken
    (`{"host": }`) gets JSON's error alone, not a hint to send YAML."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return False
    if text.lstrip()[:1] in ("{", "["):
        return False
    try:
        documents, _ = load_all(text)
    except (ValueError, RecursionError):  # YAMLSyntaxError is a ValueError
        return False
    return len(documents) == 1 and isinstance(documents[0], dict)


def parse_profile_json(body: bytes | str) -> WorkloadProfile:
    """Parse exactly one profile from JSON text (the API's fast path)."""
    return validate_profile(load_json(body))


def profile_paths(arguments: list[str]) -> list[str]:
    """Expand arguments into profile files: directories give their YAML/JSON files in name order.

    Standard input ('-') is read once however often it is named; a directory without profiles is an error.
    """
    found: list[str] = []
    for argument in arguments:
        path = Path(argument)
        if argument == "-":
            if argument not in found:
                found.append(argument)
        elif path.is_dir():
            inside = [str(p) for p in sorted(path.iterdir()) if p.is_file() and p.suffix in PROFILE_SUFFIXES]
            if not inside:
                message = f"no profiles here (looked for {', '.join('*' + s for s in PROFILE_SUFFIXES)})"
                raise InvalidInput([FieldError("", message, file=argument)])
            found.extend(inside)
        else:
            found.append(argument)
    return found


def read_profiles(arguments: list[str], stdin: bytes | None = None) -> list[WorkloadProfile]:
    """Read every profile named by the arguments ('-' is standard input); report every bad file at once.

    Profile names must be unique across everything read, since they name the results.
    """
    profiles: list[WorkloadProfile] = []
    problems: list[FieldError] = []
    sources: dict[str, str] = {}
    for argument in profile_paths(arguments):
        source = "<stdin>" if argument == "-" else argument
        try:
            text = decode_text(stdin or b"") if argument == "-" else read_text(Path(argument))
        except Unreadable as exc:
            problems.append(FieldError("", str(exc), file=source))
            continue
        try:
            parsed = parse_profiles(text, source)
        except InvalidInput as exc:
            problems.extend(exc.errors)
            continue
        for profile in parsed:
            if profile.name in sources:
                message = f"'{profile.name}' is also the name of a profile in {sources[profile.name]}"
                problems.append(FieldError("name", message, file=source))
            sources.setdefault(profile.name, source)
            profiles.append(profile)
    if problems:
        raise InvalidInput(problems)
    return profiles


def component_part(profile: WorkloadProfile, component: str | None, *, loc: str = "component") -> WorkloadProfile:
    """The profile to write one artifact for: the whole profile, or its component named `component`.

    A profile with components needs one named; `loc` is what the caller calls that choice (an option, a
    query parameter), for the error.
    """
    names = [c.name for c in profile.components]
    if not names:
        if component is not None:
            raise InvalidInput([FieldError(loc, f"{profile.name} has no components")])
        return profile
    chosen = next((c for c in profile.components if c.name == component), None)
    if chosen is None:
        problem = f"no component '{component}' in {profile.name}" if component else f"{profile.name} has components"
        raise InvalidInput([FieldError(loc, f"{problem}; choose one of {', '.join(names)}")])
    return profile.component_profile(chosen)
