"""compose.yaml: the Compose Specification's schema accepts every variant; each service builds its part's
Dockerfile, publishes its ports and checks its health the way the Dockerfile does."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import dockerfile as buildkit
import jsonschema
import pytest
import yaml

from advisor.generators.compose import make_compose
from advisor.generators.dockerfile import make_dockerfile
from advisor.models import WorkloadProfile

ROOT = Path(__file__).resolve().parent.parent
# compose-spec/compose-spec schema/compose-spec.json at commit 170098ba07d9 (2026-06-23), from /work/shared/schemas:
# what `docker compose config` validates against.
SCHEMA = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text(encoding="utf-8"))
COMPOSE = jsonschema.Draft7Validator(SCHEMA)
RUNTIMES = ["python", "node", "go", "java", "dotnet", "static", "other"]


def profile_of(**sections: Any) -> WorkloadProfile:
    return WorkloadProfile.model_validate({"name": "shop", "host": {"os": "linux"}, **sections})


def compose(profile: WorkloadProfile) -> dict:
    return yaml.safe_load(make_compose(profile).content)


VARIANTS = [
    {
        "workload": {"runtime": runtime, "os": [family], "ports": ports, "architecture": architecture},
        "hardware": hardware,
    }
    for runtime, family, ports, architecture, hardware in itertools.product(
        RUNTIMES, ["linux", "windows"], [[], [8080, 9090]], ["microservices", "batch"], [{}, {"gpu": True}]
    )
]


@pytest.mark.parametrize("sections", VARIANTS, ids=lambda s: "-".join(str(v) for v in s["workload"].values()))
def test_the_compose_spec_schema_accepts_every_variant(sections):
    document = compose(profile_of(**sections))
    errors = sorted(COMPOSE.iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_refuses_a_misspelt_service_field():
    document = compose(profile_of())
    document["services"]["shop"]["healthchek"] = {}
    assert not COMPOSE.is_valid(document)


def test_a_single_service_publishes_its_ports_and_checks_health_as_its_dockerfile_does():
    profile = profile_of(workload={"ports": [8080], "health_path": "/healthz"})
    service = compose(profile)["services"]["shop"]
    assert service["build"] == {"context": "."}
    assert service["ports"] == [{"target": 8080, "published": "8080"}]
    [health] = [i for i in buildkit.parse_string(make_dockerfile(profile).content) if i.cmd == "HEALTHCHECK"]
    assert service["healthcheck"]["test"] == ["CMD", *json.loads(health.original.split("CMD ", 1)[1])]
    assert service["user"] == "10001" and service["read_only"] is True and service["cap_drop"] == ["ALL"]
    assert service["security_opt"] == ["no-new-privileges:true"]
    assert service["deploy"]["resources"]["limits"] == {"cpus": "1", "memory": "1024M"}


def test_each_component_is_a_service_built_from_its_own_folder():
    profile = profile_of(
        components=[
            {"name": "web", "workload": {"runtime": "node", "ports": [3000]}},
            {"name": "worker", "workload": {"runtime": "go", "ports": [], "architecture": "batch"}},
        ]
    )
    document = compose(profile)
    assert document["name"] == "shop"
    assert list(document["services"]) == ["web", "worker"]
    assert document["services"]["web"]["build"] == {"context": "./web"}
    assert document["services"]["worker"]["restart"] == "no"
    assert "ports" not in document["services"]["worker"]


def test_a_gpu_is_reserved_through_the_nvidia_driver():
    service = compose(profile_of(hardware={"gpu": True}))["services"]["shop"]
    assert service["deploy"]["resources"]["reservations"] == {
        "devices": [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    }
