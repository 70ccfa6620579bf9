"""The result on the result page (the verdict, the plan and its downloads, each part's detail, the permalink), written
in Python rather than by the template.

After the form's inputs and the result's detail, the rest of the result section was the page's largest cost:
some hundreds of Jinja lookups, filters and escapes for a plan table and its buttons. Its parts come worked out
from advisor/web/form.py (`_result_view`); each value is escaped once, where it is written. The HTML is what
the template wrote, byte for byte (tests/test_pages_unchanged.py and the permalink pages of
tests/test_answers_unchanged.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from markupsafe import Markup, escape

from advisor.models import Recommendation
from advisor.web.detailhtml import detail
from advisor.wording import PLATFORM_NAMES, PLATFORM_TITLES

result_html = Blueprint("result_html", __name__)

_TIMES = "\N{MULTIPLICATION SIGN}"  # before a part's instances: twelve of them read as times 12
_TITLES = {platform: str(escape(title)) for platform, title in PLATFORM_TITLES.items()}  # escaped once


@result_html.app_template_global("result_section")
def result_section(result: Recommendation, view: dict[str, Any], too_long: bool, max_permalink: int) -> Markup:
    """The result section of the page; `view` is what advisor/web/form.py worked out for it, `too_long` says the
    profile has no permalink (longer than `max_permalink` characters)."""
    estate = bool(result.components)
    name = escape(result.name)
    out = [
        f'<section class="result" id="result" aria-labelledby="result-title">\n'
        f'  <h2 id="result-title">Advice for {name}</h2>\n'
        f"  {verdict(result, view['confidence_reason'])}\n\n  \n"
        '  <form method="post" class="downloads plan-form">\n'
        f'  <input type="hidden" name="profile" value="{escape(view["profile_json"])}">\n'
        '  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="plan-caption">\n'
        '  <table class="plan">\n'
        f'    <caption id="plan-caption">The plan{_plan_size(result)}</caption>\n'
        '    <thead><tr><th scope="col">Part</th><th scope="col">Platform</th><th scope="col">Run it on</th>'
        '<th scope="col">Share of host</th><th scope="col">Starter files</th></tr></thead>\n'
        "    <tbody>\n    "
    ]
    urls, names, starters = view["download_urls"], view["download_names"], view["starters"]
    for part in result.plan.parts if result.plan else []:
        part_name = escape(part.name)
        shown = f'<a href="#result-{part_name}">{part_name}</a>' if estate else part_name
        share = "share unknown" if part.share is None else f"{int(round(part.share * 100, 0))}% of the host"
        component = f' name="component" value="{part_name}"' if estate else ""
        buttons = "".join(
            f'<button type="submit" class="file"{component} formaction="{escape(urls[kind.name])}" '
            f'aria-label="Download {escape(kind.label)} for {part_name}">'
            f"{escape(names[part.name][kind.name])}</button> "
            for kind in starters[part.name if estate else ""]
        )
        out.append(
            "\n      <tr>\n"
            f'        <th scope="row">{shown} <span class="instances">{_TIMES}{part.instances}</span></th>\n'
            f"        <td>{_TITLES[part.platform]}</td>\n"
            f'        <td class="run-on">{escape(", ".join(part.run_on[:2]) or "—")}</td>\n'
            f"        <td>{share}</td>\n"
            f'        <td class="starters">{buttons or "none fits"}</td>\n'
            "      </tr>\n    "
        )
    whole = ""
    if estate:
        whole = "".join(
            f'<button type="submit" formaction="{escape(urls[kind.name])}">{escape(kind.label)} (whole estate)</button>'
            "\n    "
            for kind in starters[""]
        )
    out.append(
        "\n    </tbody>\n  </table>\n  </div>\n"
        f'  <p class="plan-total">{escape(view["plan_together"])}</p>\n'
        '  <p class="more-downloads">\n'
        f'    <button type="submit" formaction="{escape(urls["bundle"])}">Starter bundle (zip)</button>\n'
        f"    {whole}\n"
        f'    <button type="submit" class="secondary" formaction="{escape(urls["profile"])}">Profile (YAML)</button>\n'
        f'    <button type="submit" class="secondary" formaction="{escape(urls["markdown"])}">'
        "Result (Markdown)</button>\n"
        "  </p>\n  </form>\n"
        f'  <p class="help">{escape(view["bundle_text"])}</p>\n\n'
        "  <h3>Detail</h3>\n"
        f"  {detail(result, view['chart'], view['flip_words'][''])}\n\n  "
    )
    if estate:
        out.append("\n  <h3>Each part</h3>\n  ")
        for c in result.components:
            key = "-" + c.name
            chart, flips = view["component_charts"][c.name], view["flip_words"][c.name]
            out.append(
                f'\n  <details class="component-result" id="result-{escape(c.name)}">\n'
                f"    <summary><strong>{escape(c.name)}</strong>: {escape(PLATFORM_NAMES[c.platform])} "
                f"({escape(c.confidence)} confidence)</summary>\n"
                f"    {detail(c, chart, flips, key)}\n"
                "  </details>\n  "
            )
        out.append("\n  ")
    out.append("\n\n  <h3>Share or script it</h3>\n  ")
    if too_long:
        out.append(
            f'\n  <p class="note">This profile is too long for an address (over {escape(max_permalink)} characters), '
            "so it has no permalink. Download the profile to share it; <code>advisor recommend</code> and the API "
            "read it.</p>\n  "
        )
    else:
        out.append(
            f'\n  <p><a class="permalink" href="{escape(view["permalink"])}">Permalink to this result</a> · the '
            "address holds the whole profile, so the same link gives the same answer under the same rules.</p>\n  "
        )
    ruleset = result.ruleset
    out.append(
        '\n  <div class="copy-block">\n'
        '    <label for="curl">The same request against the API, with curl</label>\n'
        f'    <textarea id="curl" class="code" readonly rows="4" spellcheck="false">{escape(view["curl"])}</textarea>\n'
        '    <button type="button" class="copy" data-copy="curl" hidden>Copy</button>\n'
        '    <span class="copied" role="status" aria-live="polite"></span>\n'
        "  </div>\n"
        f'  <p class="ruleset">Rules {escape(ruleset.version)}, {escape(ruleset.rules)} rules, digest '
        f"<code>{escape(ruleset.digest[:19])}…</code></p>\n"
        "</section>"
    )
    return Markup("".join(out))


def verdict(result: Recommendation, reason: str = "") -> str:
    """The verdict in two lines: the platform, and the confidence with its reason."""
    platform, confidence = escape(result.platform), escape(result.confidence)
    said = f' <span class="confidence-reason">{escape(reason)}</span>' if reason else ""
    return (
        f'<div class="verdict verdict-{platform}">\n'
        f'  <p class="platform"><span class="label">Recommended platform</span> '
        f"<strong>{_TITLES[result.platform]}</strong></p>\n"
        f'  <p class="confidence confidence-{confidence}">Confidence: <strong>{confidence}</strong>{said}</p>\n'
        "</div>"
    )


def _plan_size(result: Recommendation) -> str:
    plan = result.plan
    if plan is None or len(plan.parts) <= 1:
        return ""
    where = " on one host" if plan.fits else f" on {escape(plan.hosts_needed)} such hosts" if plan.hosts_needed else ""
    return f": {len(plan.parts)} parts{where}"
