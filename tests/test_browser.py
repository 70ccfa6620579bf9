"""The web form in a real browser: Debian's chromium, driven by playwright, against a live gunicorn.

A person's path through the pages: fill the form, ask, read the result, download its files, share the
permalink, fix field errors, search the rules; with JavaScript and without, on a desktop and on a phone.
Expected answers come from the engine itself (`recommend` on the profile typed), never from the pages.
Screenshots of the pages go to .artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import yaml

from advisor.engine.decide import recommend
from advisor.engine.loader import load_rules
from advisor.errors import InvalidInput
from advisor.generators.bundle import make_bundle
from advisor.generators.registry import KINDS, verdict_of, with_starters
from advisor.models import Recommendation, WorkloadProfile
from advisor.output.markdown import as_markdown
from advisor.profiles import component_part, validate_profile
from advisor.wording import PLATFORM_NAMES
from tests.support import PHONE, ROOT, type_field, type_profile

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Download, Page

pytestmark = [pytest.mark.browser, pytest.mark.live]


def expect(*args: Any, **kwargs: Any) -> Any:
    """playwright's expect, imported when a browser test first asserts (so collecting this module stays cheap)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
# What the page calls each platform (issue 5).
TITLES = {"container": "Containers", "vm": "Virtual machines", "hybrid": "Hybrid: VMs and containers"}
# The only console error a page may log: the status of an error page, which is the page itself.
# How chromium words a blocked script, style or load ("... violates the following Content Security Policy ...").
CSP_VIOLATION = re.compile(r"Content Security Policy|Refused|violates", re.IGNORECASE)
EXPECTED_400 = re.compile(r"^Failed to load resource: the server responded with a status of 400\b")

# Profiles as a person would describe them; each is typed into the form field by field.
CASES: dict[str, dict[str, Any]] = {
    "container": {
        "name": "shop-checkout",
        "host": {"os": "linux", "cpus": 32, "memory_gib": 128},
        "workload": {
            "os": ["linux"],
            "architecture": "microservices",
            "runtime": "python",
            "ports": [8080],
            "health_path": "/healthz",
            "command": ["gunicorn", "--bind", "0.0.0.0:8080", "shop:app"],
        },
        "scale": {"instances": 12, "elasticity": "bursty", "startup_seconds": 5},
        "resources": {"cpus": 0.5, "memory_gib": 0.5, "disk_gib": 2},
        "delivery": {"deploys_per_week": 10},
    },
    "vm": {
        "name": "erp-server",
        "host": {"os": "linux", "cpus": 48, "memory_gib": 256},
        "workload": {
            "os": ["windows"],
            "os_id": "win2k19",
            "legacy": True,
            "runtime": "dotnet",
            "ports": [443, 1433],
            "virtio_drivers": True,
        },
        "security": {"isolation": "high", "compliance": ["sox"]},
        "scale": {"instances": 2, "startup_seconds": 300},
        "resources": {"cpus": 8, "memory_gib": 48, "disk_gib": 500},
        "delivery": {"deploys_per_week": 0.25},
    },
    "hybrid": {
        "name": "retail-estate",
        "host": {"os": "linux", "cpus": 64, "memory_gib": 256},
        "components": [
            {
                "name": "storefront",
                "workload": {"architecture": "microservices", "runtime": "node", "ports": [443]},
                "scale": {"instances": 10, "elasticity": "bursty", "startup_seconds": 5},
                "delivery": {"deploys_per_week": 15},
            },
            {
                "name": "pos-back-office",
                "workload": {"os": ["windows"], "os_id": "win2k22", "legacy": True, "runtime": "dotnet"},
                "security": {"isolation": "high", "compliance": ["pci-dss"]},
            },
        ],
    },
}


# --- The browser and its pages ---


class Pages:
    """Opens pages in fresh browser contexts and keeps every console error and script error they log."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.console_errors: list[str] = []
        self.script_errors: list[str] = []
        self.contexts: list[Any] = []

    def open(self, path: str = "/", *, js: bool = True, viewport: dict[str, int] | None = None) -> Page:
        """A page of the live server in a new context: JavaScript on or off, a desktop or a given viewport."""
        options: dict[str, Any] = {"java_script_enabled": js, "viewport": viewport or {"width": 1280, "height": 900}}
        if viewport == PHONE:
            options |= {"is_mobile": True, "has_touch": True}
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.goto(self.base + path)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def unexpected(self) -> list[str]:
        """Console errors other than an error page's 400, and any script error."""
        return [m for m in self.console_errors if not EXPECTED_400.match(m)] + self.script_errors


