"""OVF descriptor: valid under DMTF's OVF 1.1.1 schema (xmllint), with vSphere's guest ids and devices per guest."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from advisor.cli import cli
from advisor.errors import InvalidInput
from advisor.generators.libvirt import GuestOS, guest_oses
from advisor.generators.ovf import OVF_NS, RASD_NS, VMW_NS, VSPHERE_GUESTS, make_ovf, vsphere_guest
from advisor.models import WorkloadProfile
from tests.support import guest_profile

SCHEMA = Path(__file__).parent / "data" / "ovf" / "dsp8023_1.1.1.xsd"
NS = {"ovf": OVF_NS, "rasd": RASD_NS, "vmw": VMW_NS}


def profile(name: str = "vm1", os_id: str = "win2k22", resources: dict | None = None) -> WorkloadProfile:
    return guest_profile(name, os_id, {"os": "linux", "cloud": "vmware"}, resources)


PROFILES = {
    "win11-small": profile("desk", "win11", {"cpus": 2, "memory_gib": 4, "disk_gib": 64}),
    "win11-large": profile("cad", "win11", {"cpus": 16, "memory_gib": 64, "disk_gib": 1024}),
    "win2k22": profile("erp", "win2k22"),
    "ubuntu24.04": profile("web", "ubuntu24.04", {"cpus": 1, "memory_gib": 3.5, "disk_gib": 20}),
    "rhel9.4-large": profile("db", "rhel9.4", {"cpus": 32, "memory_gib": 256, "disk_gib": 4096}),
    "freebsd14.0": profile("fw", "freebsd14.0"),
    "freebsd14.5": profile("fw", "freebsd14.5"),
    "freebsd15.1": profile("fw", "freebsd15.1"),
    "generic": profile("box", "generic"),
}


def xmllint(path: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("xmllint")
    assert binary, "xmllint is not installed: run `make test`, which installs libxml2-utils"
    argv = [binary, "--noout", "--nonet", "--schema", str(SCHEMA), str(path)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def parse(key: str) -> etree._Element:
    return etree.fromstring(make_ovf(PROFILES[key]).content.encode())


def items(root: etree._Element) -> dict[str, etree._Element]:
    """The virtual hardware items by ResourceType."""
    return {item.findtext("rasd:ResourceType", namespaces=NS): item for item in root.iterfind(".//ovf:Item", NS)}


def config(root: etree._Element) -> dict[str, str]:
    return {c.get(f"{{{VMW_NS}}}key"): c.get(f"{{{VMW_NS}}}value") for c in root.iterfind(".//vmw:Config", NS)}


@pytest.mark.parametrize("key", PROFILES)
def test_xmllint_validates_every_descriptor_against_the_ovf_schema(key, tmp_path):
    path = tmp_path / "vm.ovf"
    path.write_text(make_ovf(PROFILES[key]).content, encoding="utf-8")
    result = xmllint(path)
    assert result.returncode == 0, result.stderr
    assert f"{path} validates" in result.stderr


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        # an item without the InstanceID every RASD must have
        (("<rasd:InstanceID>1</rasd:InstanceID>", ""), "InstanceID"),
        # RASD elements out of the schema's (alphabetical) order
        (("<rasd:Address>0</rasd:Address>", "<rasd:Weight>1</rasd:Weight><rasd:Address>0</rasd:Address>"), "Address"),
        # an element the envelope does not have
        (("<Name>erp</Name>", "<Nickname>erp</Nickname>"), "Nickname"),
        # a CIM OS type that is not a number
        (('ovf:id="102"', 'ovf:id="windows"'), "windows"),
    ],
)
def test_xmllint_refuses_a_broken_descriptor(breakage, expected, tmp_path):
    # The schema check can fail: the same descriptor, broken one way, is refused.
    text = make_ovf(PROFILES["win2k22"]).content
    old, new = breakage
    assert old in text
    path = tmp_path / "broken.ovf"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = xmllint(path)
    assert result.returncode != 0
    assert "fails to validate" in result.stderr and expected in result.stderr


@pytest.mark.parametrize(
    ("key", "guest_id", "cim"),
    [
        ("win11-small", "windows11_64Guest", "102"),
        ("win2k22", "windows2019srvNext_64Guest", "102"),
        ("ubuntu24.04", "ubuntu64Guest", "94"),
        ("rhel9.4-large", "rhel9_64Guest", "80"),
        ("freebsd14.0", "freebsd14_64Guest", "78"),
        ("freebsd14.5", "freebsd14_64Guest", "78"),
        ("freebsd15.1", "freebsd14_64Guest", "78"),
        ("generic", "otherGuest64", "102"),
    ],
)
def test_guest_os_type_is_vspheres_guest_id(key, guest_id, cim):
    section = parse(key).find(".//ovf:OperatingSystemSection", NS)
    assert section.get(f"{{{VMW_NS}}}osType") == guest_id
    assert section.get(f"{{{OVF_NS}}}id") == cim


def test_every_table_entry_is_a_guest_the_generator_knows():
    assert set(VSPHERE_GUESTS) <= set(guest_oses())
    for entry in VSPHERE_GUESTS.values():
        assert re.fullmatch(r"[a-z][A-Za-z0-9_]*Guest(64)?", entry.guest_id)


@pytest.mark.parametrize(
    ("family", "guest_id"),
    [
        ("linux", "other5xLinux64Guest"),
        ("windows", "windows2019srvNext_64Guest"),
        ("bsd", "freebsd14_64Guest"),
        ("other", "otherGuest64"),
    ],
)
def test_a_guest_missing_from_the_table_gets_its_familys_id(family, guest_id):
    newer = GuestOS(short_id="os99", name="OS 99", family=family, source="test")
    assert vsphere_guest(newer).guest_id == guest_id


def test_the_usual_freebsd_deploys_as_vsphere_8s_freebsd_id_and_a_release_missing_from_the_table_says_so():
    # ESXi 8.0 (vmx-20) has no freebsd15_64Guest: FreeBSD 15 deploys as FreeBSD 14, named in the table, so no note.
    family_only = WorkloadProfile.model_validate(
        {"name": "fw", "host": {"os": "linux", "cloud": "vmware"}, "workload": {"os": ["bsd"]}}
    )
    artifact = make_ovf(family_only)
    section = etree.fromstring(artifact.content.encode()).find(".//ovf:OperatingSystemSection", NS)
    assert (section.get(f"{{{VMW_NS}}}osType"), section.get(f"{{{OVF_NS}}}id")) == ("freebsd14_64Guest", "78")
    assert section.findtext("ovf:Description", namespaces=NS) == "FreeBSD 14 (64-bit)"
    assert not [note for note in artifact.notes if "no guestId" in note]
    older = make_ovf(profile("fw", "freebsd15.0"))
    assert "FreeBSD 15.0 has no guestId in advisor's table: the OVF says freebsd14_64Guest." in older.notes


def test_every_guest_the_generator_knows_has_a_vsphere_id():
    # New osinfo ids fall back to their family's id, so every guest deploys; the note says which id it got.
    for guest in guest_oses().values():
        assert vsphere_guest(guest).guest_id


@pytest.mark.parametrize(
    ("key", "vcpus", "memory_mb", "disk_gb"),
    [
        ("win11-small", 2, 4096, 64),
        ("win11-large", 16, 65536, 1024),
        ("ubuntu24.04", 1, 3584, 20),
        ("rhel9.4-large", 32, 262144, 4096),
    ],
)
def test_sizing_comes_from_the_profile(key, vcpus, memory_mb, disk_gb):
    root = parse(key)
    hardware = items(root)
    assert hardware["3"].findtext("rasd:VirtualQuantity", namespaces=NS) == str(vcpus)
    assert hardware["4"].findtext("rasd:VirtualQuantity", namespaces=NS) == str(memory_mb)
    assert hardware["4"].findtext("rasd:AllocationUnits", namespaces=NS) == "byte * 2^20"
    disk = root.find(".//ovf:Disk", NS)
    assert disk.get(f"{{{OVF_NS}}}capacity") == str(disk_gb)
    assert disk.get(f"{{{OVF_NS}}}capacityAllocationUnits") == "byte * 2^30"
    assert disk.get(f"{{{OVF_NS}}}fileRef") is None  # created empty on deployment


@pytest.mark.parametrize(
    ("key", "controller", "nic", "firmware", "secure_boot"),
    [
        ("win11-small", "vmware.nvme.controller", "E1000e", "efi", "true"),
        ("win2k22", "vmware.nvme.controller", "E1000e", "efi", "true"),
        ("ubuntu24.04", "VirtualSCSI", "VmxNet3", "efi", "true"),
        ("rhel9.4-large", "VirtualSCSI", "VmxNet3", "efi", "true"),
        ("freebsd14.0", "lsilogic", "E1000", "efi", "false"),
        ("generic", "lsilogic", "E1000", "bios", "false"),
    ],
)
def test_devices_are_ones_the_guest_drives_out_of_the_box(key, controller, nic, firmware, secure_boot):
    root = parse(key)
    subtypes = [item.findtext("rasd:ResourceSubType", namespaces=NS) for item in root.iterfind(".//ovf:Item", NS)]
    assert controller in subtypes and "vmware.sata.ahci" in subtypes
    hardware = items(root)
    assert hardware["10"].findtext("rasd:ResourceSubType", namespaces=NS) == nic
    assert hardware["10"].findtext("rasd:Connection", namespaces=NS) == "VM Network"
    assert config(root) == {"firmware": firmware, "bootOptions.efiSecureBootEnabled": secure_boot}


def test_disk_and_cdrom_hang_off_their_controllers():
    root = parse("win2k22")
    by_id = {i.findtext("rasd:InstanceID", namespaces=NS): i for i in root.iterfind(".//ovf:Item", NS)}
    disk, cdrom = items(root)["17"], items(root)["15"]
    assert disk.findtext("rasd:HostResource", namespaces=NS) == "ovf:/disk/disk1"
    assert by_id[disk.findtext("rasd:Parent", namespaces=NS)].findtext("rasd:ResourceType", namespaces=NS) == "20"
    cdrom_parent = by_id[cdrom.findtext("rasd:Parent", namespaces=NS)]
    assert cdrom_parent.findtext("rasd:ResourceSubType", namespaces=NS) == "vmware.sata.ahci"
    assert root.find(".//ovf:VirtualSystem", NS).get(f"{{{OVF_NS}}}id") == "erp"


def test_notes_name_the_tpm_windows_11_needs_and_the_host_it_is_for():
    notes = " ".join(make_ovf(PROFILES["win11-small"]).notes)
    assert "add a virtual TPM after deploying" in notes
    assert "ovftool --name=desk" in notes
    on_premises = WorkloadProfile.model_validate({"name": "x", "host": {"os": "linux"}})
    assert "host.cloud is not vmware" in " ".join(make_ovf(on_premises).notes)


def _shape(root: etree._Element) -> list[tuple[str, tuple[str, ...]]]:
    return [(element.tag, tuple(sorted(element.attrib))) for element in root.iter()]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_no_name_adds_an_element(name):
    # Components are built with model_construct, so a name may reach the generator unvalidated.
    base = PROFILES["win2k22"]
    reference = _shape(etree.fromstring(make_ovf(base).content.encode()))
    crafted = WorkloadProfile.model_construct(_fields_set=base.model_fields_set, **{**dict(base), "name": name})
    try:
        text = make_ovf(crafted).content
    except InvalidInput as refused:
        assert [e.loc for e in refused.errors] == ["name"]
        return
    assert _shape(etree.fromstring(text.encode())) == reference


def test_every_committed_example_descriptor_validates():
    examples = sorted((Path(__file__).parent.parent / "examples" / "artifacts").rglob("*.ovf"))
    assert examples, "no example OVF: examples/claims-desk.yaml is a vSphere estate"
    for path in examples:
        result = xmllint(path)
        assert result.returncode == 0, result.stderr


def test_emit_ovf_is_refused_outside_a_vsphere_estate(runner):
    refused = runner.invoke(cli, ["emit", "ovf", str(Path(__file__).parent.parent / "examples" / "legacy-erp.yaml")])
    assert refused.exit_code == 1
    assert "ovf: legacy-erp's recommendation is vm; this kind is written for a VM or hybrid verdict in a vSphere " \
        "estate" in refused.stderr  # fmt: skip
