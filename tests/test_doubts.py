"""Answers show their doubts: the rules against the chosen platform, in every format, and who set an estate's
confidence."""

from __future__ import annotations

import json

import lxml.html

from advisor.engine.decide import recommend
from advisor.models import WorkloadProfile
from advisor.output import FORMATTERS

# Hybrid wins (new services around a legacy core), yet the legacy part and the compliance regime lean to VMs.
CLOSE_CALL = {
    "name": "erp-modernised",
    "host": {"os": "linux"},
    "workload": {"architecture": "microservices", "legacy": True},
    "security": {"compliance": ["pci-dss"]},
}


def test_the_rules_against_the_answer_are_listed_strongest_first(ruleset):
    result = recommend(WorkloadProfile.model_validate(CLOSE_CALL), ruleset)
    assert result.platform == "hybrid" and result.confidence == "low"
    assert [(a.rule, a.favours) for a in result.against] == [
        ("legacy-application", "vm"),
        ("regulated-workload", "vm"),
    ]
    assert result.against[0].effect.score == {"vm": 4, "container": -1}


def test_a_clear_answer_has_no_doubts_from_rules_that_support_it(ruleset):
    result = recommend(WorkloadProfile.model_validate({"name": "api", "host": {"os": "linux"}}), ruleset)
    assert result.platform == "container"
    assert all(a.effect.score.get("container", 0) < 0 or a.favours for a in result.against)
    assert "linux-containers-on-linux-host" not in [a.rule for a in result.against]


def test_text_markdown_and_json_show_the_doubts_next_to_why(ruleset):
    result = recommend(WorkloadProfile.model_validate(CLOSE_CALL), ruleset)
    text = FORMATTERS["text"]([result])
    assert text.index("Why") < text.index("What counts against it") < text.index("Why not the others")
    assert "[legacy-application]" in text.split("What counts against it")[1].split("Why not")[0]
    markdown = FORMATTERS["markdown"]([result])
    assert "## What counts against it" in markdown and "(`legacy-application`)" in markdown
    data = json.loads(FORMATTERS["json"]([result]))
    assert [a["rule"] for a in data["against"]] == ["legacy-application", "regulated-workload"]


def test_the_page_shows_the_doubts(api):
    query = {
        "name": "erp",
        "host.os": "linux",
        "workload.architecture": "microservices",
        "workload.legacy": "yes",
        "security.compliance": "pci-dss",
    }
    page = lxml.html.fromstring(api.get("/", query_string=query).get_data(as_text=True))
    items = page.cssselect("ul.against > li")
    assert items and "Legacy applications move to VMs unchanged" in items[0].text_content()
    # Beside "why": in the same section as the reasons, right after them and what to build with.
    (title,) = page.cssselect("p.against-title")
    assert title.text_content() == "What counts against it"
    section = title.getparent()
    assert section.cssselect("ol.reasons") and section.cssselect("ul.against")[0] is items[0].getparent()
    order = [el for el in section.iter() if el.tag in ("ol", "p", "ul")]
    assert order.index(section.cssselect("ol.reasons")[0]) < order.index(title) < order.index(items[0].getparent())


def test_an_estate_names_the_component_that_set_its_confidence(ruleset):
    profile = WorkloadProfile.model_validate(
        {
            "name": "estate",
            "host": {"os": "linux"},
            "components": [
                {"name": "web", "workload": {"architecture": "microservices"}, "delivery": {"deploys_per_week": 10}},
                {"name": "erp", "workload": {"architecture": "microservices", "legacy": True}},
            ],
        }
    )
    result = recommend(profile, ruleset)
    erp = next(c for c in result.components if c.name == "erp")
    assert result.confidence == erp.confidence == "low" and result.confidence_set_by == "erp"
    assert "set by erp" in FORMATTERS["text"]([result]).splitlines()[0]
    # The estate's doubts are its components' doubts.
    assert erp.against and {a.rule for a in erp.against} <= {a.rule for a in result.against}