@pytest.fixture
def pages(browser: Browser, live_server: str) -> Iterator[Pages]:
    """Pages of the live server; afterwards, no page may have logged a CSP violation or another error."""
    opened = Pages(browser, live_server)
    yield opened
    for context in opened.contexts:
        context.close()
    csp = [m for m in opened.console_errors if CSP_VIOLATION.search(m)]
    assert not csp, f"Content-Security-Policy violations: {csp}"
    assert not opened.unexpected(), f"console or script errors: {opened.unexpected()}"


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page for a person to look at, and the result (or error summary) alone, readable at a glance."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    for selector in ("#result", "#errors"):
        if page.locator(selector).count():
            page.locator(selector).screenshot(path=str(SCREENSHOTS / f"{name}{selector.replace('#', '-')}.png"))
    return path


# --- What the form holds, as a person left it ---


def form_values(page: Page) -> dict[str, Any]:
    """What every input of the form holds: text and choices by name, each checkbox ticked or not."""
    return page.eval_on_selector(
        "#profile",
        """form => {
            const values = {};
            for (const e of form.elements) {
                if (!e.name || ["submit", "button", "hidden"].includes(e.type)) continue;
                if (e.type === "checkbox") values[e.name + "=" + e.value] = e.checked;
                else values[e.name] = e.value;
            }
            return values;
        }""",
    )


def ask(page: Page) -> int:
    """Press "Recommend a platform" and wait for the answer; the status of the page shown."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Recommend a platform").click()
    return navigation.value.status


# --- What the engine says, for comparison ---


@pytest.fixture(scope="module")
def engine() -> Callable[[WorkloadProfile], Recommendation]:
    """The engine's answer for a profile, with the shipped rules the server also loads."""
    rules = load_rules(use_env=False)
    return lambda profile: recommend(profile, rules)


def reasons_shown(scope: Any) -> list[str]:
    """The rule ids of the reasons shown, in order."""
    return scope.locator(":scope > ol.reasons > li.reason .rule-id code").all_text_contents()


def check_verdict(page: Page, result: Any, key: str = "") -> None:
    """A verdict on the page (of the profile, or of a component named by `key`) says what the engine says: its
    summary (the profile's verdict, or a component's folded heading), and its reasons and chart, folded under
    "Why"."""
    if key:
        summary = page.locator(f"details#result-{key} > summary")
        expect(summary).to_contain_text(f"{PLATFORM_NAMES[result.platform]} ({result.confidence} confidence)")
    else:
        scope = page.locator("section#result")
        expect(scope.locator(":scope > .verdict .platform strong")).to_have_text(TITLES[result.platform])
        expect(scope.locator(":scope > .verdict .confidence strong")).to_have_text(result.confidence)
    why = page.locator(f"details#why{'-' + key if key else ''}")
    assert reasons_shown(why) == [reason.rule for reason in result.rationale]
    chart = why.locator(":scope > figure.chart svg")
    expect(chart.locator("rect.bar")).to_have_count(3)
    label = chart.get_attribute("aria-label") or ""
    for platform, score in result.scores.items():
        assert re.search(rf"\b{platform} {score}\b", label), (platform, score, label)


def check_result(page: Page, data: dict[str, Any], result: Recommendation, *, js: bool = True) -> None:
    """The result page shows the engine's answer for the profile typed, and links to its permalink: in the address
    bar too when scripts run (the form's POST is answered at "/", and the page's script puts the permalink there)."""
    permalink = page.locator("a.permalink").get_attribute("href") or ""
    assert re.search(r"^/\?name=" + re.escape(data["name"]) + r"(&|$)", permalink), permalink
    expect(page.locator("section#result")).to_be_visible()
    check_verdict(page, result)
    for component in result.components:
        check_verdict(page, component, component.name)
    address = urlsplit(page.url)
    assert address.path + (f"?{address.query}" if address.query else "") == (permalink if js else "/")


