"""Exceptions that carry their exit code and HTTP status, so every door reports a failure the same way."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_FAILURE = 1
EXIT_INVALID_INPUT = 2


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: where (`loc`, a dotted path) and what (`msg`)."""

    loc: str
    msg: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.loc}: {self.msg}" if self.loc else f"{where}{self.msg}"


class AdvisorError(Exception):
    """Base of every error advisor reports on purpose; anything else is a bug."""

    exit_code = EXIT_FAILURE
    http_status = 500


class InvalidInput(AdvisorError):
    """A profile (or another input) that does not fit the contract; carries one entry per bad field."""

    exit_code = EXIT_INVALID_INPUT
    http_status = 400

    def __init__(self, errors: list[FieldError], title: str = "invalid input") -> None:
        self.errors = errors
        self.title = title
        super().__init__("\n".join(str(e) for e in errors) or title)


@dataclass(frozen=True)
class RuleProblem:
    """One problem in one rule file, pinned to a line and, where known, a rule id."""

    file: str
    line: int | None
    rule_id: str | None
    msg: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        rule = f" rule '{self.rule_id}':" if self.rule_id else ""
        return f"{where}:{rule} {self.msg}"


class RuleError(AdvisorError):
    """Rules that cannot be loaded. A broken rule never loads silently: the whole set is refused."""

    exit_code = EXIT_INVALID_INPUT
    http_status = 500

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class NoPlatformFits(AdvisorError):
    """Every platform is forbidden by some rule: the profile asks for something no platform gives."""

    exit_code = EXIT_FAILURE
    http_status = 422


class WouldOverwrite(AdvisorError):
    """Writing would replace files that already exist; nothing a user wrote is overwritten unless asked (--force)."""

    exit_code = EXIT_FAILURE
    http_status = 409

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        them = "it" if len(paths) == 1 else "them"
        super().__init__(f"would overwrite {', '.join(paths)}; nothing was written (--force replaces {them})")


class CannotWrite(AdvisorError):
    """The operating system refused a write: names the path, what failed and why, and what was left as it was."""

    exit_code = EXIT_FAILURE
    http_status = 500

    def __init__(self, path: str, reason: str, doing: str = "write", replaced: list[str] | None = None) -> None:
        self.path = path
        self.reason = reason
        self.replaced = replaced or []
        outcome = "nothing was written"
        if self.replaced:
            outcome = f"{', '.join(self.replaced)} had already been replaced; nothing else was written"
        super().__init__(f"cannot {doing} {path}: {reason}; {outcome}")
