"""Errors that teach, the same at every door: the CLI, the API and the form say what to write instead.

Each case is one mistake a new user makes (a unit after a number, `Linux` for linux, `win2019` for win2k19, a
health path without its slash, a guest OS of another family); each door is asked with it and must show the
same sentence. Mistakes that only YAML or a request body can hold (a tab, YAML sent as JSON) are asked of the
doors that read YAML; the form has no YAML input.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from lxml import html

from advisor.cli import cli

# id: (profile YAML, the form's query, the field, what the message must say)
MISTAKES = {
    "unit": (
        "name: a\nhost: {os: linux}\nresources: {memory_gib: 16GB}\n",
        {"resources.memory_gib": "16GB"},
        "resources.memory_gib",
        "should be a number of GiB, got the text '16GB': the unit is GiB, so write 16",
    ),
    "case": (
        "name: a\nhost: {os: Linux}\n",
        {"host.os": "Linux"},
        "host.os",
        "'Linux' is not one of linux, windows, macos (did you mean linux?)",
    ),
    "os-id-near-miss": (
        "name: a\nhost: {os: linux}\nworkload: {os: [windows], os_id: win2019}\n",
        {"workload.os": "windows", "workload.os_id": "win2019"},
        "workload.os_id",
        "unknown guest OS 'win2019' (did you mean win2k19?); known ids: ",
    ),
    "os-id-of-another-family": (
        "name: a\nhost: {os: linux}\nworkload: {os: [windows], os_id: debian12}\n",
        {"workload.os": "windows", "workload.os_id": "debian12"},
        "workload.os_id",
        "debian12 is a linux OS but workload.os is [windows]; add linux to workload.os or choose another os_id",
    ),
    "path-without-slash": (
        "name: a\nhost: {os: linux}\nworkload: {health_path: healthz}\n",
        {"workload.health_path": "healthz"},
        "workload.health_path",
        "'healthz' is not a URL path: a path starts with '/', so write '/healthz'",
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
@pytest.mark.parametrize("command", [["recommend"], ["emit", "libvirt"], ["adr", "new"]])
def test_the_cli_says_what_to_write(runner, tmp_path, mistake, command):
    text, _, field, message = MISTAKES[mistake]
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, [*command, str(path)])
    assert result.exit_code == 2, result.output
    line = text.splitlines().index(next(x for x in text.splitlines() if field.split(".")[-1] in x)) + 1
    assert f"{path}:{line}: {field}: {message}" in result.stderr


@pytest.mark.parametrize("mistake", list(MISTAKES))
@pytest.mark.parametrize("door", ["/v1/recommendations", "/v1/artifacts/libvirt", "/v1/artifacts/dockerfile"])
def test_every_api_door_refuses_the_same_profile_with_the_same_words(api, mistake, door):
    """Before, /v1/recommendations answered 200 for a guest OS that /v1/artifacts/libvirt refused with 400."""
    text, _, field, message = MISTAKES[mistake]
    response = api.post(door, data=text.encode(), content_type="application/yaml")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    errors = response.get_json()["errors"]
    assert [e["loc"] for e in errors] == [field]
    assert errors[0]["msg"].startswith(message)


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_the_form_names_the_mistake_beside_its_field(api, mistake):
    _, query, field, message = MISTAKES[mistake]
    response = api.get("/?" + urlencode({"name": "a", "host.os": "linux", **query}))
    assert response.status_code == 400
    tree = html.fromstring(response.get_data(as_text=True))
    beside = tree.get_element_by_id(f"f-{field.replace('.', '-')}-error")
    assert message in " ".join(beside.text_content().split())


def test_the_form_gives_the_unit_hint_for_a_typed_number(api):
    """The form reads numbers itself; a size typed with its unit gets the same hint as a profile file."""
    response = api.get("/?" + urlencode({"name": "a", "host.os": "linux", "host.memory_gib": "64 GB"}))
    tree = html.fromstring(response.get_data(as_text=True))
    beside = tree.get_element_by_id("f-host-memory_gib-error")
    assert "the unit is GiB, so write 64" in beside.text_content()


TAB = "name: a\nhost:\n\tos: linux\n"
TAB_MESSAGE = "a tab character here; YAML indents with spaces only: replace the tab with spaces"


def test_a_tab_is_called_a_tab_by_the_cli(runner, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(TAB, encoding="utf-8")
    result = runner.invoke(cli, ["recommend", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3: invalid YAML: {TAB_MESSAGE}" in result.stderr


def test_a_tab_is_called_a_tab_by_the_api(api):
    response = api.post("/v1/recommendations", data=TAB.encode(), content_type="application/yaml")
    assert response.status_code == 400
    (error,) = response.get_json()["errors"]
    assert error["line"] == 3 and error["msg"].startswith(f"invalid YAML: {TAB_MESSAGE}")


def test_yaml_sent_as_json_is_told_its_content_type(api):
    body = b"name: a\nhost:\n  os: linux\n"
    response = api.post("/v1/recommendations", data=body, content_type="application/json")
    assert response.status_code == 400
    (error,) = response.get_json()["errors"]
    assert (
        error["msg"]
        == "invalid JSON: Expecting value; the body reads as YAML: send it with Content-Type: application/yaml"
    )
    # The same body with its own type is answered.
    assert api.post("/v1/recommendations", data=body, content_type="application/yaml").status_code == 200


def test_json_sent_as_yaml_needs_no_hint(api):
    """JSON is read as JSON whatever the type says (YAML holds JSON), so it is answered, tabs and all."""
    body = json.dumps({"name": "a", "host": {"os": "linux"}}, indent="\t").encode()
    assert api.post("/v1/recommendations", data=body, content_type="application/yaml").status_code == 200


def test_a_body_that_is_neither_gets_no_hint(api):
    response = api.post("/v1/recommendations", data=b"name: [a\n", content_type="application/json")
    assert "Content-Type" not in response.get_json()["errors"][0]["msg"]


def test_a_json_file_holding_yaml_is_told_to_be_named_yaml(runner, tmp_path):
    path = tmp_path / "p.json"
    path.write_text("name: a\nhost:\n  os: linux\n", encoding="utf-8")
    result = runner.invoke(cli, ["recommend", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1: invalid JSON: Expecting value; the file reads as YAML: name it .yaml" in result.stderr


def test_a_decision_records_platform_gets_a_did_you_mean(runner, tmp_path):
    (tmp_path / "web.yaml").write_text("name: web\nhost: {os: linux}\n", encoding="utf-8")
    record = tmp_path / "web.decision.yaml"
    record.write_text(
        "title: Web\nstatus: accepted\ndate: 2025-01-01\ndecision:\n  platform: containers\nprofile_ref: web.yaml\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["check", str(record)])
    assert result.exit_code == 1
    assert "decision.platform: 'containers' is not one of vm, container, hybrid (did you mean container?)" in (
        result.stdout
    )
