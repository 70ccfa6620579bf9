"""The estate plan: one model, built by the engine, shown by every door (JSON, text, Markdown, the API, adr new).

Per part: its platform, what to run it on, the starter files that fit its verdict (named per component), and
its share of the host; together: the combined need against the host and how many such hosts it takes.
"""

from __future__ import annotations

import datetime
import json
import math

import pytest

from advisor.cli import cli
from advisor.engine.decide import recommend
from advisor.generators.adr import make_adr
from advisor.generators.registry import with_starters
from advisor.models import WorkloadProfile

# The three teams of issue 16.
ERP = {
    "name": "erp",
    "host": {"os": "linux", "cpus": 32, "memory_gib": 128},
    "workload": {"os": ["windows"], "legacy": True, "gui": True},
    "scale": {"instances": 2},
    "resources": {"cpus": 3.5, "memory_gib": 12},
}
MICROSERVICES = {
    "name": "shop-services",
    "host": {"os": "linux", "cloud": "aws", "cpus": 16, "memory_gib": 32},
    "workload": {"architecture": "microservices", "runtime": "go"},
    "scale": {"instances": 30, "elasticity": "bursty"},
    "resources": {"cpus": 0.5, "memory_gib": 0.5},
}
ESTATE = {
    "name": "retail",
    "host": {"os": "linux", "cpus": 16, "memory_gib": 64},
    "components": [
        {
            "name": "storefront",
            "workload": {"architecture": "microservices", "runtime": "node"},
            "scale": {"instances": 6},
        },
        {
            "name": "back-office",
            "workload": {"os": ["windows"], "legacy": True, "gui": True},
            "scale": {"instances": 2},
            "resources": {"cpus": 2, "memory_gib": 8},
        },
        {
            "name": "training",
            "workload": {"architecture": "batch"},
            "hardware": {"gpu": True},
            "scale": {"instances": 1},
            "resources": {"cpus": 4, "memory_gib": 16},
        },
    ],
}


def planned(ruleset, data):
    profile = WorkloadProfile.model_validate(data)
    return profile, with_starters(profile, recommend(profile, ruleset))


def test_a_single_workload_is_an_estate_of_one(ruleset):
    _, result = planned(ruleset, ERP)
    (part,) = result.plan.parts
    assert (part.name, part.platform) == ("erp", result.platform) == ("erp", "vm")
    # Each VM holds whole vCPUs (3.5 -> 4) and its Windows guest OS's 2 GiB beside the application's 12.
    assert (part.need.cpus, part.need.memory_gib) == (2 * 4, 2 * (12 + 2))
    assert part.share == round(max(8 / 32, 28 / 128), 3)
    assert part.run_on == [t.name for t in result.technologies]
    assert result.plan.fits is True and result.plan.hosts_needed == 1


def test_no_starter_file_for_a_ruled_out_platform(ruleset):
    """The Windows ERP on a Linux host: containers are ruled out, so no Dockerfile is planned."""
    _, result = planned(ruleset, ERP)
    assert next(a for a in result.alternatives if a.platform == "container").forbidden
    assert result.plan.parts[0].starters == ["erp.xml"]


def test_containers_are_packed_and_their_files_named_for_the_workload(ruleset):
    _, result = planned(ruleset, MICROSERVICES)
    (part,) = result.plan.parts
    assert part.platform == "container"
    assert (part.need.cpus, part.need.memory_gib) == (15, 15)  # 30 x 0.5 core and 0.5 GiB, no guest OS
    # Every kind that fits a container verdict: the image, its manifests and a one-host Compose file.
    assert part.starters == ["Dockerfile", ".dockerignore", "shop-services.kubernetes.yaml", "compose.yaml"]


def test_an_estate_plans_each_component_on_its_own_platform_with_files_in_its_folder(ruleset):
    _, result = planned(ruleset, ESTATE)
    parts = {part.name: part for part in result.plan.parts}
    assert list(parts) == ["storefront", "back-office", "training"]
    for component in result.components:
        assert parts[component.name].platform == component.platform
        for path in parts[component.name].starters:
            assert path.startswith(component.name + "/")
    assert parts["back-office"].platform == "vm"
    assert not [p for p in parts["back-office"].starters if "Dockerfile" in p]
    assert "storefront/Dockerfile" in parts["storefront"].starters
    need = result.plan.need
    assert need.cpus == sum(p.need.cpus for p in parts.values())
    assert need.memory_gib == sum(p.need.memory_gib for p in parts.values())


def test_an_estate_too_big_for_its_host_says_how_many_hosts(ruleset):
    data = {**ESTATE, "host": {"os": "linux", "cpus": 4, "memory_gib": 16}}
    _, result = planned(ruleset, data)
    need = result.plan.need
    expected = max(math.ceil(need.cpus / 4), math.ceil(need.memory_gib / 16))
    assert expected > 1
    assert result.plan.fits is False and result.plan.hosts_needed == expected


def test_an_unknown_host_size_leaves_shares_and_fit_unknown(ruleset):
    _, result = planned(ruleset, {**ESTATE, "host": {"os": "linux"}})
    assert result.plan.host is None and result.plan.fits is None and result.plan.hosts_needed is None
    assert {part.share for part in result.plan.parts} == {None}


def test_the_plan_is_added_after_every_existing_key(runner, tmp_path):
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(ESTATE), encoding="utf-8")
    done = runner.invoke(cli, ["recommend", "--format", "json", str(path)])
    data = json.loads(done.stdout)
    assert list(data) == [
        *("name", "platform", "confidence", "confidence_set_by", "scores", "rationale", "against", "alternatives"),
        *("technologies", "notes"),
        *("capacity", "components", "assumptions", "flips", "ruleset", "plan"),
    ]
    assert data["plan"]["parts"][0]["starters"][:2] == ["storefront/Dockerfile", "storefront/.dockerignore"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_show_the_plan(runner, tmp_path, fmt):
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(ESTATE), encoding="utf-8")
    out = runner.invoke(cli, ["recommend", "--format", fmt, str(path)]).stdout
    plan = out[out.index("Plan") :].replace("\\", "")  # Markdown escapes: back\-office
    for name in ("storefront", "back-office", "training"):
        assert name in plan
    assert "storefront/Dockerfile" in plan and "Together they need" in plan


def test_the_api_answers_with_the_plan_and_its_files(api):
    response = api.post("/v1/recommendations", data=json.dumps(ESTATE), content_type="application/json")
    plan = response.get_json()["plan"]
    assert [part["name"] for part in plan["parts"]] == ["storefront", "back-office", "training"]
    assert all(path.startswith("back-office/") for path in plan["parts"][1]["starters"])


def test_a_decision_record_holds_the_plan(ruleset):
    profile, result = planned(ruleset, ESTATE)
    record = make_adr(profile, result, date=datetime.date(2026, 1, 1)).content
    plan = record[record.index("### Plan") :]
    assert "| storefront | containers |" in plan and "Together they need" in plan
