"""The profile facts added for issue 12: optional, defaulted, validated the same way by the model and the schema."""

from __future__ import annotations

import jsonschema
import pytest

from advisor.engine.decide import recommend
from advisor.errors import InvalidInput
from advisor.models import WorkloadProfile
from advisor.profiles import validate_profile

SCHEMA = jsonschema.Draft202012Validator(WorkloadProfile.model_json_schema())

REFUSED = [
    ("windows-edition-on-linux", {"host": {"os": "linux", "windows_edition": "server"}}, "host", "windows_edition"),
    ("windows-build-on-macos", {"host": {"os": "macos", "windows_build": 20348}}, "host", "windows_build"),
    ("proxmox-on-windows", {"host": {"os": "windows", "kind": "proxmox-ve"}}, "host", "kind: proxmox-ve"),
    ("hyper-v-server-on-linux", {"host": {"os": "linux", "kind": "hyper-v-server"}}, "host", "kind: hyper-v-server"),
    ("gpu-count-without-gpu", {"host": {"os": "linux"}, "hardware": {"gpu": False, "gpus": 2}}, "hardware", "gpus"),
    ("build-too-old", {"host": {"os": "windows", "windows_build": 9600}}, "host.windows_build", "10240"),
    ("unknown-kernel", {"host": {"os": "linux"}, "workload": {"kernel": "realtime"}}, "workload.kernel", "tuned"),
]


@pytest.mark.parametrize(("data", "loc", "words"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_the_model_and_the_schema_refuse_the_same_combinations(data, loc, words):
    data = {"name": "p", **data}
    with pytest.raises(InvalidInput) as caught:
        validate_profile(data)
    (error,) = caught.value.errors
    assert error.loc == loc and words in error.msg
    assert list(SCHEMA.iter_errors(data)), "the JSON Schema lets through what the model refuses"


def test_every_new_fact_is_optional_with_its_documented_default():
    profile = WorkloadProfile.model_validate({"name": "p", "host": {"os": "linux"}})
    assert (profile.host.kind, profile.host.windows_edition, profile.host.windows_build) == (
        "general-purpose",
        None,
        None,
    )
    assert (profile.host.cpu_arch, profile.host.connectivity) == ("amd64", "connected")
    workload = profile.workload
    assert (workload.kernel, workload.cpu_arch, workload.windows_build, workload.state) == (
        "shared",
        "multi",
        None,
        "stateless",
    )
    assert (workload.node_agent, workload.vendor_supports, workload.uncertified) == (False, "any", "forbid")
    assert (profile.hardware.gpus, profile.hardware.gpu_sharing) == (None, "whole")


def test_a_gpu_count_alone_means_a_gpu_and_gpu_true_alone_still_works():
    counted = WorkloadProfile.model_validate({"name": "p", "host": {"os": "linux"}, "hardware": {"gpus": 2}})
    assert counted.hardware.gpu is True and counted.given()["hardware"] == {"gpu": True, "gpus": 2}
    flagged = WorkloadProfile.model_validate({"name": "p", "host": {"os": "linux"}, "hardware": {"gpu": True}})
    assert flagged.hardware.gpus is None


def test_a_component_on_its_own_host_is_answered_for_that_host(ruleset):
    profile = WorkloadProfile.model_validate(
        {
            "name": "estate",
            "host": {"os": "linux", "cpus": 32, "memory_gib": 128},
            "components": [
                {"name": "web"},
                {"name": "iis", "host": {"os": "windows"}, "workload": {"os": ["windows"]}},
            ],
        }
    )
    assert profile.component_profile(profile.components[1]).host.os == "windows"
    assert profile.component_profile(profile.components[0]).host.os == "linux"
    result = recommend(profile, ruleset)
    # On the Linux host a Windows workload would need a VM; on its own Windows node it runs as a container.
    assert [(c.name, c.platform) for c in result.components] == [("web", "container"), ("iis", "container")]
    assert result.capacity is None  # two hosts: no one host's capacity to sum
