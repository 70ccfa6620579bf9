"""Architecture decision records: find them, read them, and validate them with line-aware errors.

A record is a YAML file (`*.decision.yaml`) or a Markdown ADR whose YAML front matter (MADR style) holds
the same fields. Its profile is inline (`profile`) or in another file (`profile_ref`, relative to the
record). Problems are FieldErrors naming the record, the line and the field, never exceptions.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, ValidationError

from advisor.errors import FieldError, InvalidInput
from advisor.models import Closed, Platform, WorkloadProfile
from advisor.profiles import only_profile, parse_profiles
from advisor.validation import field_errors
from advisor.yamlio import Lines, Unreadable, YAMLSyntaxError, load_all, read_text

# Records with these statuses are history: they may no longer fit today's profile model, and are not checked.
HISTORY_STATUSES = ("superseded", "deprecated")
RECORD_SUFFIXES = (".decision.yaml", ".decision.yml")
MARKDOWN_SUFFIXES = (".md", ".markdown")
ADR_FOLDERS = ("docs/adr", "doc/adr")
# Folders never searched when looking for records: tools' caches, virtual environments, VCS data.
_PRUNED = frozenset({"node_modules", "__pycache__", "venv", "site-packages"})
# Front matter holding one of these keys is meant as a decision record; plain MADR front matter is not.
_RECORD_KEYS = frozenset({"decision", "profile", "profile_ref", "waivers"})

Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]
People = Text | list[Text]
# Dates may be written plainly (2025-03-01, a YAML date) or quoted ("2025-03-01").
Day = Annotated[datetime.date, Field(strict=False)]


class Decision(Closed):
    """What was decided: the platform, and optionally the technologies chosen for it."""

    platform: Platform = Field(description="The platform decided on.")
    technologies: list[Text] = Field(default_factory=list, max_length=64, description="Technologies chosen.")


class Waiver(Closed):
    """A rule knowingly set aside for this decision, why, and until when."""

    rule: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="The id of the rule (or advisor/... check) whose finding is waived."
    )
    reason: Text = Field(description="Why the finding is accepted.")
    expires: Day = Field(description="After this day the waiver no longer applies and is itself an error.")


class DecisionRecord(Closed):
    """One architecture decision: where a workload runs, for which profile, and any waived rules."""

    model_config = ConfigDict(populate_by_name=True)

    title: Text
    status: Literal["proposed", "accepted", "superseded", "deprecated"]
    date: Day
    decision: Decision
    profile: WorkloadProfile | None = None
    profile_ref: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = Field(
        None, description="Path of a profile file, relative to the record."
    )
    waivers: list[Waiver] = Field(default_factory=list, max_length=64)
    # MADR's own optional metadata, accepted so a MADR front matter needs no change.
    decision_makers: People | None = Field(None, alias="decision-makers")
    deciders: People | None = None
    consulted: People | None = None
    informed: People | None = None


@dataclass
class LoadedRecord:
    """A record as read: its data and lines for locating findings, the valid record, and its problems."""

    file: str
    data: Any = None
    lines: Lines | None = None
    record: DecisionRecord | None = None
    profile: WorkloadProfile | None = None
    problems: list[FieldError] = field(default_factory=list)
    skipped: str | None = None  # why the record is not checked (superseded, not a record)

    def line(self, *path: Any) -> int | None:
        """The line of a field of the record, for a finding about it."""
        return self.lines.at(0, path) if self.lines is not None else None


def _front_matter(text: str) -> str | None:
    """The YAML front matter of a Markdown file, including its opening '---' so lines match the file."""
    # Editors on Windows may start a UTF-8 file with a byte order mark; it is not part of the '---'.
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[:index])
    raise InvalidInput([FieldError("", "the front matter opened with --- on line 1 is never closed with ---", line=1)])


def is_markdown(path: str) -> bool:
    """Whether the file is read as a Markdown ADR (front matter) rather than as YAML."""
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def load_record(path: str, *, named: bool = True, cache: dict[Path, Any] | None = None) -> LoadedRecord | None:
    """Read and validate one record; None for a Markdown file found by searching that holds no record.

    `cache` keeps referenced profiles across the records of one run, so a shared profile is read once.
    """
    loaded = LoadedRecord(file=path)
    try:
        text = read_text(Path(path))
        yaml_text = _front_matter(text) if is_markdown(path) else text
        if yaml_text is None:
            if not named:
                return None
            loaded.skipped = "no decision record: the file has no YAML front matter"
            return loaded
        documents, loaded.lines = load_all(yaml_text)
    except Unreadable as exc:
        loaded.problems.append(FieldError("", str(exc), file=path))
        return loaded
    except InvalidInput as exc:
        loaded.problems.extend(FieldError(e.loc, e.msg, file=path, line=e.line) for e in exc.errors)
        return loaded
    except YAMLSyntaxError as exc:
        loaded.problems.append(FieldError("", str(exc), file=path, line=exc.line))
        return loaded
    documents = [d for d in documents if d is not None]
    if is_markdown(path) and not (
        len(documents) == 1 and isinstance(documents[0], dict) and _RECORD_KEYS & set(documents[0])
    ):
        if not named:
            return None
        loaded.skipped = "no decision record: the front matter has no decision, profile or profile_ref"
        return loaded
    if len(documents) != 1:
        message = "a decision record is one YAML document" if documents else "the record is empty"
        loaded.problems.append(FieldError("", f"{message}, got {len(documents)}" if documents else message, file=path))
        return loaded
    loaded.data = documents[0]
    _validate(loaded, {} if cache is None else cache)
    return loaded


def _validate(loaded: LoadedRecord, cache: dict[Path, Any]) -> None:
    data = loaded.data
    if not isinstance(data, dict):
        loaded.problems.append(FieldError("", "a decision record is a mapping of fields", file=loaded.file, line=1))
        return
    if data.get("status") in HISTORY_STATUSES:
        loaded.skipped = f"status is {data['status']}"
        return
    try:
        loaded.record = DecisionRecord.model_validate(data)
    except ValidationError as exc:
        loaded.problems.extend(field_errors(exc, DecisionRecord, data=data, lines=loaded.lines, file=loaded.file))
        return
    record = loaded.record
    if (record.profile is None) == (record.profile_ref is None):
        message = "give the profile inline (profile) or as a file (profile_ref), not both"
        if record.profile is None:
            message = "is required: give the profile inline (profile) or as a file (profile_ref)"
        loaded.problems.append(FieldError("profile", message, file=loaded.file, line=loaded.line("profile_ref")))
        return
    if record.profile is not None:
        loaded.profile = record.profile
        return
    _load_ref(loaded, record.profile_ref or "", cache)


def _load_ref(loaded: LoadedRecord, ref: str, cache: dict[Path, Any]) -> None:
    target = Path(os.path.normpath(Path(loaded.file).parent / ref))

    def problem(message: str) -> None:
        # The line is looked up only for a problem: finding it parses the record a second time.
        loaded.problems.append(FieldError("profile_ref", message, file=loaded.file, line=loaded.line("profile_ref")))

    try:
        key = target.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        # Python 3.11 raises RuntimeError for a symlink loop and ValueError for a NUL byte; a name too long
        # for the file system passes here and is refused by exists() below.
        problem(f"{ref!r} cannot be followed: {_path_problem(exc)}")
        return
    if key not in cache:
        cache[key] = _read_referenced(target)
    profile = cache[key]
    if isinstance(profile, str):
        problem(f"{ref!r} (resolved to {key}): {profile}")
    else:
        loaded.profile = profile


def _read_referenced(target: Path) -> WorkloadProfile | str:
    """The one profile in a referenced file, or what is wrong with it."""
    try:
        if not target.exists():
            return "no such file"
        if not target.is_file():
            return "not a regular file"
    except OSError as exc:
        return _path_problem(exc)
    try:
        return only_profile(parse_profiles(read_text(target), str(target)), None, "a record refers to one")
    except Unreadable as exc:
        return str(exc)
    except InvalidInput as exc:
        return "; ".join(str(e) for e in exc.errors)


def _path_problem(exc: Exception) -> str:
    """What is wrong with a path, in words: the OS's reason, or a symlink loop or NUL byte as such."""
    if isinstance(exc, RuntimeError):
        return "a symbolic link that leads back to itself"
    if isinstance(exc, ValueError):
        return "a path cannot hold a NUL character"
    return getattr(exc, "strerror", None) or str(exc)


