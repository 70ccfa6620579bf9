"""The web form (/) and the rules page (/rules): ask in a browser, see why, download the starter files.

A third thin door onto the same functions as the CLI and the API. Pages work without JavaScript (the script
only adds a copy button and live filtering), load nothing from elsewhere, and send a Content-Security-Policy
that allows no inline script or style.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import parse_qsl

import yaml
from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from advisor.engine.decide import CONFIDENCE_ORDER, recommend
from advisor.engine.loader import RuleSet
from advisor.engine.scoring import HIGH_MARGIN, MEDIUM_MARGIN
from advisor.errors import NoPlatformFits
from advisor.generators.registry import BUNDLE, KINDS, StarterKind, verdict_of, with_starters
from advisor.models import PLATFORMS, ComponentResult, Platform, Recommendation, WorkloadProfile
from advisor.output.data import rule_data
from advisor.output.fieldwords import flip_words
from advisor.output.markdown import as_markdown
from advisor.profiles import parse_profile_json
from advisor.validation import plain
from advisor.web.api import NotReady, live_rules, request_body
from advisor.web.artifacts import download, starter_file
from advisor.web.formdata import FormState, is_form_query, permalink_query, query_text, read_form, spell_out
from advisor.web.inputs import (
    BY_KEY,
    FIRST,
    INPUTS,
    MORE_DETAIL,
    STARTING_VALUES,
)
from advisor.wording import PLATFORM_NAMES, PLATFORM_TITLES, plan_together

form = Blueprint("form", __name__)

# Everything comes from this origin; no inline script or style, no plugins, no framing, forms post here only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
FORM_TYPE = "application/x-www-form-urlencoded"
# Browsers and gunicorn (limit_request_line) both cope with a request line this long.
MAX_PERMALINK = 4000
# Far more than the form has (30 fields for the profile and each of 64 components), far less than would hurt.
MAX_FORM_FIELDS = 4000
DOWNLOADS = ("profile", "markdown", *KINDS, BUNDLE)


@form.app_template_filter("plain")
def _plain(value: Any) -> str:
    return plain(value)


@form.app_template_filter("basename")
def _basename(path: str) -> str:
    return PurePath(path).name


@form.app_template_filter("effect")
def effect_text(score: Mapping[Any, int] | None, forbid: Sequence[str] | None = None) -> str:
    """What a rule does, in short: '+4 vm, -3 container; rules out container'."""
    points = ", ".join(f"{value:+d} {platform}" for platform, value in (score or {}).items() if value)
    ruled_out = f"rules out {', '.join(forbid)}" if forbid else ""
    return "; ".join(part for part in (points, ruled_out) if part)


def rule_link(rule_id: str) -> str | None:
    """Where the rules page shows a rule in force, or None for an id that is not a rule of the set."""
    try:
        ruleset = live_rules()
    except NotReady:
        return None
    if ruleset.get(rule_id) is None:
        return None
    # A page links the same rules again and again (reasons, why-nots, suggestions): each address is built once
    # per rule set and application root.
    links = ruleset.memo.setdefault("rule_links", {})
    key = (request.script_root, rule_id)
    link = links.get(key)
    if link is None:
        link = url_for("form.rules_page", q=rule_id) + "#" + rule_id
        if len(links) < 4 * len(ruleset.rules):  # bounded, whatever application roots requests claim
            links[key] = link
    return link


# The addresses every page links to (its style, script and icon, the site's pages), by the name templates use.
PAGE_LINKS: dict[str, tuple[str, dict[str, Any]]] = {
    "icon": ("static", {"filename": "favicon.svg"}),
    "style": ("static", {"filename": "advisor.css"}),
    "script": ("static", {"filename": "advisor.js"}),
    "ask": ("form.ask", {}),
    "rules": ("form.rules_page", {}),
    "docs": ("reference.docs", {}),
    "assess": ("assessments.assess", {}),
    **{f"download-{name}": ("form.download_file", {"artifact": name}) for name in DOWNLOADS},
}


@form.app_template_global("links")
def page_links() -> dict[str, str]:
    """PAGE_LINKS' addresses under this request's application root, built once per root: url_for costs tens of
    microseconds, and a result page wrote some twenty of them."""
    built = current_app.extensions.setdefault("advisor.page_links", {})
    links = built.get(request.script_root)
    if links is None:
        links = {name: url_for(endpoint, **values) for name, (endpoint, values) in PAGE_LINKS.items()}
        if len(built) < 16:  # bounded, whatever application roots requests claim
            built[request.script_root] = links
    return links


@form.after_request
def page_headers(response: Response) -> Response:
    """The headers of every page: its CSP, no sniffing, no referrer."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A permalink carries the whole profile: it is not sent on to the documentation the reasons link to.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _form_fields() -> MultiDict[str, str]:
    """The fields of a urlencoded POST, read with the API's body limit."""
    if request.mimetype != FORM_TYPE:
        given = f"'{request.mimetype}'" if request.mimetype else "no Content-Type"
        raise UnsupportedMediaType(f"send the form as {FORM_TYPE}, not {given}")
    try:
        text = request_body().decode("ascii")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError as exc:  # browsers percent-encode UTF-8; anything else is not a form they sent
        raise BadRequest(f"the form is not percent-encoded UTF-8 (byte {exc.start}: {exc.reason})") from None
    except ValueError as exc:
        raise BadRequest(f"the form could not be read: {exc}") from None
    return MultiDict(pairs)