# --- 1. Three answers through the form ---


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_form_gives_the_engines_answer(pages: Pages, engine: Any, case: str) -> None:
    """A profile typed into the form shows, under its permalink, the answer the engine gives for it."""
    data = CASES[case]
    expected = engine(validate_profile(data))
    assert expected.platform == case  # a sanity fact: each case is named for its obvious answer
    page = pages.open()
    type_profile(page, data)
    typed = form_values(page)
    assert ask(page) == 200
    check_result(page, data, expected)
    assert form_values(page) == typed, "the result page's form should hold the profile as typed"
    screenshot(page, case)


def test_reloading_a_result_asks_for_its_permalink(pages: Pages, engine: Any) -> None:
    """The form's POST is answered with the result at once; reloading it, or coming back to it, asks for its
    permalink (a GET), never the form's POST again."""
    data = CASES["container"]
    expected = engine(validate_profile(data))
    page = pages.open()
    type_profile(page, data)
    assert ask(page) == 200
    permalink = pages.base + (page.locator("a.permalink").get_attribute("href") or "")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    reloaded = page.reload()
    assert reloaded is not None and reloaded.status == 200
    assert (reloaded.request.method, reloaded.request.url) == ("GET", permalink)
    check_result(page, data, expected)
    page.go_back()
    assert page.url == pages.base + "/"
    page.go_forward()
    assert page.url == permalink
    check_result(page, data, expected)
    assert posts == []


def result_page(pages: Pages, case: str, **options: Any) -> Page:
    """The result page of a case, typed into the form and asked for."""
    page = pages.open(**options)
    type_profile(page, CASES[case])
    assert ask(page) == 200
    return page


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_rule_id_links_to_its_rule(pages: Pages, case: str) -> None:
    """Each rule id on a result page opens the rules page at that rule."""
    page = result_page(pages, case)
    links = dict.fromkeys(page.locator("#result a.rule-id").evaluate_all("links => links.map(a => a.href)"))
    assert links
    for link in links:
        rule = link.rsplit("#", 1)[1]
        page.goto(link)
        expect(page.locator(f"ol.rules > li.rule[id='{rule}']"), f"{link} shows no rule {rule}").to_be_visible()


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_result_says_nothing_in_python(pages: Pages, case: str) -> None:
    """A result page shows values in words and numbers, never Python's None or JSON's null."""
    page = result_page(pages, case)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    text = page.locator("#result").inner_text()
    assert not re.findall(r".{0,30}\b(?:None|null|undefined|nan)\b.{0,30}", text)


OVERLAPS = """svg => {
    const boxes = Array.from(svg.querySelectorAll("text")).map(t => [t.textContent, t.getBBox()]);
    const clash = [];
    boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
        if (p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height)
            clash.push(a + " / " + b);
    }));
    return clash;
}"""


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_chart_labels_do_not_overlap(pages: Pages, case: str) -> None:
    """In every score chart, no two texts (platform names, scores) are drawn over each other."""
    page = result_page(pages, case)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    charts = page.locator("figure.chart svg")
    assert charts.count() == 1 + len(CASES[case].get("components", []))
    clashes = [clash for chart in charts.all() for clash in chart.evaluate(OVERLAPS)]
    assert not clashes, f"texts drawn over each other: {clashes}"


# --- 2. Downloads ---


def saved(download: Download) -> bytes:
    """The bytes of a finished download."""
    return Path(download.path()).read_bytes()


def click_download(page: Page, button: Any) -> Download:
    """Click one download button and wait for the file."""
    with page.expect_download() as info:
        button.click()
    return info.value


