"""A MADR architecture decision record from a recommendation, ready for `advisor check` to keep honest.

The front matter is a decision record (title, status, date, decision, the profile inline); the body is
MADR's sections, filled from the recommendation's rationale, why-not lists and notes. Nothing here
re-evaluates rules.
"""

from __future__ import annotations

import datetime
from typing import Any

import yaml

from advisor.generators import Artifact
from advisor.models import PLATFORMS, Recommendation, WorkloadProfile
from advisor.wording import PLATFORM_NAMES, PLATFORM_OPTIONS


def _front_matter(profile: WorkloadProfile, result: Recommendation, date: datetime.date, status: str) -> str:
    record: dict[str, Any] = {
        "title": f"Run {profile.name} on {PLATFORM_NAMES[result.platform]}",
        "status": status,
        "date": date,
        "decision": {"platform": result.platform, "technologies": [t.name for t in result.technologies]},
        # Only what the profile gave, so a later check sees the same defaults and assumptions.
        "profile": profile.given(),
    }
    return "---\n" + yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=100) + "---\n"


def _context(profile: WorkloadProfile, result: Recommendation) -> list[str]:
    scores = ", ".join(f"{platform} {score}" for platform, score in result.scores.items())
    ruleset = result.ruleset
    lines = [
        "## Context and Problem Statement",
        "",
        f"Where should {profile.name} run: on virtual machines, on containers, or on a hybrid of both? Its workload "
        f"profile is in this record's front matter. advisor's rules (version {ruleset.version}, {ruleset.digest}) "
        f"recommend {PLATFORM_NAMES[result.platform]} with {result.confidence} confidence (scores: {scores}).",
    ]
    if result.components:
        lines += ["", "The components:", ""]
        lines += [
            f"* {c.name}: {PLATFORM_OPTIONS[c.platform].lower()} ({c.confidence} confidence)" for c in result.components
        ]
    if result.assumptions:
        lines += ["", "The advice assumed these defaults, which the profile left unset:", ""]
        lines += [f"* `{a.field}` is `{a.value}` (rules: {', '.join(a.rules)})" for a in result.assumptions]
    return lines


def _options(result: Recommendation) -> list[str]:
    chosen = result.platform
    order = [chosen, *(p for p in PLATFORMS if p != chosen)]
    alternatives = {a.platform: a for a in result.alternatives}
    lines = ["## Pros and Cons of the Options"]
    for platform in order:
        lines += ["", f"### {PLATFORM_OPTIONS[platform]}", ""]
        against = {w.rule for w in alternatives[platform].why_not} if platform != chosen else set()
        # A rule that gave this option points but gave the chosen one more counts against it, not for it.
        good = [
            r
            for r in result.rationale
            if r.rule not in against and (platform == chosen or r.effect.score.get(platform, 0) > 0)
        ]
        lines += [f"* Good, because {r.because} (`{r.rule}`)" for r in good]
        if platform == chosen:
            lines += [f"* Neutral, because {n.note} (`{n.rule}`)" for n in result.notes]
        else:
            alternative = alternatives[platform]
            if alternative.forbidden:
                lines.append("* Bad, because a rule rules it out for this workload")
            lines += [f"* Bad, because {w.because} (`{w.rule}`)" for w in alternative.why_not]
        if lines[-1] == "":
            lines.append("* Neutral, because no rule spoke for or against it")
    return lines


def make_adr(
    profile: WorkloadProfile, result: Recommendation, *, date: datetime.date, status: str = "proposed"
) -> Artifact:
    """A MADR record (Markdown with a decision record as front matter) deciding on the recommended platform."""
    chosen = PLATFORM_OPTIONS[result.platform]
    top = result.rationale[0].because if result.rationale else f"it scores highest ({result.scores[result.platform]})"
    lines = [f"# Run {profile.name} on {PLATFORM_NAMES[result.platform]}", "", *_context(profile, result), ""]
    lines += ["## Decision Drivers", ""]
    lines += [f"* {r.title} (`{r.rule}`)" for r in result.rationale] or ["* The scores of the rules in force"]
    lines += ["", "## Considered Options", ""]
    lines += [f"* {PLATFORM_OPTIONS[p]}" for p in [result.platform, *(p for p in PLATFORMS if p != result.platform)]]
    because = f"the rules in force favour it with {result.confidence} confidence. {top}"
    lines += ["", "## Decision Outcome", "", f'Chosen option: "{chosen}", because {because}']
    lines += ["", "### Consequences", ""]
    if result.technologies:
        tools = ", ".join(f"{t.name} ({t.role})" for t in result.technologies)
        lines.append(f"* Good, because it can be built with well-known tools: {tools}")
    lines += [f"* Neutral, because {n.note}" for n in result.notes] or ["* Neutral, because nothing else was noted"]
    lines += ["", "### Confirmation", ""]
    lines += ["`advisor check` recomputes this decision with the rules in force whenever they or this record change."]
    lines += ["", *_options(result), ""]
    links = sorted({link for reason in result.rationale for link in reason.links})
    if links:
        lines += ["## More Information", "", *(f"* <{link}>" for link in links), ""]
    text = _front_matter(profile, result, date, status) + "\n" + "\n".join(lines)
    return Artifact(filename=f"{profile.name}.md", media_type="text/markdown", content=text)
