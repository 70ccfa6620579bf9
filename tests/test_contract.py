"""openapi.yaml is a valid OpenAPI 3.1 document, its schemas are the models', and it lists every route."""

from __future__ import annotations

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from advisor.web import create_app
from advisor.web.contract import generated_block, model_schemas
from tests.support import ROOT

CONTRACT = ROOT / "openapi.yaml"


def test_the_contract_is_valid_openapi_3_1():
    document, _ = read_from_filename(str(CONTRACT))
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_profile_and_result_schemas_are_the_models():
    schemas = yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]
    made = model_schemas()
    assert {name: schemas.get(name) for name in made} == made
    assert generated_block() in CONTRACT.read_text(), "run: python -m advisor.web.contract openapi.yaml"


def test_the_request_body_is_the_profile_schema():
    operation = yaml.safe_load(CONTRACT.read_text())["paths"]["/v1/recommendations"]["post"]
    for media in ("application/json", "application/yaml"):
        assert operation["requestBody"]["content"][media]["schema"] == {"$ref": "#/components/schemas/WorkloadProfile"}


def test_every_route_is_in_the_contract_and_nothing_else():
    app = create_app({"RELOAD_SECONDS": 0})
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    paths = yaml.safe_load(CONTRACT.read_text())["paths"]
    described = {(path, method) for path, operations in paths.items() for method in operations}
    assert served == described


def test_the_packaged_contract_is_the_top_level_file():
    assert (ROOT / "advisor" / "web" / "openapi.yaml").read_bytes() == CONTRACT.read_bytes()