def check_starter_files(page: Page, profile: WorkloadProfile, result: Recommendation, component: str | None) -> None:
    """The plan's buttons (of a component, if named) give the generators' files: exactly the kinds that fit the
    part's verdict and host, each named for the part in an estate."""
    part = component_part(profile, component)
    verdict = verdict_of(profile, result, component)
    offered = [kind for kind in KINDS.values() if kind.offered(part, verdict)]
    buttons = page.locator("table.plan button.file")
    name = component or profile.name
    labels = [b.get_attribute("aria-label") for b in buttons.all()]
    assert [label for label in labels if label.endswith(f" for {name}")] == [
        f"Download {kind.label} for {name}" for kind in offered
    ]
    for kind in offered:
        download = click_download(
            page, page.get_by_role("button", name=f"Download {kind.label} for {name}", exact=True)
        )
        made = kind.make(part, verdict)
        expected_name = (
            made.filename if component is None or component in made.filename else f"{component}.{made.filename}"
        )
        assert download.suggested_filename == expected_name
        assert saved(download).decode() == made.content


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_downloads_hold_the_result(pages: Pages, engine: Any, case: str) -> None:
    """Each download button gives the file of the profile shown: its YAML, its Markdown, its starter files."""
    data = CASES[case]
    profile = validate_profile(data)
    expected = engine(profile)
    page = pages.open()
    type_profile(page, data)
    ask(page)

    yaml_file = click_download(page, page.get_by_role("button", name="Profile (YAML)"))
    assert yaml_file.suggested_filename == f"{data['name']}.yaml"
    shown = validate_profile(yaml.safe_load(saved(yaml_file)))
    assert shown.model_dump(mode="json") == profile.model_dump(mode="json")
    # The form cannot tell a value left at its default from one chosen, so the page's profile sets only
    # the values that differ from the defaults, and its "defaults the answer rests on" follow from that.
    expected_there = with_starters(shown, engine(shown))  # the page's result names its plan's files
    assert (expected_there.platform, expected_there.confidence) == (expected.platform, expected.confidence)

    markdown = click_download(page, page.get_by_role("button", name="Result (Markdown)"))
    assert markdown.suggested_filename == f"{data['name']}-advice.md"
    text = saved(markdown).decode()
    assert f"**Platform: {PLATFORM_NAMES[expected.platform]}** (`{expected.platform}`)" in text
    assert text == as_markdown([expected_there])

    archive = click_download(page, page.get_by_role("button", name="Starter bundle (zip)"))
    with zipfile.ZipFile(io.BytesIO(saved(archive))) as opened:
        files = {name: opened.read(name).decode() for name in opened.namelist()}
    assert files == make_bundle(shown, expected_there)

    for component in [c["name"] for c in data.get("components", [])] or [None]:
        check_starter_files(page, shown, expected_there, component)


# --- 3. Field errors ---

# Wrong values a person might type, with valid non-default ones around them.
BAD_TYPING: dict[str, Any] = {
    "name": "My Shop",
    "host.os": "macos",
    "host.cloud": "azure",
    "host.cpus": "16",
    "workload.os": ["linux", "bsd"],
    "workload.architecture": "batch",
    "workload.gui": True,
    "workload.runtime": "go",
    "workload.ports": "9000, 9001",
    "workload.command": "/app/run --fast 'two words'",
    "security.tenancy": "multi-trusted",
    "security.compliance": "hipaa",
    "scale.instances": "lots",
    "scale.elasticity": "scale-to-zero",
    "resources.memory_gib": "2.5",
    "hardware.devices": "usb-dongle",
}
COMPONENT_TYPING: dict[str, Any] = {"name": "Back Office", "workload.runtime": "java", "scale.instances": "-3"}


def type_bad_profile(page: Page) -> dict[str, Any]:
    """Type the wrong profile and one component with wrong values; what the form holds before asking."""
    for key, value in BAD_TYPING.items():
        type_field(page, key, value)
    page.get_by_role("button", name="Add a component").click()
    for key, value in COMPONENT_TYPING.items():
        type_field(page, "components.0." + key, value)
    return form_values(page)


def engine_message(data: dict[str, Any], loc: str) -> str:
    """What the profile's own validation says about one field of this data."""
    with pytest.raises(InvalidInput) as caught:
        validate_profile(data)
    messages = [e.msg for e in caught.value.errors if e.loc == loc]
    assert messages, [(e.loc, e.msg) for e in caught.value.errors]
    return messages[0]


def expected_errors() -> dict[str, list[str]]:
    """Input id -> words its error must say: the engine's own message where the engine reads the value."""
    name_message = engine_message({"name": "My Shop", "host": {"os": "linux"}}, "name")
    component_message = engine_message(
        {"name": "t", "host": {"os": "linux"}, "components": [{"name": "Back Office"}]}, "components[0].name"
    )
    return {
        "f-name": [name_message],
        "f-host-cloud": ["azure", "macos"],
        "f-scale-instances": ["'lots'"],
        "f-components-0-name": [component_message],
        "f-components-0-scale-instances": ["-3"],
    }


