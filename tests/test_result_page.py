"""The result page for the three teams of issue 16, in Debian's chromium: a Windows ERP on a Linux host, 30 Linux
microservices on AWS, and an estate of a storefront, a Windows back office and a GPU training job.

Each result is opened as the form gives it (its permalink, the address the form's answer redirects to) on a
desktop (1280x800) and a phone (390x844): the verdict, the confidence with its reason, the plan and its
starter files are on the first screen; the detail is folded; no rule id is listed twice in one section; no
file is offered for a ruled-out platform; an estate's files are named per component. Screenshots go to
.artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe

from advisor.models import WorkloadProfile
from advisor.web.formdata import permalink_query
from tests.support import PHONE, ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
TEAMS = {
    "windows-erp": {
        "name": "erp",
        "host": {"os": "linux", "cpus": 32, "memory_gib": 128},
        "workload": {"os": ["windows"], "legacy": True, "gui": True},
        "scale": {"instances": 2},
        "resources": {"cpus": 4, "memory_gib": 12},
    },
    "microservices": {
        "name": "shop-services",
        "host": {"os": "linux", "cloud": "aws", "cpus": 16, "memory_gib": 64},
        "workload": {"architecture": "microservices", "runtime": "go"},
        "scale": {"instances": 30, "elasticity": "bursty"},
        "resources": {"cpus": 0.25, "memory_gib": 0.5},
    },
    "estate": {
        "name": "retail",
        "host": {"os": "linux", "cpus": 32, "memory_gib": 128},
        "components": [
            {"name": "storefront", "workload": {"architecture": "microservices", "runtime": "node"}},
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
                "resources": {"cpus": 8, "memory_gib": 32},
            },
        ],
    },
}


def address(team: str) -> str:
    return "/?" + urlencode(permalink_query(WorkloadProfile.model_validate(TEAMS[team])))


@pytest.fixture
def opened(browser, live_server):
    contexts = []

    def open_result(team: str, viewport: str):
        options = {"viewport": VIEWPORTS[viewport]}
        if viewport == "phone":
            options |= {"is_mobile": True, "has_touch": True}
        context = browser.new_context(bypass_csp=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server + address(team))
        return page

    yield open_result
    for context in contexts:
        context.close()


def on_first_screen(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("team", list(TEAMS))
def test_the_summary_and_the_plan_are_on_the_first_screen(opened, team, viewport):
    page = opened(team, viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"issue16-{team}-{viewport}.png"))
    page.screenshot(path=str(SCREENSHOTS / f"issue16-{team}-{viewport}-full.png"), full_page=True)
    for selector in (".result .verdict .platform", ".result .confidence-reason", "table.plan", "table.plan .starters"):
        assert on_first_screen(page, selector), f"{selector} is not on the first screen"
    # Every detail is folded: the page opens on the summary.
    assert page.locator(".result details[open]").count() == 0


def test_the_estate_page_is_short_on_a_desktop(opened):
    page = opened("estate", "desktop")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 6000, height


@pytest.mark.parametrize("team", list(TEAMS))
def test_no_rule_id_is_listed_twice_in_one_section(opened, team):
    page = opened(team, "desktop")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    sections = page.evaluate(
        """() => [...document.querySelectorAll('.result details.detail')].map(d =>
            [d.id, [...d.querySelectorAll('.rule-id')].map(e => e.textContent.trim())])"""
    )
    assert sections
    for section, ids in sections:
        assert len(ids) == len(set(ids)), (section, ids)


def test_no_file_for_a_ruled_out_platform(opened):
    page = opened("windows-erp", "desktop")
    files = page.locator("table.plan .starters button").all_text_contents()
    assert files == ["erp.xml"]
    assert "ruled out" in page.locator("#why-not").text_content()


def test_an_estate_names_its_files_per_component(opened):
    page = opened("estate", "desktop")
    rows = {
        row.locator("th").text_content().split()[0]: row.locator(".starters button").all_text_contents()
        for row in page.locator("table.plan tbody tr").all()
    }
    # Its LXC config, and the manifests for a Kubernetes estate; the VM beside them gets a KubeVirt VM too.
    assert rows["storefront"] == ["storefront.Dockerfile", "storefront.conf", "storefront.kubernetes.yaml"]
    assert rows["back-office"] == ["back-office.xml", "back-office.kubevirt.yaml"]
    assert not [name for name in rows["back-office"] if "Dockerfile" in name]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Dockerfile for storefront").click()
    assert download.value.suggested_filename == "storefront.Dockerfile"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_estate_page_is_axe_clean_with_every_detail_open(opened, viewport):
    page = opened("estate", viewport)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    violations = Axe().run(page, options=options).response["violations"]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
