"""Starter artifacts over HTTP: the same files as `advisor emit`, checked against openapi.yaml."""

from __future__ import annotations

import io
import json
import zipfile

import dockerfile
import pytest
import yaml
from lxml import etree

from advisor.engine.decide import recommend
from advisor.generators.bundle import make_bundle
from advisor.profiles import parse_profiles
from tests.support import CHECKOUT, ROOT

RETAIL = (ROOT / "examples" / "retail-estate.yaml").read_text()


def post(api, path, data, **kwargs):
    return api.post(path, data=json.dumps(data), content_type="application/json", **kwargs)


def test_a_dockerfile_to_save(api):
    response = post(api, "/v1/artifacts/dockerfile", CHECKOUT)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Dockerfile"'
    instructions = [i.cmd for i in dockerfile.parse_string(response.get_data(as_text=True))]
    assert instructions[0] == "FROM" and "EXPOSE" in instructions and instructions[-1] == "CMD"


def test_a_domain_xml_to_save(api):
    erp = yaml.safe_load((ROOT / "examples" / "legacy-erp.yaml").read_text())
    response = post(api, "/v1/artifacts/libvirt", erp)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{erp["name"]}.xml"'
    domain = etree.fromstring(response.data)
    assert domain.tag == "domain" and domain.findtext("name") == erp["name"]


def test_the_bundle_is_the_zip_of_emit_all(api, ruleset):
    response = api.post("/v1/artifacts/bundle", data=RETAIL, content_type="application/yaml")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="retail-estate-starter.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    profile = parse_profiles(RETAIL)[0]
    expected = make_bundle(profile, recommend(profile, ruleset))
    assert {name: archive.read(name).decode() for name in archive.namelist()} == expected
    assert any("/" in name for name in archive.namelist()), "components get folders of their own"
    again = api.post("/v1/artifacts/bundle", data=RETAIL, content_type="application/yaml")
    assert again.data == response.data


def test_a_component_is_chosen_by_query(api):
    profile = yaml.safe_load(RETAIL)
    name = profile["components"][0]["name"]
    response = api.post(
        "/v1/artifacts/dockerfile", data=RETAIL, content_type="application/yaml", query_string={"component": name}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "query", "loc", "words"),
    [
        ("/v1/artifacts/dockerfile", RETAIL, {}, "component", "choose one of"),
        ("/v1/artifacts/libvirt", RETAIL, {"component": "nope"}, "component", "no component 'nope'"),
        ("/v1/artifacts/dockerfile", yaml.safe_dump(CHECKOUT), {"component": "x"}, "component", "has no components"),
        (
            "/v1/artifacts/libvirt",
            "name: x\nhost: {os: linux}\nworkload: {os_id: plan9front}\n",
            {},
            "workload.os_id",
            "plan9front",
        ),
        ("/v1/artifacts/bundle", "name: x\nhost: {os: beos}\n", {}, "host.os", "beos"),
    ],
    ids=["components-need-a-choice", "unknown-component", "no-components", "unknown-guest-os", "invalid-profile"],
)
def test_bad_requests_name_the_field(api, path, body, query, loc, words):
    response = api.post(path, data=body, content_type="application/yaml", query_string=query)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert [e["loc"] for e in errors] == [loc]
    assert words in errors[0]["msg"]


def test_another_media_type_is_415(api):
    response = api.post("/v1/artifacts/bundle", data=b"x", content_type="text/plain")
    assert response.status_code == 415
