"""The workload profile contract: defaults, and errors that name the field, the line and the allowed values."""

from __future__ import annotations

import json

import pytest

from advisor.errors import InvalidInput
from advisor.models import WorkloadProfile
from advisor.profiles import parse_profile_json, parse_profiles, read_profiles


def test_only_name_and_host_os_are_required():
    profile = parse_profiles("name: web\nhost: {os: linux}\n")[0]
    assert profile.workload.os == ["linux"]
    assert profile.workload.kernel == "shared"
    assert profile.security.isolation == "standard"
    assert profile.scale.instances == 3
    assert profile.resources.memory_gib == 1
    assert profile.host.cpus is None
    assert profile.components == []


def test_every_field_but_name_and_host_os_has_a_documented_default():
    schema = WorkloadProfile.model_json_schema()
    assert schema["required"] == ["name", "host"]
    host = schema["$defs"]["Host"]
    assert host["required"] == ["os"]
    for name, definition in schema["$defs"].items():
        for field, spec in definition.get("properties", {}).items():
            assert spec.get("description") or "$ref" in spec or "anyOf" in spec, f"{name}.{field} lacks help"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: web\nhost: {os: solaris}\n", "<t>:2: host.os: 'solaris' is not one of linux, windows, macos"),
        ("name: web\nhost:\n  os: linux\n  oss: linux\n", "<t>:4: host.oss: unknown field (did you mean 'os'?)"),
        (
            "name: Web_1\nhost: {os: linux}\n",
            "<t>:1: name: 'Web_1' is not a DNS label: use 1 to 63 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit",
        ),
        (
            "name: web\nhost: {os: linux}\nworkload:\n  os: [linux, plan9]\n",
            "<t>:4: workload.os[1]: 'plan9' is not one of linux, windows, bsd, macos, other",
        ),
        (
            "name: web\nhost: {os: linux}\nscale:\n  instances: 0\n",
            "<t>:4: scale.instances: should be at least 1, got 0",
        ),
        ("name: web\nhost: {}\n", "<t>:2: host.os: is required"),
        ("host: {os: linux}\n", "<t>:1: name: is required"),
        (
            "name: web\nhost: {os: linux}\nsecurity: {isolation: paranoid}\n",
            "<t>:3: security.isolation: 'paranoid' is not one of standard, high, strict",
        ),
        (
            "name: web\nhost: {os: linux}\nworkload: {ports: [80, 70000]}\n",
            "<t>:3: workload.ports[1]: should be at most 65535, got 70000",
        ),
        (
            "name: web\nhost: {os: linux}\ncomponents: [{name: a}, {name: a}]\n",
            "<t>:3: components: the name 'a' is used twice",
        ),
        ("name: web\nhost: {os: linux\n", "<t>:3: invalid YAML: did not find expected ',' or '}'"),
        ("- a\n- b\n", "<t>:1: a profile is a mapping of fields, got list"),
        ("", "<t>: no profile found (the document is empty)"),
    ],
    ids=[
        "enum-miss",
        "unknown-key",
        "bad-name",
        "list-item",
        "below-minimum",
        "missing-host-os",
        "missing-name",
        "isolation",
        "port-range",
        "duplicate-component",
        "yaml-syntax",
        "not-a-mapping",
        "empty",
    ],
)
def test_invalid_profiles_name_file_line_and_field(text, expected):
    with pytest.raises(InvalidInput) as caught:
        parse_profiles(text, source="<t>")
    assert str(caught.value).splitlines()[0] == expected


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        parse_profiles("name: web\nhost: {os: bsd}\nscale: {instances: -1, elasticity: sometimes}\n", "<t>")
    assert [e.loc for e in caught.value.errors] == ["host.os", "scale.instances", "scale.elasticity"]


def test_json_profiles_are_accepted_and_errors_name_the_field():
    profile = parse_profile_json(json.dumps({"name": "web", "host": {"os": "windows", "wsl2": True}}))
    assert profile.host.wsl2 is True
    with pytest.raises(InvalidInput) as caught:
        parse_profile_json('{"name": "web", "host": {"os": "linux", "cloud": "oracle"}}')
    assert caught.value.errors[0].loc == "host.cloud"
    assert caught.value.errors[0].msg == "'oracle' is not one of none, aws, azure, gcp, vmware"
    with pytest.raises(InvalidInput, match="invalid JSON"):
        parse_profile_json("{not json")


def test_a_multi_document_file_gives_one_profile_per_document(tmp_path):
    path = tmp_path / "estate.yaml"
    path.write_text("name: a\nhost: {os: linux}\n---\nname: b\nhost: {os: macos}\n", encoding="utf-8")
    assert [p.name for p in read_profiles([str(path)])] == ["a", "b"]


def test_directories_give_their_profile_files_in_name_order(tmp_path):
    for name in ("b.yaml", "a.json", "notes.txt"):
        (tmp_path / name).write_text(f'{{"name": "{name[0]}", "host": {{"os": "linux"}}}}', encoding="utf-8")
    assert [p.name for p in read_profiles([str(tmp_path)])] == ["a", "b"]


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        read_profiles([str(tmp_path / "missing.yaml")])
    assert str(caught.value) == f"{tmp_path / 'missing.yaml'}: cannot read: No such file or directory"


def test_components_inherit_the_sections_they_do_not_give():
    profile = WorkloadProfile.model_validate(
        {
            "name": "estate",
            "host": {"os": "linux"},
            "security": {"isolation": "high"},
            "workload": {"architecture": "microservices"},
            "components": [{"name": "db", "workload": {"legacy": True}}],
        }
    )
    db = profile.component_profile(profile.components[0])
    assert db.name == "db"
    assert db.security.isolation == "high"  # inherited whole
    assert db.workload.legacy is True
    assert db.workload.architecture == "monolith"  # the component's own section replaces the parent's
    assert db.host == profile.host


def test_a_yaml_flow_mapping_is_yaml_though_it_starts_like_json():
    from advisor.profiles import parse_profiles

    assert parse_profiles("{name: x, host: {os: linux}}", "p.yaml")[0].name == "x"
    with pytest.raises(InvalidInput) as caught:
        parse_profiles("{name: x, host: {os: linux}}", "p.json")
    assert "invalid JSON" in str(caught.value)
