"""What the result page shows of a result, worked out in Python once instead of in template loops.

Jinja spends microseconds on every attribute, filter and macro call; the result page made hundreds of them
to name a rule (a macro per id) and to sort each platform's why-nots (filters over nested loops). The same
words come out, byte for byte (tests/test_pages_unchanged.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, get_template_attribute, request
from markupsafe import Markup

from advisor.models import ComponentResult, Reason, Recommendation, WhyNot
from advisor.web.api import NotReady, live_rules
from advisor.web.form import rule_link

result_view = Blueprint("result_view", __name__)

_LINKED = Markup('<a class="rule-id" href="{}"><code>{}</code></a>')
_UNLINKED = Markup('<span class="rule-id"><code>{}</code></span>')


class PageRules:
    """The rule references and reason items of a page, kept with the rule set by what they show: a page names the
    same rules again and again (reasons, why-nots, defaults), and so does the next page. The rule set's memo and
    the application root are looked up once, when it is made: a detail names some twenty rules, and each lookup
    of the rule set and the request cost as much as the reference it found."""

    def __init__(self) -> None:
        try:
            memo = live_rules().memo
        except NotReady:
            memo = {}
        self.refs: dict[tuple[str, str], Markup] = memo.setdefault("rule_refs", {})
        self.items: dict[tuple[Any, ...], Markup] = memo.setdefault("reason_items", {})
        self.root = request.script_root

    def ref(self, rule_id: str) -> Markup:
        """A rule id, linked to the rules page when it names a rule there (the engine's own reasons, such as
        "components", are not rules)."""
        key = (self.root, rule_id)
        shown = self.refs.get(key)
        if shown is None:
            href = rule_link(rule_id)
            shown = _LINKED.format(href, rule_id) if href else _UNLINKED.format(rule_id)
            if len(self.refs) < 4096:  # bounded, whatever application roots requests claim
                self.refs[key] = shown
        return shown

    def reason(self, reason: Reason) -> Markup:
        """One reason as the result page lists it (macros.html's reason_item). A rule's reason is the same on
        every page, so its item is kept by what it shows (a reason the engine words for one estate is kept
        apart from a rule's by its words)."""
        key = (
            self.root,
            reason.rule,
            reason.title,
            reason.because,
            tuple(reason.links),
            tuple(reason.effect.score.items()),
            tuple(reason.effect.forbid),
        )
        shown = self.items.get(key)
        if shown is None:
            shown = get_template_attribute("macros.html", "reason_item")(reason)
            if len(self.items) < 4096:  # bounded, whatever estates and application roots requests bring
                self.items[key] = shown
        return shown


@result_view.app_template_global("rule_ref")
def rule_ref(rule_id: str) -> Markup:
    """PageRules().ref(rule_id), for the templates (macros.html's reason_item)."""
    return PageRules().ref(rule_id)


@dataclass(frozen=True)
class WhyNotRow:
    """One platform not chosen, as the "Why not the others" list shows it: each rule is named once there."""

    named: list[str]  # rules given above as reasons, referred to by id
    others: list[WhyNot]  # rules spelled out here, with their reason
    again: list[WhyNot]  # rules already named against an earlier platform of the list


@dataclass(frozen=True)
class DetailView:
    """What the detail of one result (the profile's or a component's) needs beyond the result itself."""

    why_nots: list[WhyNotRow]  # one per alternative, in order
    ruled_out: list[str]  # the platforms a rule forbade
    relied: list[str]  # the rules that used a default, each once, in order


def detail_view(result: Recommendation | ComponentResult) -> DetailView:
    """The why-nots sorted for the list, the ruled-out platforms and the rules that rest on defaults."""
    relied: dict[str, None] = {}
    for assumption in result.assumptions:
        relied.update(dict.fromkeys(assumption.rules))
    return DetailView(
        why_nots=why_not_rows(result),
        ruled_out=[a.platform for a in result.alternatives if a.forbidden],
        relied=list(relied),
    )


def why_not_rows(result: Recommendation | ComponentResult) -> list[WhyNotRow]:
    """For each alternative in order: the rules named above, those spelled out, and how many were named earlier."""
    shown = {reason.rule for reason in result.rationale}
    earlier: set[str] = set()
    rows = []
    for alternative in result.alternatives:
        fresh = [w for w in alternative.why_not if w.rule not in earlier]
        named: list[str] = []
        seen: set[str] = set()
        for w in fresh:  # unique as Jinja's filter was: the first of each id, case aside
            if w.rule in shown and w.rule.lower() not in seen:
                named.append(w.rule)
                seen.add(w.rule.lower())
        others = [w for w in fresh if w.rule not in shown]
        rows.append(WhyNotRow(named, others, [w for w in alternative.why_not if w.rule in earlier]))
        earlier.update(w.rule for w in alternative.why_not)
    return rows
