"""Xen domain XML: valid under libvirt's schema, defined and started on the test driver, installable as noted."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import libvirt
import pytest
from lxml import etree

from advisor.errors import InvalidInput
from advisor.generators.libvirt import guest_oses, make_domain_xml, sizing
from advisor.generators.xen import (
    VIRIDIAN,
    eject_installer_command,
    insert_installer_command,
    make_xen_domain,
    make_xen_file,
    xen_disk_command,
)
from advisor.profiles import validate_profile

GUESTS = guest_oses()
DOMAIN_RNG = "/usr/share/libvirt/schemas/domain.rng"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: run `make test`, which installs the Debian packages the tests drive"
    return path


def profile_for(os_id: str, name: str = "x", **workload):
    family = GUESTS[os_id].family
    data = {"name": name, "host": {"os": "linux"}, "workload": {"os": [family], "os_id": os_id, **workload}}
    return validate_profile(data)


def parse(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


CASES = [(os_id, False) for os_id in GUESTS] + [(os_id, True) for os_id in GUESTS if GUESTS[os_id].family == "linux"]


@pytest.mark.libvirt
def test_every_guest_validates_and_starts_on_the_test_driver(tmp_path):
    schema = etree.RelaxNG(file=DOMAIN_RNG)
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    try:
        for index, (os_id, pvh) in enumerate(CASES):
            xml = make_xen_domain(profile_for(os_id, name=f"x{index}"), pvh=pvh)
            assert schema.validate(parse(xml)), (os_id, pvh, schema.error_log)
            domain = conn.defineXML(xml)
            domain.create()
            live = parse(domain.XMLDesc(0))
            assert (live.get("type"), domain.isActive()) == ("xen", True), (os_id, pvh)
            assert live.findtext("os/type") == ("xenpvh" if pvh else "hvm")
            path = tmp_path / f"x{index}.xml"
            path.write_text(xml, encoding="utf-8")
            run = subprocess.run([tool("virt-xml-validate"), str(path), "domain"], capture_output=True, text=True)
            assert run.returncode == 0, run.stderr
    finally:
        conn.close()


def _virt_xml(argv: list[str], xml: str) -> str:
    # The note's options on the XML: with no domain name, virt-xml edits the XML it reads on stdin.
    assert argv[:3] == ["virt-xml", "-c", "xen:///system"]
    run = subprocess.run(
        [tool("virt-xml"), "--connect", "test:///default", *argv[4:]], input=xml, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.libvirt
@pytest.mark.parametrize("os_id", ["debian13", "win2k22", "win11", "freebsd15.1", "generic"])
def test_the_install_note_boots_the_installer_then_the_disk(os_id, tmp_path):
    profile = profile_for(os_id)
    artifact = make_xen_file(profile)
    notes = " ".join(artifact.notes)
    for command in (insert_installer_command(profile), eject_installer_command(profile), xen_disk_command(profile)):
        assert shlex.join(command) in notes
    iso = tmp_path / "installer.iso"
    iso.write_bytes(bytes(2048))
    inserted = _virt_xml(insert_installer_command(profile, str(iso)), artifact.content)
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    try:
        domain = conn.defineXML(inserted)
        domain.create()
        live = parse(domain.XMLDesc(0))
    finally:
        conn.close()
    assert [boot.get("dev") for boot in live.iterfind("os/boot")] == ["cdrom", "hd"]
    assert live.find("devices/disk[@device='cdrom']/source").get("file") == str(iso)
    ejected = parse(_virt_xml(eject_installer_command(profile), inserted))
    assert ejected.find("devices/disk[@device='cdrom']/source") is None
    assert ejected.find("devices/disk[@device='disk']/source").get("file") == "/var/lib/xen/images/x.qcow2"


def test_the_size_and_guest_os_are_the_kvm_generators():
    profile = profile_for("win2k22", name="db")
    kvm, xen = parse(make_domain_xml(profile).content), parse(make_xen_domain(profile))
    for path in ("memory", "vcpu", "cpu/topology", "metadata"):
        assert etree.tostring(kvm.find(path)) == etree.tostring(xen.find(path)), path
    assert xen_disk_command(profile)[-1] == f"{sizing(profile, GUESTS['win2k22']).disk_gib}G"


@pytest.mark.parametrize(
    ("os_id", "disk", "nic"),
    [("debian13", "xen", "netfront"), ("freebsd15.1", "xen", "netfront"), ("win2k22", "ide", "e1000")],
)
def test_pv_devices_where_the_guest_kernel_has_xen_front_ends(os_id, disk, nic):
    root = parse(make_xen_domain(profile_for(os_id)))
    assert root.find("devices/disk[@device='disk']/target").get("bus") == disk
    assert root.find("devices/interface/model").get("type") == nic
    assert root.find("devices/graphics").get("type") == "vnc"


def test_windows_gets_the_enlightenments_libxl_maps_to_viridian_and_uefi_for_windows_11():
    root = parse(make_xen_domain(profile_for("win11")))
    assert [child.tag for child in root.find("features/hyperv")] == list(VIRIDIAN)
    assert root.find("os/loader").get("type") == "pflash"
    assert root.find("clock").get("offset") == "localtime"
    assert parse(make_xen_domain(profile_for("debian13"))).find("features/hyperv") is None


def test_pvh_is_for_linux_only_and_has_no_emulated_devices():
    root = parse(make_xen_domain(profile_for("debian13"), pvh=True))
    assert root.find("os/kernel").text.endswith("grub-i386-xen_pvh.bin")
    assert root.find("devices/graphics") is None and root.find("devices/disk[@device='cdrom']") is None
    with pytest.raises(InvalidInput) as caught:
        make_xen_domain(profile_for("win2k22"), pvh=True)
    assert caught.value.errors[0].loc == "workload.os_id"


def test_a_name_that_skipped_validation_is_refused():
    profile = profile_for("debian13").model_copy(update={"name": "x</name><evil/>"})
    with pytest.raises(InvalidInput) as caught:
        make_xen_domain(profile)
    assert caught.value.errors[0].loc == "name"