def _page(
    state: FormState,
    result: Recommendation | None = None,
    status: int = 200,
    permalink: str | None = None,
    **extra: Any,
) -> Response:
    """The form's page; `permalink` is the state's permalink, when the caller has made it already."""
    if result is not None and state.profile is not None:
        extra["view"] = _result_view(state, state.profile, result, permalink)
    extra.setdefault("too_long", False)
    html = render_template(
        "index.html",
        state=state,
        values={**STARTING_VALUES, **state.values},
        max_permalink=MAX_PERMALINK,
        result=result,
        error_list=_error_list(state),
        platform_names=PLATFORM_NAMES,
        platform_titles=PLATFORM_TITLES,
        **extra,
    )
    return Response(html, status=status, mimetype="text/html")


def _error_list(state: FormState) -> list[tuple[str, str, str]]:
    """Each problem as (input key, what the user calls the input, message), in the order of the form."""
    if not state.errors:
        return []  # a result page: nothing to list, and the form's order is not worked out for nothing
    shown = [INPUTS[0], *FIRST, *(f for _, fields in MORE_DETAIL for f in fields)]  # the form's order
    order = {f.key: i for i, f in enumerate(shown)}

    def label(key: str) -> str:
        parts = key.split(".")
        if parts[0] == "components" and len(parts) > 2:
            inner = ".".join(parts[2:])
            field_ = BY_KEY.get(inner)
            return f"Component {int(parts[1]) + 1}: {field_.label if field_ else inner}"
        field_ = BY_KEY.get(key)
        return field_.label if field_ else key.capitalize()

    def position(key: str) -> tuple[int, int, int]:
        parts = key.split(".")
        if parts[0] == "components":
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
            return (1, index, order.get(".".join(parts[2:]), -1))
        return (0, 0, order.get(key, -1))

    return [(key, label(key), msg) for key in sorted(state.errors, key=position) for msg in state.errors[key]]


def _answer(state: FormState) -> tuple[Recommendation | None, int, dict[str, Any]]:
    """The recommendation for the state's profile, or why there is none (status and page extras)."""
    if state.profile is None:
        return None, (400 if state.errors else 200), {}
    try:
        # Without with_starters: the page offers each part's files as buttons, worked out by kind (_starters);
        # the file names the plan of the JSON answer lists are not on it, and were worked out for nothing.
        return recommend(state.profile, live_rules()), 200, {}
    except NoPlatformFits as exc:
        state.error("", str(exc))
        return None, 422, {}
    except NotReady:
        return None, 503, {"not_ready": True}


