"""The detail of one result on the result page, written in Python rather than by a Jinja macro.

The detail (scores and reasons, why not the others, capacity arithmetic, defaults, what would change the
answer) was macros.html's `detail`: after the form's inputs, the largest part of the page's time, spent in
Jinja's attribute lookups and escaping of some hundreds of values. Here each value is escaped once, where it is
written; the rule references and reason items come from advisor/web/resultview.py, made once per rule set. The
HTML is what the macro wrote, byte for byte (tests/test_pages_unchanged.py and the permalink pages of
tests/test_answers_unchanged.py).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from advisor.models import ComponentResult, Recommendation
from advisor.validation import plain
from advisor.web.form import effect_text
from advisor.web.resultview import PageRules, detail_view
from advisor.wording import PLATFORM_NAMES, PLATFORM_TITLES

# The platforms' names and titles, escaped once.
_NAMES = {platform: str(escape(name)) for platform, name in PLATFORM_NAMES.items()}
_TITLES = {platform: str(escape(title)) for platform, title in PLATFORM_TITLES.items()}
_TITLES_LOWER = {platform: str(escape(title.lower())) for platform, title in PLATFORM_TITLES.items()}
# Written as they are (HTML already): the macro's literal text.
_CAPTION_ESTATE = "Points summed over the components; hybrid lets each component use its best platform."
_CAPTION_ONE = (
    "Points each platform got from the rules that matched; a ruled-out platform's bar is drawn no longer than "
    "the best one that could run it."
)


def detail(r: Recommendation | ComponentResult, chart: dict[str, Any], flips: list[str], key: str = "") -> Markup:
    """The detail of one result (the profile's or a component's), each part folded in a <details> that opens
    without JavaScript. A reason is spelled out once and named by its rule id after; `key` makes ids unique on
    the page."""
    view = detail_view(r)
    rules = PageRules()
    key = str(escape(key))
    estate = bool(getattr(r, "components", None))  # a component's result has no components
    out = [_why(r, chart, estate, key, rules), _why_not(r, view, key, rules)]
    if r.capacity:
        out.append(_capacity(r, view.ruled_out, key))
    out.append("\n\n")
    if r.assumptions:
        out.append(_defaults(r, view.relied, key, rules))
    out.append("\n\n")
    if not estate:
        out.append(_flips(flips, key))
    return Markup("".join(out))


def _why(
    r: Recommendation | ComponentResult,
    chart: dict[str, Any],
    estate: bool,
    key: str,
    rules: PageRules,
) -> str:
    reasons = len(r.rationale)
    against = f", {len(r.against)} against" if r.against else ""
    # The chart (advisor/web/form.py's score_chart) holds numbers, platform ids and words of ours, nothing a user
    # wrote: it is written as it is, without escaping each of its thirty values.
    summary, width, height = chart["summary"], chart["width"], chart["height"]
    label_x, zero = chart["label_x"], chart["zero_shown"]
    out = [
        f'<details class="detail" id="why{key}">\n'
        f"  <summary>Why {_NAMES[r.platform]}: {reasons} {'reason' if reasons == 1 else 'reasons'}"
        f"{against}, with sources</summary>\n"
        f'  <figure class="chart">\n'
        f'    <svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="Scores: {summary}">\n'
        f"      <title>Scores: {summary}</title>\n      "
    ]
    for bar in chart["bars"]:
        baseline = bar["baseline"]
        out.append(
            f'\n      <text class="axis-label" x="{label_x}" y="{baseline}" text-anchor="end">'
            f"{bar['platform']}</text>\n"
            f'      <rect class="bar bar-{bar["kind"]}" x="{bar["x_shown"]}" y="{bar["y"]}" '
            f'width="{bar["width_shown"]}" height="{bar["height"]}" rx="3"></rect>\n'
            f'      <text class="value" x="{bar["text_x_shown"]}" y="{baseline}">{bar["text"]}</text>\n'
            "      "
        )
    caption = _CAPTION_ESTATE if estate else _CAPTION_ONE
    out.append(
        f'\n      <line class="zero" x1="{zero}" x2="{zero}" y1="0" y2="{height}"></line>\n'
        "    </svg>\n"
        f"    <figcaption>{caption} Scores: {summary}.</figcaption>\n"
        "  </figure>\n  "
    )
    if r.rationale:
        items = "".join(f"\n    {rules.reason(reason)}\n    " for reason in r.rationale)
        out.append(f'\n  <ol class="reasons">\n    {items}\n  </ol>\n  ')
    else:
        out.append("\n  <p>No rule favoured this platform; it won on the tie-break.</p>\n  ")
    out.append("\n  ")
    if r.technologies:
        built = "; ".join(f"<strong>{escape(t.name)}</strong> ({escape(t.role)})" for t in r.technologies)
        out.append(f'\n  <p class="technologies">Build it with: {built}.</p>\n  ')
    out.append("\n  ")
    if r.against:
        items = "".join(
            f"\n    <li><strong>{escape(a.title)}</strong> {rules.ref(a.rule)} "
            f'<span class="effect">{escape(effect_text(a.effect.score, a.effect.forbid))}</span>\n'
            f"      <p>{escape(a.because)}</p></li>\n    "
            for a in r.against
        )
        out.append(
            '\n  <p class="against-title"><strong>What counts against it</strong></p>\n'
            f'  <ul class="against">\n    {items}\n  </ul>\n  '
        )
    out.append("\n  ")
    if r.notes:
        notes = "".join(f"<li>{escape(n.note)}</li>" for n in r.notes)
        out.append(f'\n  <ul class="notes">{notes}</ul>\n  ')
    out.append("\n</details>\n\n")
    return "".join(out)


def _why_not(r: Recommendation | ComponentResult, view: Any, key: str, rules: PageRules) -> str:
    out = [f'<details class="detail" id="why-not{key}">\n  <summary>Why not the others</summary>\n']
    out.append('  <ul class="why-not">\n    ')
    for alt, row in zip(r.alternatives, view.why_nots, strict=True):
        shown = "ruled out" if alt.forbidden else f"score {alt.score}"
        out.append(f"\n    \n    \n    <li><strong>{_TITLES[alt.platform]}</strong>: {shown}\n      ")
        if alt.why_not:
            named = ""
            if row.named:
                refs = ", ".join(rules.ref(rule) for rule in row.named)
                named = f'<li class="see-above">Also {refs}, given above.</li>'
            others = "".join(f"<li>{rules.ref(w.rule)}: {escape(w.because)}</li>" for w in row.others)
            again = ""
            if row.again:
                first = _TITLES_LOWER[r.alternatives[0].platform]
                lead = "And " if row.named or row.others else ""
                again = f'<li class="see-above">{lead}{len(row.again)} of the reasons against {first}.</li>'
            out.append("\n      \n      \n      \n      <ul>")  # where the macro set its names
            out.append(f"\n        {named}\n        {others}\n        {again}\n      </ul>\n      ")
        else:
            out.append("<span>(no rule counted against it; it scored lower)</span>")
        out.append("\n    </li>\n    ")
    out.append("\n  </ul>\n</details>\n\n")
    return "".join(out)


def _capacity(r: Recommendation | ComponentResult, ruled_out: list[str], key: str) -> str:
    c = r.capacity
    assert c is not None
    # VM and container sides differ in their fields (vCPUs each, CPUs each), as the two columns do.
    columns: list[tuple[str, str, Any]] = [("vm", "As VMs", c.vm), ("container", "As containers", c.container)]
    heads = "".join(
        f'<th scope="col">{title}{" (ruled out)" if platform in ruled_out else ""}</th>'
        for platform, title, _ in columns
    )
    # The arithmetic is numbers (plain() writes them as running text): nothing in them to escape.
    each, fits, need, enough = [], [], [], []
    for platform, _, side in columns:
        if side.memory_gib_each is None:
            each.append("<td>differs by component</td>")
        elif platform == "vm":
            each.append(
                f"<td>{side.vcpus_each} vCPU, {plain(side.memory_gib_each)} GiB, of which "
                f"{plain(side.guest_os_overhead_gib)} GiB guest OS</td>"
            )
        else:
            each.append(f"<td>{plain(side.cpus_each)} CPU, {plain(side.memory_gib_each)} GiB</td>")
        if side.fits is None:
            fits.append("<td>—</td>")
        else:
            limited = f" (by {escape(side.limited_by)})" if side.limited_by else ""
            fits.append(f"<td>{side.fits}{limited}</td>")
        unit = "vCPU" if platform == "vm" else "CPU"
        need.append(f"<td>{plain(side.needed.cpus)} {unit}, {plain(side.needed.memory_gib)} GiB</td>")
        but = ", but ruled out" if platform in ruled_out else ""
        enough.append(f"<td>{'yes' if side.enough else 'no'}{but}</td>")
    return (
        f'\n\n<details class="detail" id="capacity{key}">\n'
        "  <summary>Capacity arithmetic</summary>\n"
        f'  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="capacity-caption{key}">\n'
        '  <table class="capacity">\n'
        f'    <caption id="capacity-caption{key}">{c.instances} instances on a host of {c.host.cpus} '
        f"cores and {plain(c.host.memory_gib)} GiB</caption>\n"
        "    \n"
        f"    <thead><tr><td></td>{heads}</tr></thead>\n"
        "    <tbody>\n"
        '      <tr><th scope="row">Each takes</th>\n'
        f"        {''.join(each)}</tr>\n"
        '      <tr><th scope="row">Fit on the host</th>\n'
        f"        {''.join(fits)}</tr>\n"
        '      <tr><th scope="row">All need</th>\n'
        f"        {''.join(need)}</tr>\n"
        '      <tr><th scope="row">Enough?</th>\n'
        f"        {''.join(enough)}</tr>\n"
        "    </tbody>\n"
        "  </table>\n"
        "  </div>\n"
        f"  <p>{escape(c.explanation)}</p>\n"
        "</details>\n"
    )


def _defaults(r: Recommendation | ComponentResult, relied: list[str], key: str, rules: PageRules) -> str:
    items = "".join(
        f"<li><code>{escape(a.field)}</code> is at its default, <code>{escape(plain(a.value))}</code>.</li>"
        for a in r.assumptions
    )
    used = ", ".join(rules.ref(rule) for rule in relied)
    return (
        f'\n<details class="detail" id="defaults{key}">\n'
        "  <summary>Defaults the answer rests on</summary>\n"
        f'  <ul class="assumptions">{items}</ul>\n'
        "  \n"
        f"  <p>Rules that used them: {used}. Set a field if its default is wrong.</p>\n"
        "</details>\n"
    )


def _flips(flips: list[str], key: str) -> str:
    if flips:
        items = "".join(f"<li>{escape(words)}</li>" for words in flips)
        said = f'\n  <ul class="flips">{items}</ul>\n  '
    else:
        said = '\n  <p class="flips-none">Nothing you could change here would change the answer.</p>\n  '
    return (
        f'\n<details class="detail" id="flips{key}">\n'
        f"  <summary>What would change the answer</summary>\n  {said}\n</details>\n"
    )
