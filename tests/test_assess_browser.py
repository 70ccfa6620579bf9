"""The HTML report in Debian's chromium: its own Content-Security-Policy holds, and axe-core finds nothing.

The page is a file on disk (a report is kept in git and opened from there), so it is opened as file://.
Once as it is, to see that the policy in its <meta> lets its one stylesheet apply and nothing else run;
once with the policy bypassed, only so that axe-core can be injected to audit it (WCAG 2.0/2.1 A and AA),
on a desktop and on a phone, folded sections opened.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import PHONE, ROOT

pytestmark = pytest.mark.browser

REPORT = ROOT / "examples" / "assess" / "report.html"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def test_the_page_s_policy_allows_its_stylesheet_and_nothing_else(browser):
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    try:
        page.goto(REPORT.as_uri())
        header_background = page.evaluate("getComputedStyle(document.querySelector('th')).backgroundColor")
        assert header_background == "rgb(236, 236, 236)"  # the inline stylesheet, allowed by its hash, applies
        page.evaluate(
            "() => { const s = document.createElement('style'); s.textContent = 'body { color: rgb(1, 2, 3) }';"
            " document.head.appendChild(s); }"
        )
        assert page.evaluate("getComputedStyle(document.body).color") != "rgb(1, 2, 3)"  # another is refused
    finally:
        context.close()
    assert any("Content Security Policy" in m for m in messages), messages  # ... and the refusal is reported
    assert not [m for m in messages if "Content Security Policy" in m and "style" not in m]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_report_has_no_wcag_violations(browser, viewport):
    options: dict[str, Any] = {"viewport": VIEWPORTS[viewport], "bypass_csp": True}
    if viewport == "phone":
        options |= {"is_mobile": True, "has_touch": True}
    context = browser.new_context(**options)
    page = context.new_page()
    try:
        page.goto(REPORT.as_uri())
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page, options=AXE_OPTIONS).response
    finally:
        context.close()
    assert results["passes"], "axe checked nothing"
    found = [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:5]}" for v in results["violations"]]
    assert not found, "\n".join(found)


@pytest.mark.live
def test_the_form_uploads_files_and_hands_back_the_report(browser, live_server, tmp_path):
    """A person picks an RVTools export's CSV files and a Compose file, chooses a format, and saves the report."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/")
        page.set_input_files(
            "#assess-files",
            [str(ROOT / "examples" / "assess" / path) for path in
             ("rvtools/RVTools_tabvInfo.csv", "rvtools/RVTools_tabvDisk.csv", "voting-app/compose.yaml")],
        )  # fmt: skip
        page.select_option("#assess-format", "markdown")
        with page.expect_download() as download:
            page.get_by_role("button", name="Assess the files").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    finally:
        context.close()
    assert saved.name == "assessment.md"
    text = saved.read_text()
    assert text.startswith("# Portfolio assessment\n\n6 items from 3 inputs")
    assert "| erp-db01 | vm | high | 1 |" in text
