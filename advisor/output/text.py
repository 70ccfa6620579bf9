"""Text for people: the platform, the reasons, why not the others; colour only when asked for."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import click

from advisor.models import PLATFORMS, ComponentResult, Effect, Plan, Platform, Recommendation
from advisor.output.fieldwords import flip_sentence, flip_words
from advisor.validation import plain
from advisor.wording import PLAN_HEADERS, PLATFORM_HEADINGS, plan_row, plan_together

WIDTH = 100
WHY_NOT_SHOWN = 3  # the strongest reasons against each alternative; the rest are in json/yaml/markdown
PLATFORM_COLOURS = {"vm": "magenta", "container": "cyan", "hybrid": "yellow"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, **kwargs: object) -> str:
        return click.style(text, **kwargs) if self.color else text  # type: ignore[arg-type]


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def _effect(effect: Effect) -> str:
    parts = [f"{p} {points:+d}" for p, points in effect.score.items()]
    parts += [f"forbids {p}" for p in effect.forbid]
    return ", ".join(parts)


def _body(result: Recommendation | ComponentResult, s: _Style, indent: str = "") -> list[str]:
    colour = PLATFORM_COLOURS[result.platform]
    set_by = getattr(result, "confidence_set_by", None)  # an estate names the component that set it
    lines = [
        f"{indent}{s(result.name, bold=True)}: "
        f"{s(PLATFORM_HEADINGS[result.platform], fg=colour, bold=True)}  (confidence {result.confidence}"
        + (f", set by {set_by})" if set_by else ")"),
        f"{indent}  scores: " + " · ".join(f"{p} {result.scores[p]}" for p in PLATFORMS),
        "",
        f"{indent}{s('Why', bold=True)}",
    ]
    if not result.rationale:
        lines.append(f"{indent}  No rule favoured it; it won the tie-break.")
    for reason in result.rationale:
        effect = _effect(reason.effect)
        lines.append(f"{indent}  + {reason.title} [{reason.rule}]" + (f"  {s(effect, dim=True)}" if effect else ""))
        lines += _wrap(reason.because, indent + "    ")
        lines += [f"{indent}    {s(str(link), fg='blue')}" for link in reason.links]
    if result.against:
        lines += ["", f"{indent}{s('What counts against it', bold=True)}"]
        for doubt in result.against:
            effect = _effect(doubt.effect)
            lines.append(f"{indent}  - {doubt.title} [{doubt.rule}]" + (f"  {s(effect, dim=True)}" if effect else ""))
            lines += _wrap(doubt.because, indent + "    ")
    lines += ["", f"{indent}{s('Why not the others', bold=True)}"]
    for alternative in result.alternatives:
        state = "forbidden" if alternative.forbidden else f"score {alternative.score}"
        lines.append(f"{indent}  - {PLATFORM_HEADINGS[alternative.platform]} ({state})")
        if not alternative.why_not:
            lines.append(f"{indent}      scores tie; nothing counted against it")
        for why in alternative.why_not[:WHY_NOT_SHOWN]:
            lines += _wrap(f"[{why.rule}] {why.because}", indent + "      ")
        hidden = len(alternative.why_not) - WHY_NOT_SHOWN
        if hidden > 0:
            lines.append(f"{indent}      ... and {hidden} more (--format json lists them all)")
    if result.technologies:
        lines += ["", f"{indent}{s('Technologies', bold=True)}"]
        lines += [f"{indent}  {t.name} — {t.role}" for t in result.technologies]
    if result.notes:
        lines += ["", f"{indent}{s('Notes', bold=True)}"]
        for note in result.notes:
            lines += _wrap(f"{note.note} [{note.rule}]", indent + "  ")
    if result.capacity is not None:
        lines += ["", f"{indent}{s('Capacity', bold=True)}", *_wrap(result.capacity.explanation, indent + "  ")]
    if result.assumptions:
        lines += ["", f"{indent}{s('Assumed defaults', bold=True)} (set them if they are wrong)"]
        lines += [f"{indent}  {a.field} = {plain(a.value)}  (used by {', '.join(a.rules)})" for a in result.assumptions]
    if result.flips:
        lines += ["", f"{indent}{s('What would change the answer', bold=True)}"]
        said = flip_words(result) or [flip_sentence(result.flips[0])]  # or: nothing one could change would
        for sentence in said:
            lines += _wrap(sentence[0].upper() + sentence[1:], indent + "  ")
    if result.considered:
        matched = sum(c.matched for c in result.considered)
        lines += [
            "",
            f"{indent}{s('Rules considered', bold=True)} ({matched} matched, {len(result.considered) - matched} not)",
        ]
        for considered in result.considered:
            mark = "+" if considered.matched else "-"
            lines += textwrap.wrap(
                f"{mark} {considered.rule}: {considered.why}",
                WIDTH,
                initial_indent=indent + "  ",
                subsequent_indent=indent + "      ",
            )
    return lines


def _plan(plan: Plan, s: _Style) -> list[str]:
    """The estate plan as a table: each part's platform, technology, share of the host and starter files."""
    rows = [PLAN_HEADERS, *(plan_row(part) for part in plan.parts)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(PLAN_HEADERS))]
    table = [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return [s("Plan", bold=True), *table, *_wrap(plan_together(plan), "  ")]


def _cell(result: Recommendation, platform: Platform) -> str:
    forbidden = any(a.platform == platform and a.forbidden for a in result.alternatives)
    return f"({result.scores[platform]})" if forbidden else str(result.scores[platform])


def _summary(results: Sequence[Recommendation]) -> list[str]:
    width = max(len("name"), *(len(r.name) for r in results))
    header = f"{'name':<{width}}  {'platform':<9}  {'confidence':<10}  " + "  ".join(f"{p:>9}" for p in PLATFORMS)
    rows = [
        f"{r.name:<{width}}  {r.platform:<9}  {r.confidence:<10}  " + "  ".join(f"{_cell(r, p):>9}" for p in PLATFORMS)
        for r in results
    ]
    counts = ", ".join(f"{sum(r.platform == p for r in results)} {p}" for p in PLATFORMS)
    return ["Portfolio", header, *rows, f"{len(results)} workloads: {counts}", "(n): a rule forbids that platform"]


def as_text(results: Sequence[Recommendation], color: bool = False) -> str:
    """Each result in full, then a portfolio table when there are several."""
    s = _Style(color)
    lines: list[str] = []
    for result in results:
        lines += _body(result, s)
        for component in result.components:
            lines += ["", f"  {s('Component', bold=True)}"]
            lines += _body(component, s, indent="    ")
        if result.plan is not None:
            lines += ["", *_plan(result.plan, s)]
        ruleset = result.ruleset
        lines += ["", s(f"rules {ruleset.version}, {ruleset.rules} rules, {ruleset.digest}", dim=True), "", ""]
    if len(results) > 1:
        lines += _summary(results)
    return "\n".join(lines).rstrip("\n") + "\n"