def check_error_page(page: Page, typed: dict[str, Any]) -> None:
    """Each error beside its input, all listed in the summary, and every value as it was typed."""
    wanted = expected_errors()
    summary = page.locator("#errors")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(len(wanted))
    for input_id, words in wanted.items():
        error = page.locator(f"#{input_id}-error")
        expect(error).to_have_count(1)
        # Beside its input: in the same field, after it, and read out with it.
        field = page.locator(".field").filter(has=page.locator(f"#{input_id}"))
        assert field.locator(f"#{input_id} ~ .error").get_attribute("id") == f"{input_id}-error"
        control = page.locator(f"#{input_id}")
        assert f"{input_id}-error" in (control.get_attribute("aria-describedby") or "").split()
        assert control.get_attribute("aria-invalid") == "true"
        message = error.inner_text()
        for word in words:
            assert word.lower() in message.lower(), (input_id, word, message)
        # The summary links to the input, with the same message.
        entry = summary.locator("li").filter(has=page.locator(f'a[href="#{input_id}"]'))
        expect(entry).to_have_count(1)
        assert message.removeprefix("Error:").strip() in entry.inner_text()
    assert form_values(page) == typed


def test_errors_are_shown_beside_fields_and_nothing_typed_is_lost(pages: Pages) -> None:
    """Wrong values give a 400 page naming each problem at its field, with everything typed still there."""
    page = pages.open()
    typed = type_bad_profile(page)
    assert ask(page) == 400
    check_error_page(page, typed)
    # The summary takes the focus, so a screen reader reads the problems first.
    assert page.evaluate("document.activeElement.id") == "errors"
    assert [m for m in pages.console_errors if EXPECTED_400.match(m)], "the error page's 400 should be logged"
    screenshot(page, "errors")
    # A link of the summary takes the focus to its input.
    page.locator('#errors a[href="#f-scale-instances"]').click()
    assert page.evaluate("document.activeElement.id") == "f-scale-instances"


# --- 4. Permalinks ---


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_permalink_shows_the_same_answer_and_form(pages: Pages, case: str) -> None:
    """A permalink opened elsewhere shows the same answer and the form filled in as it was typed."""
    page = pages.open()
    type_profile(page, CASES[case])
    typed = form_values(page)
    ask(page)
    link = page.locator("a.permalink").get_attribute("href") or ""
    shown = {
        "platform": page.locator("#result > .verdict .platform strong").inner_text(),
        "confidence": page.locator("#result > .verdict .confidence strong").inner_text(),
        "reasons": reasons_shown(page.locator("#why")),
        "components": page.locator("details.component-result summary").all_inner_texts(),
    }

    elsewhere = pages.open(link.removeprefix(pages.base))
    assert elsewhere.url == page.url
    assert {
        "platform": elsewhere.locator("#result > .verdict .platform strong").inner_text(),
        "confidence": elsewhere.locator("#result > .verdict .confidence strong").inner_text(),
        "reasons": reasons_shown(elsewhere.locator("#why")),
        "components": elsewhere.locator("details.component-result summary").all_inner_texts(),
    } == shown
    assert form_values(elsewhere) == typed
    # A component's sections that hold values are open, so nothing it says is hidden once the folded form
    # ("Change the profile") is opened.
    elsewhere.locator("details.change-profile > summary").click()
    for index, component in enumerate(CASES[case].get("components", [])):
        for section, fields in component.items():
            for name in fields if isinstance(fields, dict) else ():
                expect(elsewhere.locator(f"#f-components-{index}-{section}-{name}")).to_be_visible()


# --- 5. Without JavaScript ---


def test_without_javascript_a_case_works_from_form_to_download(pages: Pages, engine: Any) -> None:
    """With JavaScript off, the form still answers and downloads; the Copy button stays hidden."""
    data = CASES["hybrid"]
    profile = validate_profile(data)
    page = pages.open(js=False)
    type_profile(page, data)
    assert ask(page) == 200
    check_result(page, data, engine(profile), js=False)
    expect(page.locator("button.copy")).to_be_hidden()
    expect(page.locator("textarea#curl")).to_be_visible()
    archive = click_download(page, page.get_by_role("button", name="Starter bundle (zip)"))
    with zipfile.ZipFile(io.BytesIO(saved(archive))) as opened:
        assert sorted(opened.namelist()) == sorted(make_bundle(profile, engine(profile)))


