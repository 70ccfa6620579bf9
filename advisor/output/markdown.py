"""Markdown: a result ready to paste into a wiki page, an issue or a decision record."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.models import PLATFORMS, ComponentResult, Plan, Recommendation
from advisor.output.fieldwords import flip_words
from advisor.wording import PLAN_HEADERS, PLATFORM_NAMES, plan_row, plan_together


def _escape(text: str) -> str:
    """Keep user text from turning into Markdown structure (tables, links, headings)."""
    for char in "\\`*_{}[]<>()#+-!|":
        text = text.replace(char, "\\" + char)
    return text


def _body(result: Recommendation | ComponentResult, level: int) -> list[str]:
    h = "#" * level
    set_by = getattr(result, "confidence_set_by", None)  # an estate names the component that set it
    lines = [
        f"**Platform: {PLATFORM_NAMES[result.platform]}** (`{result.platform}`), confidence {result.confidence}"
        + (f" (set by component `{set_by}`)." if set_by else "."),
        "",
        "| platform | score |",
        "|---|---:|",
        *[f"| {p} | {result.scores[p]} |" for p in PLATFORMS],
        "",
        f"{h} Why",
        "",
    ]
    if not result.rationale:
        lines.append("No rule favoured this platform; it won on the tie-break.")
    for reason in result.rationale:
        links = ", ".join(f"<{link}>" for link in reason.links)
        lines.append(f"- **{reason.title}** (`{reason.rule}`): {reason.because} {links}")
    if result.against:
        lines += ["", f"{h} What counts against it", ""]
        lines += [f"- **{a.title}** (`{a.rule}`): {a.because}" for a in result.against]
    lines += ["", f"{h} Why not the others", ""]
    for alternative in result.alternatives:
        state = "forbidden" if alternative.forbidden else f"score {alternative.score}"
        lines.append(f"- **{alternative.platform}** ({state})")
        lines += [f"  - `{w.rule}`: {w.because}" for w in alternative.why_not] or ["  - scores tie"]
    if result.technologies:
        lines += ["", f"{h} Technologies", ""]
        lines += [f"- **{t.name}**: {t.role}" for t in result.technologies]
    if result.notes:
        lines += ["", f"{h} Notes", ""]
        lines += [f"- {n.note} (`{n.rule}`)" for n in result.notes]
    if result.capacity is not None:
        lines += ["", f"{h} Capacity", "", result.capacity.explanation]
    if result.assumptions:
        lines += ["", f"{h} Assumed defaults", ""]
        lines += [f"- `{a.field}` = `{a.value}` (used by {', '.join(a.rules)})" for a in result.assumptions]
    flips = [f for f in result.flips if f.change is not None]
    if flips:
        lines += ["", f"{h} What would change the answer", ""]
        lines += [
            f"- {_escape(sentence[0].upper() + sentence[1:])} (`{f.change.field}`)"
            for f, sentence in zip(flips, flip_words(result), strict=True)
            if f.change is not None
        ]
    elif result.flips:  # said plainly, not left out: no one change a person could make would change it
        lines += ["", f"{h} What would change the answer", "", "Nothing you could change in one field would."]
    if result.considered:
        lines += ["", f"{h} Rules considered", "", "| rule | matched | why |", "|---|---|---|"]
        lines += [f"| `{c.rule}` | {'yes' if c.matched else 'no'} | {_escape(c.why)} |" for c in result.considered]
    return lines


def _plan(plan: Plan) -> list[str]:
    """The estate plan as a table, then what it needs together against the host."""
    lines = ["| " + " | ".join(PLAN_HEADERS) + " |", "|" + "---|" * len(PLAN_HEADERS)]
    lines += ["| " + " | ".join(_escape(cell) for cell in plan_row(part)) + " |" for part in plan.parts]
    return [*lines, "", plan_together(plan)]


def as_markdown(results: Sequence[Recommendation], color: bool = False) -> str:
    """One section per result; components get sub-sections."""
    lines: list[str] = []
    for result in results:
        lines += [f"# {_escape(result.name)}", "", *_body(result, 2)]
        for component in result.components:
            lines += ["", f"## Component {_escape(component.name)}", "", *_body(component, 3)]
        if result.plan is not None:
            lines += ["", "## Plan", "", *_plan(result.plan)]
        lines += [
            "",
            f"_Rules {result.ruleset.version}, {result.ruleset.rules} rules, digest `{result.ruleset.digest}`._",
            "",
        ]
    return "\n".join(lines)
