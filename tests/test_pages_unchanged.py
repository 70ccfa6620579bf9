"""The result page's HTML stays byte-identical while the page is made cheaper to build: for every example
profile, the page a form too long for an address is answered with (a POST whose page has no permalink),
compared by digest with tests/data/pages.json, written by the code before. The page a permalink
gives is compared in tests/test_answers_unchanged.py, with every other answer.

The page carries nothing that differs between requests (no nonce, no request id), so nothing is normalised.
When a change is meant to change the page (a new field in the form, a new section in the result), rewrite the
digests with `ADVISOR_WRITE_PAGES=1 .venv/bin/python -m pytest tests/test_pages_unchanged.py`, and compare the
page before and after the change in a browser.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml

from advisor.profiles import validate_profile
from advisor.web import create_app
from advisor.web.formdata import permalink_query

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "tests" / "data" / "pages.json"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def client():
    with open(os.devnull, "w") as log:
        app = create_app({"RELOAD_SECONDS": 0, "CACHE_ENTRIES": 0, "LOG_STREAM": log})
        yield app.test_client()


def _compare(name: str, html: str) -> None:
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    if os.environ.get("ADVISOR_WRITE_PAGES"):
        goldens = json.loads(GOLDENS.read_text(encoding="utf-8")) if GOLDENS.exists() else {}
        GOLDENS.write_text(json.dumps(goldens | {name: digest}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert digest == json.loads(GOLDENS.read_text(encoding="utf-8"))[name], f"the page of {name} changed"


def _pairs(path: Path) -> list[tuple[str, str]]:
    return permalink_query(validate_profile(yaml.safe_load(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_form_posted_page_is_unchanged(path, client, monkeypatch):
    """The form's POST answers with the page; with no room for a permalink, the page says it has none."""
    # advisor.web.form is also the name of the blueprint advisor.web exports: patch the module itself.
    monkeypatch.setattr(importlib.import_module("advisor.web.form"), "MAX_PERMALINK", 0)
    response = client.post(
        "/", data=urlencode([*_pairs(path), ("action", "recommend")]), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    _compare(f"{path.stem}.posted.html", response.get_data(as_text=True))


def test_goldens_cover_every_example():
    expected = {f"{p.stem}.posted.html" for p in EXAMPLES}
    assert set(json.loads(GOLDENS.read_text(encoding="utf-8"))) == expected