def test_without_javascript_errors_are_shown_and_kept(pages: Pages) -> None:
    """With JavaScript off, the error page is the same: each message at its field, every value kept."""
    page = pages.open(js=False)
    typed = type_bad_profile(page)
    assert ask(page) == 400
    check_error_page(page, typed)


def test_copy_button_shows_with_javascript(pages: Pages, engine: Any) -> None:
    """The script shows the Copy button beside the curl command; the command it copies gets the same answer."""
    page = pages.open()
    type_profile(page, CASES["container"])
    ask(page)
    expect(page.locator("button.copy")).to_be_visible()
    curl = page.locator("textarea#curl").input_value()
    assert shlex.split(curl)[-1] == pages.base + "/v1/recommendations"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=pages.base)
    page.locator("button.copy").click()
    expect(page.locator(".copied")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == curl
    answer = json.loads(subprocess.run(shlex.split(curl), capture_output=True, check=True, timeout=30).stdout)
    expected = engine(validate_profile(CASES["container"]))
    assert (answer["platform"], answer["confidence"]) == (expected.platform, expected.confidence)


def visible_rules(page: Page) -> int:
    """How many rules the rules page shows."""
    return page.locator("ol.rules > li.rule:visible").count()


def test_rules_filter_live_as_you_type(pages: Pages) -> None:
    """With JavaScript, typing in the search box hides the rules that do not match, and says how many are left."""
    page = pages.open("/rules")
    everything = visible_rules(page)
    assert everything > 10
    page.locator("#q").press_sequentially("windows")
    expect(page.locator("#q-count")).to_contain_text(" of ")
    left = visible_rules(page)
    assert 0 < left < everything
    expect(page.locator("#q-count")).to_have_text(f"{left} of {everything} rules shown.")
    for rule in page.locator("ol.rules > li.rule:visible").all():
        assert "windows" in (rule.text_content() or "").lower()
    page.locator("#q").fill("")
    expect(page.locator("#q-count")).to_have_text(f"{everything} rules.")
    assert visible_rules(page) == everything


def rule_ids(page: Page) -> list[str]:
    """The ids of the rules the rules page shows."""
    return page.eval_on_selector_all("ol.rules > li.rule:not([hidden])", "rules => rules.map(r => r.id)")


@pytest.mark.parametrize("query", ["windows", "host.os", "macos"], ids=["word", "field-path", "platform-word"])
def test_live_filter_shows_what_the_search_button_finds(pages: Pages, query: str) -> None:
    """Typing a query shows the same rules as searching for it on the server (the script claims to do the same)."""
    live = pages.open("/rules")
    live.locator("#q").fill(query)
    expect(live.locator("#q-count")).to_contain_text(" of ")
    searched = pages.open(f"/rules?q={query}", js=False)
    assert rule_ids(live) == rule_ids(searched)


def test_rules_search_without_javascript(pages: Pages) -> None:
    """With JavaScript off, the Search button asks the server, which shows only the matching rules."""
    page = pages.open("/rules", js=False)
    everything = visible_rules(page)
    page.locator("#q").fill("windows")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.url.endswith("/rules?q=windows")
    left = visible_rules(page)
    assert 0 < left < everything
    expect(page.locator("#q-count")).to_contain_text(f"{left} of {everything} rules match")
    expect(page.locator("#q")).to_have_value("windows")


# --- 6. Content-Security-Policy ---


def test_pages_keep_their_content_security_policy(pages: Pages) -> None:
    """Every page is served with its CSP, and the form, result, error and rules pages break none of it."""
    page = pages.open()
    type_profile(page, CASES["hybrid"])
    ask(page)
    page.locator("button.copy").click()  # the script's one action on the result page
    for path in ("/rules", "/rules?q=kernel"):
        response = page.goto(pages.base + path)
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # The pages' own styles and script were loaded (a CSP that blocked them would leave the page bare).
    assert page.evaluate("getComputedStyle(document.querySelector('header.site')).display") == "flex"
    # Checked again by the fixture for every test: no violation and no other error in the console.
    assert not [m for m in pages.console_errors if CSP_VIOLATION.search(m)]


# --- 7. On a phone ---


def scrolls_sideways(page: Page) -> bool:
    """The page is wider than the screen."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_pages_fit_a_phone(pages: Pages) -> None:
    """On a 390 px wide phone, no page scrolls sideways: form, results, errors and rules."""
    page = pages.open(viewport=PHONE)
    assert not scrolls_sideways(page), "the empty form"
    type_profile(page, CASES["hybrid"])
    assert not scrolls_sideways(page), "the form with two components"
    ask(page)
    assert not scrolls_sideways(page), "the hybrid result"
    screenshot(page, "phone-hybrid")
    single = pages.open(viewport=PHONE)
    type_profile(single, CASES["vm"])
    ask(single)
    assert not scrolls_sideways(single), "the vm result, with its capacity table"
    wrong = pages.open(viewport=PHONE)
    type_bad_profile(wrong)
    ask(wrong)
    assert not scrolls_sideways(wrong), "the error page"
    rules = pages.open("/rules", viewport=PHONE)
    assert not scrolls_sideways(rules), "the rules page"


# --- 8. With the keyboard ---

DESCRIBE = "e => e.id || (e.name ? e.name + '=' + e.value : e.tagName.toLowerCase() + ':' + e.textContent.trim())"


def test_tab_moves_through_the_form_in_order(pages: Pages) -> None:
    """Tab from the name goes through the form's inputs in the order they are on the page."""
    page = pages.open()
    in_order = page.evaluate(
        f"""() => Array.from(document.querySelectorAll(
                "a[href], button, input, select, textarea, summary, [tabindex]"))
            .filter(e => e.tabIndex >= 0 && !e.disabled && e.type !== "hidden" && e.getClientRects().length)
            .map({DESCRIBE})"""
    )
    start = in_order.index("f-name")
    page.locator("#f-name").focus()
    visited = []
    for _ in range(12):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(f"({DESCRIBE})(document.activeElement)"))
    assert visited == in_order[start + 1 : start + 13]
    assert "f-host-os" in visited
    assert "workload.os=windows" in visited


