"""The form's pages stay byte-identical while they are made cheaper to build: for every example profile, the
page a form too long for an address is answered with (a POST whose page has no permalink), the form with a
component added or removed, the form with errors, and the empty form, compared by digest with
tests/data/pages.json, written by the code before. A posted form's page is its permalink's, byte for byte; the
page a permalink gives is compared in tests/test_answers_unchanged.py, with every other answer.

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


def _post(client, pairs: list[tuple[str, str]]):
    return client.post("/", data=urlencode(pairs), content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_posted_forms_page_is_its_permalinks_page(path, client):
    """Answered at once, the page is the one its permalink (Content-Location) gives, which a reload asks for."""
    posted = _post(client, [*_pairs(path), ("action", "recommend")])
    linked = client.get(posted.headers["Content-Location"])
    assert posted.status_code == linked.status_code == 200
    assert posted.get_data() == linked.get_data()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_form_with_a_component_more_or_less_is_unchanged(path, client):
    pairs = _pairs(path)
    added = _post(client, [*pairs, ("action", "add-component")])
    assert added.status_code == 200
    _compare(f"{path.stem}.added.html", added.get_data(as_text=True))
    # An estate loses its first part; a single workload has none to lose, and the form stays as it was.
    removed = _post(client, [*pairs, ("action", "remove-component-0")])
    assert removed.status_code == 200
    _compare(f"{path.stem}.removed.html", removed.get_data(as_text=True))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_form_with_errors_is_unchanged(path, client):
    """Errors beside their inputs, everything typed kept: no name, a count that is not a number."""
    pairs = [(key, "" if key == "name" else value) for key, value in _pairs(path) if key != "scale.instances"]
    response = _post(client, [*pairs, ("scale.instances", "-3x"), ("host.cpus", "many"), ("action", "recommend")])
    assert response.status_code == 400
    _compare(f"{path.stem}.errors.html", response.get_data(as_text=True))


# An estate whose components give sections that leave out what the profile above sets (the form spells those
# out), one that gives a section with nothing in it, and one that gives only its name.
ESTATE = {
    "name": "estate",
    "host": {"os": "linux", "cpus": 32, "memory_gib": 64},
    "workload": {"os": ["linux"], "ports": [80, 443], "architecture": "microservices", "runtime": "python"},
    "scale": {"instances": 6, "elasticity": "bursty"},
    "security": {"isolation": "high"},
    "components": [
        {"name": "web"},
        {"name": "db", "scale": {"instances": 2}, "security": {}},
        {"name": "batch", "workload": {"os": ["windows"], "ports": []}},
    ],
}


def test_an_estates_pages_are_unchanged(client):
    """The permalink's page of an estate, and its form with a component removed."""
    pairs = permalink_query(validate_profile(ESTATE))
    linked = client.get("/?" + urlencode(pairs))
    assert linked.status_code == 200
    _compare("estate.linked.html", linked.get_data(as_text=True))
    removed = _post(client, [*pairs, ("action", "remove-component-1")])
    assert removed.status_code == 200
    _compare("estate.removed.html", removed.get_data(as_text=True))


def test_the_empty_form_is_unchanged(client):
    response = client.get("/")
    assert response.status_code == 200
    _compare("empty.html", response.get_data(as_text=True))


def test_goldens_cover_every_example():
    kinds = ("posted", "added", "removed", "errors")
    expected = {f"{p.stem}.{kind}.html" for p in EXAMPLES for kind in kinds}
    expected |= {"empty.html", "estate.linked.html", "estate.removed.html"}
    assert set(json.loads(GOLDENS.read_text(encoding="utf-8"))) == expected
