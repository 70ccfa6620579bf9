"""The audit's low findings on the web side: a reflected Host header, nosniff, tags on YAML mappings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from advisor.web import create_app
from advisor.yamlio import YAMLSyntaxError, load_all

PERMALINK = "/?name=shop&host.os=linux&workload.architecture=microservices"


def test_the_host_header_is_never_reflected_into_pages(app) -> None:
    page = app.test_client().get(PERMALINK, headers={"Host": "evil.example"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="curl"' in text and "Permalink to this result" in text
    assert "evil.example" not in text
    assert 'href="/?name=shop' in text  # the permalink is relative: the browser keeps the address it used


def test_the_curl_snippet_names_the_configured_public_address(monkeypatch: pytest.MonkeyPatch, log_lines) -> None:
    monkeypatch.setenv("ADVISOR_PUBLIC_URL", "https://advisor.example.org/")
    app = create_app({"RELOAD_SECONDS": 0, "LOG_STREAM": log_lines})
    text = app.test_client().get(PERMALINK, headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "https://advisor.example.org/v1/recommendations" in text and "evil.example" not in text


def test_a_bad_public_address_stops_the_server_naming_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from advisor.settings import public_url; public_url()"],
        env={"ADVISOR_PUBLIC_URL": "javascript:alert(1)", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 1 and result.stderr.startswith("error: ADVISOR_PUBLIC_URL: expected an http(s)")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/static/advisor.css"),
        ("GET", "/openapi.yaml"),
        ("GET", "/no/such/page"),
        ("POST", "/v1/recommendations"),
        ("GET", "/"),
    ],
)
def test_every_response_says_nosniff(app, method: str, path: str) -> None:
    response = app.test_client().open(path, method=method, json={"name": "n", "host": {"os": "linux"}})
    response.close()  # a static file's answer holds the file open until closed
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "text",
    ["rules: !foo [{id: x}]\n", "rules:\n  - !!python/object {id: x}\n", "a: !custom\n  b: 1\n"],
    ids=["tag-on-a-list", "python-tag-on-a-mapping", "tag-on-a-block-mapping"],
)
def test_tags_on_mappings_and_lists_are_refused_like_tags_on_values(text: str) -> None:
    with pytest.raises(YAMLSyntaxError, match="could not determine a constructor for the tag"):
        load_all(text)