@form.get("/")
def ask() -> Response:
    """The form; with a profile in the query (a permalink), the form filled in and its result."""
    state = read_form(request.args, exact=True) if is_form_query(request.args) else FormState()
    spell_out(state)
    result, status, extra = _answer(state)
    return _page(state, result, status, **extra)


@form.post("/")
def submit() -> Response:
    """A submitted form: its result page, the form with one component more or less, or errors.

    The result is answered at once, not by a redirect to its permalink (Post/Redirect/Get): that cost a second
    request for every answer. The page is the permalink's own, byte for byte, and its script puts the permalink
    in the address bar (history.replaceState), so reloading asks for the permalink and does not post again.
    """
    state = read_form(_form_fields())
    if state.profile is not None:
        pairs = permalink_query(state.profile, state.given())
        permalink = page_links()["ask"] + "?" + query_text(pairs)
        if len(permalink) <= MAX_PERMALINK:
            # The permalink's page: its form holds what the permalink holds, as a reload would show it. Read
            # back, the permalink usually comes to the same data, and then the profile is not validated again.
            posted = state
            state = read_form(MultiDict(pairs), exact=True, reuse=posted)
            spell_out(state)
            result, status, extra = _answer(state)
            # The page links to the permalink it was read back from when that gave the posted profile itself.
            response = _page(state, result, status, permalink if state.profile is posted.profile else None, **extra)
            if status == 200:  # this page's own address, where a script used to find it in the 303's Location
                response.headers["Content-Location"] = permalink
            return response
    result, status, extra = _answer(state)
    return _page(state, result, status, too_long=state.profile is not None, **extra)


@form.post("/download/<artifact>")
def download_file(artifact: str) -> Response:
    """One file of a shown result: the profile's YAML, the result's Markdown, a starter file or the zip."""
    if artifact not in DOWNLOADS:
        raise NotFound(f"no download '{artifact}'; choose one of {', '.join(DOWNLOADS)}")
    fields = _form_fields()
    profile = parse_profile_json(fields.get("profile", ""))
    if artifact == "profile":
        return download(profile_yaml(profile).encode(), "application/yaml", f"{profile.name}.yaml")
    if artifact == "markdown":
        text = as_markdown([with_starters(profile, recommend(profile, live_rules()))])
        return download(text.encode(), "text/markdown; charset=utf-8", f"{profile.name}-advice.md")
    return starter_file(artifact, profile, fields.get("component") or None)


def profile_yaml(profile: WorkloadProfile) -> str:
    """The profile as YAML, with only the fields it sets: what `advisor recommend` and the API read."""
    return yaml.safe_dump(profile.given(), sort_keys=False, allow_unicode=True, width=100)


def profile_json(profile: WorkloadProfile, given: dict[str, Any] | None = None) -> str:
    """The profile as compact JSON, with only the fields it sets (`given`, when the caller has them already)."""
    return json.dumps(profile.given() if given is None else given, ensure_ascii=False, separators=(",", ":"))


def curl_command(profile: WorkloadProfile, text: str | None = None) -> str:
    """A shell command that asks the API for the same result (`text`: the profile's JSON, if made already)."""
    url = current_app.config["PUBLIC_URL"] + "/v1/recommendations"  # never the client's Host header
    body = profile_json(profile) if text is None else text
    return f"curl -sS -H 'Content-Type: application/json' --data-binary {shlex.quote(body)} {url}"


def download_name(kind: StarterKind, part: str, estate: bool) -> str:
    """The name a starter file downloads as: per component in an estate (storefront.Dockerfile, a name
    `docker build -f` takes), the kind's own name for a single workload."""
    name = kind.file_name.format(name=part)
    return f"{part}.{name}" if estate and part not in name else name


