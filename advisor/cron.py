"""Cron schedules as a Kubernetes CronJob's `spec.schedule` takes them, checked strictly, with errors that teach.

The grammar is the one the Kubernetes documentation gives for CronJob schedules
(https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax): five fields (minute,
hour, day of the month, month, day of the week), each `*`, `?` (the same as `*`), a number, a range such as
1-5, a list such as 1,15, and steps such as */10 or 0-23/2; months may be named jan to dec and days sun to
sat; or one of the macros its table lists. Kubernetes parses schedules with robfig/cron's standard parser
(https://pkg.go.dev/github.com/robfig/cron/v3#hdr-CRON_Expression_Format), whose bounds these are (a day of
the week runs 0 to 6: 7 is refused there, so here too). A time zone inside the schedule (TZ=, CRON_TZ=) is
refused by Kubernetes itself; the CronJob's own timeZone field says it instead.

Written here rather than taken from croniter: croniter accepts more than Kubernetes does (a sixth seconds
field, L, W, #, H), and a schedule that passes here must be one the cluster accepts.
"""

from __future__ import annotations

import re

# The macros of the Kubernetes documentation's table, and the five fields they stand for.
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MAX_LENGTH = 100  # the model's bound: the longest sensible schedule is far shorter
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# Each field in order: its name in words, its bounds, and the names it takes for numbers.
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of the month", 1, 31, {}),
    ("month", 1, 12, {name: n for n, name in enumerate(_MONTHS, start=1)}),
    ("day of the week", 0, 6, {name: n for n, name in enumerate(_DAYS)}),
)
_ALLOWED = re.compile(r"[0-9A-Za-z*?,/@ -]*")
EXAMPLE = "like '0 2 * * *' (02:00 every day) or @daily"
_SHAPE = "minute hour day-of-the-month month day-of-the-week"


def schedule_problem(schedule: str) -> str | None:
    """Why `schedule` is not a CronJob schedule Kubernetes accepts, in plain words; None when it is one."""
    text = schedule.strip()
    if not text:
        return f"is empty: give five fields ({_SHAPE}), {EXAMPLE}, or leave schedule out"
    if re.match(r"(CRON_)?TZ=", text, re.IGNORECASE):
        return (
            "holds a time zone (TZ= or CRON_TZ=), which Kubernetes refuses in a schedule; write the five fields "
            "alone: the starter runs them in UTC (timeZone: Etc/UTC)"
        )
    bad = next((c for c in text if not _ALLOWED.fullmatch(c)), None)
    if bad is not None:
        return (
            f"holds {bad!r}, which a cron schedule cannot: use digits, names such as mon or jan, and * ? , - / "
            f"between single spaces, {EXAMPLE}"
        )
    if text.startswith("@"):
        if text.lower() in MACROS:
            return None
        return f"{text!r} is not a macro Kubernetes knows; use one of {', '.join(MACROS)}"
    fields = text.split()
    if len(fields) != len(_FIELDS):
        return (
            f"has {len(fields)} field{'s' if len(fields) != 1 else ''}; a schedule has {len(_FIELDS)} ({_SHAPE}), "
            f"{EXAMPLE}" + (" (Kubernetes takes no seconds or year field)" if len(fields) in (6, 7) else "")
        )
    for value, field in zip(fields, _FIELDS, strict=True):
        problem = _field_problem(value, *field)
        if problem:
            return problem
    return None


def _field_problem(value: str, field: str, low: int, high: int, names: dict[str, int]) -> str | None:
    """Why one field's text is not a list of values, ranges and steps within its bounds; None when it is."""
    for part in value.split(","):
        where = f"the {field} field"
        if not part:
            return f"{where} has an empty item in {value!r}: a list is values between commas, like 1,15"
        span, slash, step = part.partition("/")
        if slash:
            if not step.isdigit():
                return f"{where}: the step in {part!r} must be a whole number, like */10"
            if int(step) == 0:
                return f"{where}: the step in {part!r} is 0; a step is 1 or more, like */10"
        if span in ("*", "?"):
            continue
        first, dash, last = span.partition("-")
        start = _number(first, field, low, high, names)
        if isinstance(start, str):
            return start
        if dash:
            end = _number(last, field, low, high, names)
            if isinstance(end, str):
                return end
            if start > end:
                return f"{where}: the range {span!r} runs backwards; write the smaller end first"
    return None


def _number(text: str, field: str, low: int, high: int, names: dict[str, int]) -> int | str:
    """The value `text` stands for in this field, or why it stands for none."""
    if text.isdigit():
        number = int(text)
        if low <= number <= high:
            return number
        extra = " (Sunday is 0)" if field == "day of the week" and number == 7 else ""
        return f"the {field} {number} is out of range: it runs {low} to {high}{extra}"
    if text.lower() in names:
        return names[text.lower()]
    if names:
        return f"the {field} field: {text!r} is not a number from {low} to {high} or a name from {_names(names)}"
    if text.lower() in (*_MONTHS, *_DAYS):
        return f"the {field} field takes numbers from {low} to {high}, not the name {text!r}"
    return f"the {field} field: {text!r} is not a number from {low} to {high}, a range like 1-5 or a step like */10"


def _names(names: dict[str, int]) -> str:
    first, *_, last = names
    return f"{first} to {last}"
