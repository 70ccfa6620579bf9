"""Every answer stays byte-identical: the API's three shapes, the result page and the CLI's JSON, for every
example profile and every rule-test case, compared with goldens written by the code before the engine was
made faster (tests/data/answers.json).

When a change is meant to change answers (a new rule, a new field), regenerate the goldens with
`ADVISOR_WRITE_ANSWERS=1 .venv/bin/python -m pytest tests/test_answers_unchanged.py` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from advisor.engine.decide import recommend
from advisor.engine.ruletest import load_cases
from advisor.output.data import as_json
from advisor.profiles import validate_profile
from advisor.web import create_app
from advisor.web.formdata import permalink_query

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "answers.json"
# The API's shapes: the default answer, the brief one, and the one that lists every rule considered.
QUERIES = {"full": "", "brief": "?explain=false", "considered": "?considered=true"}


def _profiles() -> dict[str, dict[str, Any]]:
    """Each profile as a client sends it, by where it comes from: examples/*.yaml and rules/tests cases."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        found[f"examples/{path.name}"] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for index, loaded in enumerate(load_cases(ROOT / "rules" / "tests")):
        # The case's completed profile, as the rule tests evaluate it.
        found[f"rules/tests/{Path(loaded.file).name}#{index}"] = loaded.profile.given()
    return found


PROFILES = _profiles()


@pytest.fixture(scope="module")
def client():
    with open(os.devnull, "w") as log:
        app = create_app({"RELOAD_SECONDS": 0, "CACHE_ENTRIES": 0, "LOG_STREAM": log})
        yield app.test_client()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def answers_for(client: Any, ruleset: Any, data: dict[str, Any]) -> dict[str, Any]:
    """What each door answers for one profile: status and body of each API shape (the default answer in
    full, the others by digest), the result page's digest and the CLI's JSON digest."""
    body = json.dumps(data).encode()
    found: dict[str, Any] = {}
    for shape, query in QUERIES.items():
        response = client.post("/v1/recommendations" + query, data=body, content_type="application/json")
        text = response.get_data()
        if response.mimetype == "application/problem+json":  # a refusal: its request id differs every time
            problem = json.loads(text)
            problem.pop("request_id", None)
            text = json.dumps(problem).encode()
        found[shape] = {
            "status": response.status_code,
            "body": text.decode() if shape == "full" else _digest(text),
        }
    profile = validate_profile(data)
    page = client.get("/?" + urlencode(permalink_query(profile)))
    found["page"] = {"status": page.status_code, "body": _digest(page.get_data())}
    try:
        found["cli"] = _digest(as_json([recommend(profile, ruleset)]).encode())
    except Exception as exc:  # a profile no platform fits: the CLI says so
        found["cli"] = f"{type(exc).__name__}: {exc}"
    return found


def test_goldens_cover_every_profile():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(golden) == sorted(PROFILES)


@pytest.mark.parametrize("where", sorted(PROFILES))
def test_answers_are_byte_identical(where, client, ruleset):
    found = answers_for(client, ruleset, PROFILES[where])
    if os.environ.get("ADVISOR_WRITE_ANSWERS"):
        golden = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
        golden[where] = found
        GOLDEN.write_text(json.dumps(dict(sorted(golden.items())), indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))[where]
    assert found == expected