def confidence_reason(result: Recommendation) -> str:
    """Why the answer has the confidence it has, in one line."""
    if result.components:
        lowest = min(result.components, key=lambda c: CONFIDENCE_ORDER.index(c.confidence))
        if all(c.confidence == lowest.confidence for c in result.components):  # no one part is the least sure
            return f"Every part is {lowest.confidence}: an estate is as sure as its least certain part."
        return (
            f"An estate is as sure as its least certain part: {lowest.name} is {lowest.confidence} "
            f"({PLATFORM_NAMES[lowest.platform]}, by {_margin(lowest)} points over the next platform it could use)."
        )
    return f"{PLATFORM_TITLES[result.platform]}, by {_margin(result)} points over the next platform it could use " + (
        f"(high from {HIGH_MARGIN}, medium from {MEDIUM_MARGIN})."
    )


def _margin(result: Recommendation | ComponentResult) -> str:
    allowed = [a.score for a in result.alternatives if not a.forbidden]
    return str(result.scores[result.platform] - max(allowed)) if allowed else "any number of"


def score_chart(scores: dict[Platform, int], chosen: str, forbidden: set[Platform]) -> dict[str, Any]:
    """Geometry for a horizontal bar per platform, drawn from a zero line so negative scores go left.

    Each score is written just right of its bar's far end (of the zero line for a negative bar), so no
    number ever lands on the platform names at the left.
    """
    width, label_width, text_room, bar_height, gap = 400, 92, 110, 24, 10
    low, high = min(0, *scores.values()), max(0, *scores.values())
    span = (high - low) or 1
    plot = width - label_width - 8 - text_room
    zero = label_width + 8 + plot * (-low / span)
    # A ruled-out platform cannot win, so its bar is drawn no longer than the best platform that could have
    # (its real score is still written beside it): the eye is not drawn to what is not on offer.
    allowed = [scores[p] for p in PLATFORMS if p != chosen and p not in forbidden]
    cap = max(allowed) if allowed else 0
    bars = []
    for index, platform in enumerate(PLATFORMS):
        score = scores[platform]
        drawn = min(score, max(cap, 0)) if platform in forbidden and score > 0 else score
        length = plot * abs(drawn) / span
        x = zero if drawn >= 0 else zero - length
        y = index * (bar_height + gap)
        bar_width = max(length, 1)
        text_x = zero + (length if drawn > 0 else 0) + 6
        bars.append(
            {
                "platform": platform,
                "score": score,
                "x": x,
                "y": y,
                "width": bar_width,
                "height": bar_height,
                "text_x": text_x,
                "text": f"{score} (ruled out)" if platform in forbidden else str(score),
                "kind": "chosen" if platform == chosen else "forbidden" if platform in forbidden else "other",
                # What the SVG writes, worked out here rather than by filters in the template: positions to
                # one decimal, and the text's baseline.
                "x_shown": f"{x:.1f}",
                "width_shown": f"{bar_width:.1f}",
                "text_x_shown": f"{text_x:.1f}",
                "baseline": y + bar_height * 0.68,
            }
        )
    return {
        "width": width,
        "height": len(PLATFORMS) * (bar_height + gap) - gap,
        "zero": zero,
        "zero_shown": f"{zero:.1f}",
        "label_width": label_width,
        "label_x": label_width - 8,
        "bars": bars,
        "summary": ", ".join(f"{p} {scores[p]}" + (" (ruled out)" if p in forbidden else "") for p in PLATFORMS),
    }


def _starters(profile: WorkloadProfile, result: Recommendation) -> dict[str, list[StarterKind]]:
    """The starter buttons of each part (by component name, "" for a profile without components).

    Every file offered can be made: the profile model has already refused a guest OS that does not fit.
    """
    buttons: dict[str, list[StarterKind]] = {}
    parts = [(c.name, profile.component_profile(c)) for c in profile.components]
    for name, part in parts or [("", profile)]:
        verdict = verdict_of(profile, result, name or None)
        # Only the files that fit the part's verdict and its host: no Dockerfile where containers are ruled out.
        # A file of the whole estate (compose.yaml) is not one part's.
        buttons[name] = [k for k in KINDS.values() if not (parts and k.whole_profile) and k.offered(part, verdict)]
    if parts:  # the estate's own files, beside the parts': offered on the whole profile
        verdict = verdict_of(profile, result, None)
        buttons[""] = [k for k in KINDS.values() if k.whole_profile and k.offered(profile, verdict)]
    return buttons