def test_enter_in_a_text_field_asks_for_advice(pages: Pages, engine: Any) -> None:
    """Enter in a text field submits the form as "recommend", even with a component's buttons on the form."""
    data = {"name": "press-enter", "host": {"os": "linux"}, "components": [{"name": "only-one"}]}
    page = pages.open()
    type_profile(page, data)
    with page.expect_navigation() as navigation:
        page.locator("#f-components-0-name").press("Enter")
    assert navigation.value.status == 200
    check_result(page, data, engine(validate_profile(data)))
    expect(page.locator("#f-components-0-name")).to_have_value("only-one")
    expect(page.locator("#f-components-1-name")).to_have_count(0)


def test_focus_is_never_hidden_behind_the_sticky_button(pages: Pages) -> None:
    """Tabbing through the form, the focused input is never wholly behind the sticky "Recommend" bar.

    WCAG 2.4.11 (Focus Not Obscured): a keyboard user must see where the focus is.
    """
    page = pages.open()
    type_profile(page, {"name": "tab-through", "components": [{"name": "one"}]})
    page.locator("#f-name").focus()
    hidden = []
    for _ in range(80):
        page.keyboard.press("Tab")
        where = page.evaluate(
            f"""() => {{
                const e = document.activeElement, bar = document.querySelector(".actions");
                return [({DESCRIBE})(e), e.getBoundingClientRect().top, bar.getBoundingClientRect().top,
                        bar.contains(e)];
            }}"""
        )
        if where[3]:  # the bar's own button: the end of the form
            break
        if where[1] >= where[2]:
            hidden.append(where[0])
    assert where[3], "Tab never reached the Recommend button"
    assert not hidden, f"focused but wholly behind the sticky bar: {hidden}"


def test_the_live_filter_after_a_search_finds_what_the_search_button_finds(pages: Pages) -> None:
    """After a search (/rules?q=macos) typing another finds what the Search button finds among all the rules.

    (Review found the page held only the first search's rules: typing 'fargate' then showed none.)
    """
    live = pages.open("/rules?q=macos")
    live.locator("#q").fill("fargate")
    expect(live.locator("#q-count")).to_contain_text(" of ")
    shown = live.eval_on_selector_all("ol.rules > li.rule:not([hidden])", "rules => rules.map(r => r.id)")
    searched = pages.open("/rules?q=fargate", js=False)
    found = searched.eval_on_selector_all("ol.rules > li.rule:not([hidden])", "rules => rules.map(r => r.id)")
    assert found
    assert shown == found