def _walk(directory: Path, markdown: bool) -> list[str]:
    found = []
    for folder, subfolders, names in os.walk(directory):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in _PRUNED)
        for name in names:
            lower = name.lower()
            if lower.endswith(RECORD_SUFFIXES) or (markdown and lower.endswith(MARKDOWN_SUFFIXES)):
                found.append(os.path.join(folder, name))
    return found


def find_records(arguments: list[str], root: Path = Path()) -> list[LoadedRecord]:
    """Load the records named by the arguments (files, or folders searched), or found under root.

    With no arguments: every `*.decision.yaml` under root and the front matter ADRs of docs/adr and doc/adr.
    A missing argument or a folder without records is InvalidInput; a Markdown file found by searching
    counts only when its front matter holds a decision.
    """
    candidates: list[tuple[str, bool]] = []  # (path, named by the user)
    problems = []
    if not arguments:
        candidates += [(p, False) for p in _walk(root, markdown=False)]
        for folder in ADR_FOLDERS:
            if (root / folder).is_dir():
                candidates += [(p, False) for p in _walk(root / folder, markdown=True) if is_markdown(p)]
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            inside = _walk(path, markdown=True)
            candidates += [(p, False) for p in inside]
        elif path.exists():
            candidates.append((argument, True))
        else:
            problems.append(FieldError("", "no such file or folder", file=argument))
    if problems:
        raise InvalidInput(problems)
    records: dict[str, LoadedRecord] = {}
    cache: dict[Path, Any] = {}
    for candidate, named in sorted({(os.path.normpath(path), named) for path, named in candidates}):
        loaded = load_record(candidate, named=named, cache=cache)
        if loaded is not None:
            records.setdefault(candidate, loaded)
    if not records:
        where = ", ".join(arguments) if arguments else f"{root} (*.decision.yaml; ADRs in {' and '.join(ADR_FOLDERS)})"
        raise InvalidInput([FieldError("", f"no decision records found in {where}")])
    return [records[k] for k in sorted(records)]