def bundle_text(starters: dict[str, list[StarterKind]], estate: bool) -> str:
    """What this result's bundle holds, in the registry's words: the kinds offered above (not every kind there
    is, which read as if a VM's bundle held a Dockerfile), and its README."""
    offered = {kind.name for kinds in starters.values() for kind in kinds}
    kinds = [kind.bundle_text for kind in KINDS.values() if kind.name in offered]
    held = "; ".join([*kinds, "a README of next steps"])
    return f"The bundle holds {held}" + (". Each part's files are in a folder named for it." if estate else ".")


def _result_view(
    state: FormState, profile: WorkloadProfile, result: Recommendation, permalink: str | None = None
) -> dict[str, Any]:
    forbidden = {a.platform for a in result.alternatives if a.forbidden}
    estate = bool(result.components)
    starters = _starters(profile, result)
    given = state.given()  # the profile as data, once for the hidden input, the curl command and the permalink
    text = profile_json(profile, given)
    links = page_links()
    return {
        "starters": starters,
        "bundle_text": bundle_text(starters, estate),
        "chart": score_chart(result.scores, result.platform, forbidden),
        "component_charts": {
            c.name: score_chart(c.scores, c.platform, {a.platform for a in c.alternatives if a.forbidden})
            for c in result.components
        },
        "confidence_reason": confidence_reason(result),
        "plan_together": plan_together(result.plan) if result.plan else "",
        # The name of each file a part's buttons offer (those of its starters, not every kind there is).
        "download_names": {
            part.name: {
                kind.name: download_name(kind, part.name, estate) for kind in starters[part.name if estate else ""]
            }
            for part in (result.plan.parts if result.plan else [])
        },
        "flip_words": {c.name: flip_words(c) for c in result.components} | {"": flip_words(result)},
        # Each download's address, built once for the page's many buttons.
        "download_urls": {name: links[f"download-{name}"] for name in DOWNLOADS},
        "profile_json": text,
        "curl": curl_command(profile, text),
        # Relative: the browser resolves it against the address it used; the Host header is never echoed.
        "permalink": permalink or links["ask"] + "?" + query_text(permalink_query(profile, given)),
    }


@form.get("/rules")
def rules_page() -> Response:
    """Every rule in force, searchable by id or text, each with its reason and links."""
    try:
        ruleset: RuleSet | None = live_rules()
    except NotReady:
        ruleset = None
    query = request.args.get("q", "").strip()[:200]
    words = query.lower().split()
    rules = []
    if ruleset is not None:
        for compiled in ruleset.rules:
            data = rule_data(ruleset, compiled.rule.id)
            when = yaml.safe_dump(data.get("when"), sort_keys=False, width=90)
            text = search_text(data, when)
            # Every rule is on the page, those the search leaves out hidden: typing a new search (the script
            # filters as you type) can find any of them again.
            rules.append({**data, "when_yaml": when, "search": text, "found": all(w in text for w in words)})
    html = render_template("rules.html", ruleset=ruleset, rules=rules, query=query)
    return Response(html, status=200 if ruleset is not None else 503, mimetype="text/html")


def search_text(data: dict[str, Any], when: str) -> str:
    """What a search looks in, lowercased: what the rules page shows of a rule, and nothing it does not.

    The id, title, effect ('+4 vm; rules out container'), reason, note, suggestions, sources and the
    condition as shown (`when`). The page carries it on each rule, so the script's filter as you type finds
    what the Search button finds.
    """
    suggestions = [f"{s['name']} ({s['role']})" for s in data.get("suggest", [])]
    shown = [data["id"], data["title"], effect_text(data.get("score"), data.get("forbid")), data["because"]]
    shown += [data.get("note") or "", *suggestions, *data["links"], when]
    return " ".join(" ".join(shown).lower().split())  # one line: words are matched, not layout
