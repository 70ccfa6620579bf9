"""The API reference at /docs: every operation and schema of openapi.yaml, rendered on our origin under the
pages' CSP (no inline script or style), linked from every page's header."""

from __future__ import annotations

from pathlib import Path

import yaml
from lxml import html

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))


def _page(api, path="/docs"):
    response = api.get(path)
    assert response.status_code == 200
    return response, html.fromstring(response.get_data(as_text=True))


def test_every_operation_is_on_the_page_with_its_responses(api):
    _, tree = _page(api)
    for path, item in CONTRACT["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            article = tree.get_element_by_id(f"op-{operation['operationId']}")
            heading = " ".join(article.cssselect("h3")[0].text_content().split())
            assert heading.startswith(f"{method.upper()} {path}"), heading
            rows = article.cssselect("table:last-of-type tbody tr")
            statuses = [row.cssselect("td")[0].text_content() for row in rows]
            assert statuses == [str(status) for status in operation["responses"]]


def test_every_schema_is_on_the_page_with_its_fields_and_links_resolve(api):
    _, tree = _page(api)
    for name, schema in CONTRACT["components"]["schemas"].items():
        section = tree.get_element_by_id(f"schema-{name}")
        fields = [row.cssselect("td code")[0].text_content() for row in section.cssselect("tbody tr")]
        assert fields == list(schema.get("properties", {}))
    anchors = {element.get("id") for element in tree.iter() if element.get("id")}
    for link in tree.cssselect("a[href^='#']"):
        assert link.get("href")[1:] in anchors, link.get("href")


def test_the_page_keeps_the_csp_and_holds_no_inline_script_or_style(api):
    response, tree = _page(api)
    assert "default-src 'none'; script-src 'self'; style-src 'self'" in response.headers["Content-Security-Policy"]
    assert all(script.get("src", "").startswith("/static/") for script in tree.cssselect("script"))
    assert not tree.cssselect("style, [style]")


def test_the_header_links_the_reference_not_the_raw_yaml(api):
    for path in ("/", "/rules", "/docs"):
        _, tree = _page(api, path)
        (link,) = [a for a in tree.cssselect("header nav a") if a.text_content() == "API"]
        assert link.get("href") == "/docs"
