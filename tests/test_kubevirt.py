"""KubeVirt VirtualMachine: KubeVirt's own OpenAPI definitions accept every guest, and the VM is the same
guest as the domain XML (sizing, devices, firmware)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from lxml import etree

from advisor.generators.kubevirt import make_kubevirt
from advisor.generators.libvirt import disk_command, guest_oses, make_domain_xml
from advisor.models import WorkloadProfile

ROOT = Path(__file__).resolve().parent.parent
# KubeVirt's api/openapi-spec/swagger.json at commit d923fdb815cd (2026-08-22), from /work/shared/schemas.
SWAGGER = json.loads((ROOT / "tests" / "data" / "kubevirt-openapi.json").read_text(encoding="utf-8"))


def _closed(schema: Any) -> Any:
    """The definitions with every object that lists its properties closed to others: a misspelt field fails,
    as kubernetes-validate --strict does for Kubernetes' own kinds."""
    if isinstance(schema, dict):
        closed = {key: _closed(value) for key, value in schema.items()}
        if isinstance(schema.get("properties"), dict) and "additionalProperties" not in schema:
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


DEFINITIONS = _closed(SWAGGER["definitions"])


def validator(definition: str) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": DEFINITIONS})


VIRTUAL_MACHINE = validator("v1.VirtualMachine")


def profile_of(os_id: str, **workload: Any) -> WorkloadProfile:
    family = guest_oses()[os_id].family
    return WorkloadProfile.model_validate(
        {"name": "erp", "host": {"os": "linux"}, "workload": {"os": [family], "os_id": os_id, **workload}}
    )


def machine(profile: WorkloadProfile) -> dict:
    namespace, vm = yaml.safe_load_all(make_kubevirt(profile).content)
    assert namespace == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": profile.name}}
    return vm


GUESTS = [os_id for os_id in sorted(guest_oses()) if guest_oses()[os_id].family != "other"] + ["generic"]


@pytest.mark.parametrize("os_id", GUESTS)
@pytest.mark.parametrize("gui", [False, True], ids=["headless", "gui"])
def test_kubevirts_own_schema_accepts_the_vm_for_every_guest(os_id, gui):
    vm = machine(profile_of(os_id, gui=gui))
    errors = sorted(VIRTUAL_MACHINE.iter_errors(vm), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert (vm["apiVersion"], vm["kind"]) == ("kubevirt.io/v1", "VirtualMachine")


def test_the_closed_schema_refuses_a_misspelt_field():
    vm = machine(profile_of("debian12"))
    vm["spec"]["template"]["spec"]["domain"]["cpu"]["coresz"] = 2
    assert not VIRTUAL_MACHINE.is_valid(vm)


@pytest.mark.parametrize("os_id", ["win11", "win2k22", "ubuntu24.04", "freebsd14.0"])
def test_the_vm_is_sized_and_equipped_like_the_domain_xml(os_id):
    profile = profile_of(os_id)
    domain = etree.fromstring(make_domain_xml(profile).content.encode())
    spec = machine(profile)["spec"]
    vm = spec["template"]["spec"]["domain"]
    assert vm["cpu"]["cores"] == int(domain.findtext("vcpu"))
    assert vm["memory"]["guest"] == f"{domain.findtext('memory')}Mi"
    disk_bus = domain.find("devices/disk/target").get("bus")
    assert vm["devices"]["disks"][0]["disk"]["bus"] == disk_bus
    assert vm["devices"]["interfaces"][0]["model"] == domain.find("devices/interface/model").get("type")
    efi = domain.find("os").get("firmware") == "efi"
    assert ("firmware" in vm) == efi == ("tpm" in vm["devices"]) == ("smm" in vm["features"])
    assert ("hyperv" in vm["features"]) == (domain.find("features/hyperv") is not None)
    storage = spec["dataVolumeTemplates"][0]["spec"]["storage"]["resources"]["requests"]["storage"]
    assert storage == disk_command(profile)[-1].replace("G", "Gi")  # qemu-img's size for the domain's disk


def test_windows_11_gets_secure_boot_a_tpm_and_hyper_v_enlightenments():
    vm = machine(profile_of("win11"))["spec"]["template"]["spec"]["domain"]
    assert vm["firmware"] == {"bootloader": {"efi": {"secureBoot": True, "persistent": True}}}
    assert vm["devices"]["tpm"] == {"persistent": True}
    assert vm["features"]["smm"] == {"enabled": True}
    assert vm["features"]["hyperv"] == {"relaxed": {}, "vapic": {}, "spinlocks": {"spinlocks": 8191}}
    assert "hyperv" in vm["clock"]["timer"]


def test_linux_gets_cloud_init_from_a_containerdisk_and_windows_a_sysprep_note():
    linux = make_kubevirt(profile_of("ubuntu24.04"))
    spec = yaml.safe_load_all(linux.content)
    vm = list(spec)[1]["spec"]
    assert vm["dataVolumeTemplates"][0]["spec"]["source"] == {
        "registry": {"url": "docker://quay.io/containerdisks/ubuntu:24.04"}
    }
    [cloud_init] = [v for v in vm["template"]["spec"]["volumes"] if "cloudInitNoCloud" in v]
    user_data = cloud_init["cloudInitNoCloud"]["userData"]
    assert user_data.startswith("#cloud-config\n")
    assert yaml.safe_load(user_data)["users"][0]["name"] == "admin"
    windows = make_kubevirt(profile_of("win2k22"))
    vm = list(yaml.safe_load_all(windows.content))[1]["spec"]
    assert vm["dataVolumeTemplates"][0]["spec"]["source"] == {"upload": {}}
    assert not [v for v in vm["template"]["spec"]["volumes"] if "cloudInitNoCloud" in v]
    assert any("sysprep" in note for note in windows.notes)
