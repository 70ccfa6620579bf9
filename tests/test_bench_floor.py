"""bench/floor_app.py: the floors the HTTP benchmark measures the advisor against. The answering floor must
give the advisor's own answer, byte for byte, so its cost is that of a real answer's parts."""

from __future__ import annotations

import importlib.util

import yaml

from advisor.web import create_app
from tests.support import ROOT

# bench/ is a folder of scripts, not a package: the module is loaded from its file.
_spec = importlib.util.spec_from_file_location("floor_app", ROOT / "bench" / "floor_app.py")
floor_app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(floor_app)

CHECKOUT = yaml.safe_load((ROOT / "examples" / "checkout-api.yaml").read_text(encoding="utf-8"))


def test_the_answering_floor_answers_as_the_advisor_does_for_the_benchmarks_profile():
    floor = floor_app.create_answering_app().test_client()
    advisor = create_app({"RELOAD_SECONDS": 0}).test_client()
    for name in ("bench-1", "another-name"):
        body = {**CHECKOUT, "name": name}
        given, real = floor.post("/v1/recommendations", json=body), advisor.post("/v1/recommendations", json=body)
        assert given.status_code == real.status_code == 200
        assert given.mimetype == "application/json" and given.data == real.data
        assert given.get_json()["name"] == name


def test_the_answering_floor_checks_the_profile_as_the_advisor_does():
    floor = floor_app.create_answering_app().test_client()
    refused = floor.post("/v1/recommendations", json={**CHECKOUT, "scale": {"instances": -1}})
    assert refused.status_code == 422 and "scale.instances" in refused.get_json()["title"]
    assert floor.post("/v1/recommendations", json=[1]).status_code == 400
