"""Read workload profiles from YAML or JSON text, files, directories or standard input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from advisor.errors import FieldError, InvalidInput
from advisor.models import WorkloadProfile
from advisor.validation import field_errors
from advisor.yamlio import Lines, YAMLSyntaxError, load_all

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


def validate_profile(
    data: Any, *, lines: Lines | None = None, file: str | None = None, document: int = 0
) -> WorkloadProfile:
    """Validate already-parsed data as a profile, or raise InvalidInput naming each bad field."""
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        line = lines.at(document, ()) if lines is not None else None
        raise InvalidInput([FieldError("", f"a profile is a mapping of fields, got {kind}", file=file, line=line)])
    try:
        return WorkloadProfile.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc, WorkloadProfile, data=data, lines=lines, file=file, document=document)
        raise InvalidInput(errors) from None


def parse_profiles(text: str, source: str = "<stdin>") -> list[WorkloadProfile]:
    """Parse one or more profiles from YAML (several documents allowed) or JSON text."""
    try:
        documents, lines = load_all(text)
    except YAMLSyntaxError as exc:
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


def parse_profile_json(body: bytes | str) -> WorkloadProfile:
    """Parse exactly one profile from JSON text (the API's fast path)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput([FieldError("", f"invalid JSON: {exc}")]) from None
    return validate_profile(data)


def profile_paths(arguments: list[str]) -> list[str]:
    """Expand arguments into profile files: directories give their YAML/JSON files in name order."""
    found: list[str] = []
    for argument in arguments:
        path = Path(argument)
        if argument == "-" or not path.is_dir():
            found.append(argument)
            continue
        found.extend(str(p) for p in sorted(path.iterdir()) if p.is_file() and p.suffix in PROFILE_SUFFIXES)
    return found


def read_profiles(arguments: list[str], stdin_text: str | None = None) -> list[WorkloadProfile]:
    """Read every profile named by the arguments ('-' is standard input); report every bad file at once."""
    profiles: list[WorkloadProfile] = []
    problems: list[FieldError] = []
    for argument in profile_paths(arguments):
        if argument == "-":
            text, source = stdin_text or "", "<stdin>"
        else:
            source = argument
            try:
                text = Path(argument).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(FieldError("", f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=source))
                continue
        try:
            profiles.extend(parse_profiles(text, source))
        except InvalidInput as exc:
            problems.extend(exc.errors)
    if problems:
        raise InvalidInput(problems)
    return profiles
