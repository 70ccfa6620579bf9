"""Domain XML: per-OS facts match osinfo-db, devices follow virt-install, and libvirt itself accepts every variant."""

from __future__ import annotations

import itertools
import shlex
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from advisor.errors import InvalidInput
from advisor.generators.libvirt import (
    HYPERV_ENLIGHTENMENTS,
    LIBOSINFO_NS,
    PCIE_ROOT_PORTS,
    attach_installer_command,
    detach_installer_command,
    disk_command,
    guest_oses,
    make_domain_xml,
)
from advisor.models import WorkloadProfile
from advisor.profiles import validate_profile
from tests.support import make_profile, tool

OSINFO_DIR = Path("/usr/share/osinfo/os")
DOMAIN_RNG = Path("/usr/share/libvirt/schemas/domain.rng")
GIB = 1024**3
MIB = 1024**2

GUESTS = guest_oses()
REQUIRED_IDS = ["ubuntu22.04", "ubuntu24.04", "debian12", "debian13", "rhel9.0", "rhel10.0", "fedora40"]
REQUIRED_IDS += ["linux2022", "linux2024", "win10", "win11", "win2k19", "win2k22", "win2k25"]
REQUIRED_IDS += ["freebsd14.0", "freebsd14.4", "freebsd14.5", "freebsd15.0", "freebsd15.1"]
# The osinfo device ids behind each name data/osinfo.yaml uses (virt-install's osdict.py checks the same).
DEVICE_IDS = {
    "q35": ["http://qemu.org/chipset/x86/q35"],
    "virtio-disk": ["http://pcisig.com/pci/1af4/1001", "http://pcisig.com/pci/1af4/1042"],
    "virtio-net": ["http://pcisig.com/pci/1af4/1000", "http://pcisig.com/pci/1af4/1041"],
    "virtio-gpu": ["http://pcisig.com/pci/1af4/1050"],
    "usb3": ["http://pcisig.com/pci/1b36/0004"],
    "virtio-rng": ["http://pcisig.com/pci/1af4/1005", "http://pcisig.com/pci/1af4/1044"],
    "virtio-balloon": ["http://pcisig.com/pci/1af4/1002", "http://pcisig.com/pci/1af4/1045"],
    "virtio-serial": ["http://pcisig.com/pci/1af4/1003", "http://pcisig.com/pci/1af4/1043"],
}


def guest_profile(os_id: str, *, gui: bool = False, virtio: bool = False, host: str = "linux", **sections):
    family = GUESTS[os_id].family
    workload = {"os": [family], "os_id": os_id, "gui": gui, "virtio_drivers": virtio, **sections.pop("workload", {})}
    return make_profile(host={"os": host}, workload=workload, **sections)


def parse(profile: WorkloadProfile) -> etree._Element:
    return etree.fromstring(make_domain_xml(profile).content.encode())


def attr(root: etree._Element, path: str, name: str) -> str | None:
    found = root.find(path)
    return None if found is None else found.get(name)


# --- The shipped facts are osinfo-db's ---


def _os_elements() -> dict[str, etree._Element]:
    assert OSINFO_DIR.is_dir(), f"{OSINFO_DIR} is missing: install osinfo-db (make test does)"
    by_id: dict[str, etree._Element] = {}
    by_uri: dict[str, etree._Element] = {}
    # Not the <os>.d folders: they hold drivers under the same os id, which would hide the OS itself.
    for path in sorted(p for p in OSINFO_DIR.glob("**/*.xml") if not p.parent.name.endswith(".d")):
        for os_element in etree.parse(str(path)).getroot().iterfind("os"):
            by_uri[os_element.get("id")] = os_element
            for short_id in os_element.iterfind("short-id"):
                by_id[short_id.text] = os_element
    return by_id, by_uri


def _resources(os_element, by_uri, kind: str) -> dict[str, int]:
    """What virt-install reads for an x86_64 guest: per key, arch x86_64 first, then all; inherit=true followed."""
    found: dict[str, int] = {}
    for arch in ("x86_64", "all"):
        block = os_element.find(f"resources[@arch='{arch}']")
        if block is None:
            continue
        if block.get("inherit") == "true":
            parent = by_uri[os_element.find("derives-from").get("id")]
            inherited = _resources(parent, by_uri, kind)
            found = {**inherited, **found}
            continue
        for key in ("n-cpus", "ram", "storage"):
            value = block.findtext(f"{kind}/{key}")
            if value is not None:
                found.setdefault(key.replace("-", "_"), int(value))
    return found


def _devices(os_element, by_uri) -> set[str]:
    """osinfo's get_all_devices: the OS's own devices and those of what it derives from, less unsupported ones."""
    found: set[str] = set()
    parent = os_element.find("derives-from")
    if parent is not None and parent.get("id") in by_uri:
        found |= _devices(by_uri[parent.get("id")], by_uri)
    for device in os_element.iterfind("devices/device"):
        (found.discard if device.get("supported") == "false" else found.add)(device.get("id"))
    return found


def _device_names(os_element, by_uri) -> set[str]:
    ids = _devices(os_element, by_uri)
    names = {name for name, device_ids in DEVICE_IDS.items() if ids & set(device_ids)}
    # virt-install's supports_chipset_q35: no q35 for an OS with legacy virtio-net but not virtio 1.0.
    if "http://pcisig.com/pci/1af4/1000" in ids and "http://pcisig.com/pci/1af4/1041" not in ids:
        names.discard("q35")
    return names


def test_the_required_guest_oses_are_shipped():
    assert set(REQUIRED_IDS) <= set(GUESTS)
    assert all(guest.source for guest in GUESTS.values())


@pytest.mark.libvirt
def test_shipped_facts_match_the_installed_osinfo_db():
    by_id, by_uri = _os_elements()
    checked = []
    for short_id, guest in GUESTS.items():
        if short_id not in by_id:
            # Only entries taken from elsewhere may be missing from the installed db, and they say so.
            assert not guest.source.startswith("osinfo-db 20221130"), short_id
            continue
        os_element = by_id[short_id]
        assert guest.uri == os_element.get("id"), short_id
        assert guest.minimum == _resources(os_element, by_uri, "minimum"), short_id
        assert guest.recommended == _resources(os_element, by_uri, "recommended"), short_id
        bios = os_element.find("firmware[@arch='x86_64'][@type='bios']")
        efi_only = bios is not None and bios.get("supported") == "false"
        assert (guest.firmware == "efi") == efi_only, short_id
        assert set(guest.devices) == _device_names(os_element, by_uri), short_id
        checked.append(short_id)
    assert set(checked) >= {"ubuntu22.04", "rhel9.0", "linux2022", "win10", "win11", "win2k19", "win2k22"}


def test_freebsd_releases_the_installed_db_lacks_get_the_devices_of_one_it_knows():
    # No FreeBSD 14 or 15 in Debian 12's osinfo-db. Upstream, each later release derives from 13.1 through its
    # predecessors (14.5 from 14.4, 15.1 from 15.0, 15.0 from 14.3, ...) and none lists devices of its own, so
    # 13.1 shows what osinfo-db resolves for every one of them.
    by_id, by_uri = _os_elements()
    missing = [guest for short_id, guest in GUESTS.items() if guest.family == "bsd" and short_id not in by_id]
    assert {"freebsd14.4", "freebsd14.5", "freebsd15.1"} <= {guest.short_id for guest in missing}
    for guest in missing:
        assert _device_names(by_id["freebsd13.1"], by_uri) == set(guest.devices), guest.short_id


DRY_RUN = ["--connect", "test:///default", "--print-xml", "--dry-run", "--import"]


@pytest.mark.libvirt
@pytest.mark.parametrize("os_id", ["linux2022", "ubuntu22.04", "rhel9.0"])
def test_default_size_is_what_virt_install_picks(os_id, tmp_path):
    # virt-install on the test driver can only make i686 guests, so this covers OSes whose x86_64 and
    # all-architecture resources agree.
    run = subprocess.run(
        [tool("virt-install"), *DRY_RUN, "--osinfo", os_id, "--disk", "none", "--name", "t"],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = etree.fromstring(run.stdout.encode())
    ours = parse(guest_profile(os_id))
    assert int(ours.findtext("memory")) * 1024 == int(theirs.findtext("memory"))  # theirs is in KiB
    assert ours.findtext("vcpu") == theirs.findtext("vcpu")


# --- Every variant is valid libvirt XML that libvirt defines and starts ---

MATRIX = [
    (os_id, gui, virtio, host)
    for os_id, gui, virtio, host in itertools.product(
        GUESTS, (False, True), (False, True), ("linux", "windows", "macos")
    )
    if not virtio or GUESTS[os_id].family == "windows"
]


@pytest.mark.libvirt
def test_every_variant_validates_and_runs_on_the_test_driver(tmp_path):
    schema = etree.RelaxNG(file=str(DOMAIN_RNG))
    import libvirt

    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    first_of_os: dict[str, Path] = {}
    try:
        for index, (os_id, gui, virtio, host) in enumerate(MATRIX):
            profile = guest_profile(os_id, gui=gui, virtio=virtio, host=host).model_copy(update={"name": f"g{index}"})
            content = make_domain_xml(profile).content
            assert schema.validate(etree.fromstring(content.encode())), (os_id, gui, virtio, host, schema.error_log)
            domain = conn.defineXML(content)
            domain.create()
            assert domain.isActive(), (os_id, gui, virtio, host)
            first_of_os.setdefault(os_id, tmp_path / f"{os_id}.xml").write_text(content, encoding="utf-8")
    finally:
        conn.close()
    validate = tool("virt-xml-validate")
    for path in first_of_os.values():
        run = subprocess.run([validate, str(path), "domain"], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    assert len(first_of_os) == len(GUESTS)


def _virt_xml(argv: list[str], xml: str) -> str:
    """Run a documented virt-xml command's options on XML: with no domain name virt-xml edits stdin's XML."""
    assert argv[0] == "virt-xml"
    run = subprocess.run(
        [tool("virt-xml"), "--connect", "test:///default", *argv[2:]], input=xml, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def _boot_order(root: etree._Element) -> list[tuple[int, str, str | None]]:
    disks = [disk for disk in root.iterfind("devices/disk") if disk.find("boot") is not None]
    order = [(int(attr(d, "boot", "order")), d.get("device"), attr(d, "source", "file")) for d in disks]
    return sorted(order)


@pytest.mark.libvirt
@pytest.mark.parametrize("os_id", ["linux2024", "win11", "win2k22", "freebsd15.1", "generic"])
def test_the_install_note_boots_the_installer_first_on_a_running_domain(os_id, tmp_path):
    import libvirt

    profile = guest_profile(os_id)
    artifact = make_domain_xml(profile)
    notes = " ".join(artifact.notes)
    assert shlex.join(attach_installer_command(profile)) in notes
    assert shlex.join(detach_installer_command(profile)) in notes
    iso = tmp_path / "installer.iso"
    iso.write_bytes(bytes(2048))  # virt-xml checks the file exists
    with_installer = _virt_xml(attach_installer_command(profile, str(iso)), artifact.content)
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    try:
        domain = conn.defineXML(with_installer)
        domain.create()
        live = etree.fromstring(domain.XMLDesc(0).encode())
        inactive = domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    finally:
        conn.close()
    disk = "/var/lib/libvirt/images/t.qcow2"
    assert _boot_order(live) == [(1, "cdrom", str(iso)), (2, "disk", disk)]
    assert live.find("os/boot") is None
    bus = attr(live, "devices/disk[@device='cdrom']/target", "bus")
    assert bus == ("sata" if GUESTS[os_id].machine == "q35" else "ide")
    # After the install the note's second command leaves the disk alone to boot.
    installed = etree.fromstring(_virt_xml(detach_installer_command(profile), inactive).encode())
    assert _boot_order(installed) == [(2, "disk", disk)]


def test_output_is_deterministic():
    profile = guest_profile("win11", gui=True)
    again = WorkloadProfile.model_validate(profile.model_dump(exclude_unset=True))
    assert make_domain_xml(profile) == make_domain_xml(again)
    assert make_domain_xml(profile).content.startswith('<domain type="kvm">\n  <name>t</name>\n')


def test_artifact_is_named_for_the_profile():
    artifact = make_domain_xml(guest_profile("debian12"))
    assert (artifact.filename, artifact.media_type) == ("t.xml", "application/xml")


# --- Devices follow virt-install's choices ---


@pytest.mark.parametrize("os_id", ["ubuntu24.04", "debian13", "rhel10.0", "fedora40", "linux2024"])
def test_linux_guests_get_q35_and_virtio_devices(os_id):
    root = parse(guest_profile(os_id))
    assert root.get("type") == "kvm"
    assert attr(root, "os/type", "machine") == "q35"
    assert attr(root, "cpu", "mode") == "host-passthrough"
    assert attr(root, "devices/disk/target", "bus") == "virtio"
    assert attr(root, "devices/interface/model", "type") == "virtio"
    assert attr(root, "devices/rng", "model") == "virtio"
    assert attr(root, "devices/memballoon", "model") == "virtio"
    assert attr(root, "devices/video/model", "type") == "virtio"
    assert attr(root, "devices/controller[@type='usb']", "model") == "qemu-xhci"
    assert attr(root, "clock", "offset") == "utc"
    assert root.find("features/hyperv") is None


def test_ubuntu_22_04_gets_qxl_video_as_osinfo_marks_virtio_gpu_unsupported():
    assert attr(parse(guest_profile("ubuntu22.04")), "devices/video/model", "type") == "qxl"


@pytest.mark.parametrize("os_id", ["freebsd14.0", "freebsd14.4", "freebsd14.5", "freebsd15.0", "freebsd15.1"])
def test_freebsd_gets_i440fx_and_the_virtio_devices_osinfo_lists(os_id):
    artifact = make_domain_xml(guest_profile(os_id))
    root = etree.fromstring(artifact.content.encode())
    assert attr(root, "os/type", "machine") == "pc"
    assert root.find("devices/controller[@model='pcie-root-port']") is None
    assert attr(root, "devices/disk/target", "bus") == "virtio"
    assert attr(root, "devices/interface/model", "type") == "virtio"
    assert root.find("devices/rng") is None and root.find("devices/channel[@type='unix']") is None
    assert attr(root, "devices/memballoon", "model") == "virtio"
    assert attr(root, "devices/video/model", "type") == "qxl"
    assert any("i440fx machine (pc), as virt-install picks" in note for note in artifact.notes)


def test_freebsd_is_sized_by_the_handbook_not_below_its_minimum():
    root = parse(guest_profile("freebsd15.1"))
    assert (root.findtext("vcpu"), root.findtext("memory")) == ("2", "2048")
    assert disk_command(guest_profile("freebsd15.1"))[-1] == "8G"
    artifact = make_domain_xml(guest_profile("freebsd15.1", resources={"memory_gib": 0.0625, "disk_gib": 1}))
    root = etree.fromstring(artifact.content.encode())
    assert root.findtext("memory") == "96"
    assert "resources.memory_gib 0.0625 is below FreeBSD 15.1's minimum of 96 MiB: raised to 96 MiB." in artifact.notes


@pytest.mark.parametrize("os_id", ["win10", "win11", "win2k19", "win2k22", "win2k25"])
def test_windows_guests_get_virt_install_5_hyperv_enlightenments_and_local_time(os_id):
    root = parse(guest_profile(os_id))
    assert attr(root, "clock", "offset") == "localtime"
    hyperv = root.find("features/hyperv")
    assert [child.tag for child in hyperv] == list(HYPERV_ENLIGHTENMENTS)
    assert HYPERV_ENLIGHTENMENTS == (
        "relaxed",
        "vapic",
        "spinlocks",
        "vpindex",
        "runtime",
        "synic",
        "stimer",
        "frequencies",
        "tlbflush",
        "ipi",
    )
    assert all(child.get("state") == "on" for child in hyperv)
    assert attr(hyperv, "spinlocks", "retries") == "8191"
    assert attr(hyperv, "stimer/direct", "state") == "on"
    assert hyperv.find("evmcs") is None and hyperv.find("avic") is None  # host-bound: the note says how
    assert attr(root, "clock/timer[@name='hypervclock']", "present") == "yes"
    assert attr(root, "devices/video/model", "type") == "qxl"


@pytest.mark.parametrize(
    ("virtio", "disk_bus", "nic", "balloon"),
    [(False, "sata", "e1000e", "none"), (True, "virtio", "virtio", "virtio")],
    ids=["no-virtio-drivers", "virtio-drivers"],
)
def test_windows_devices_depend_on_virtio_drivers(virtio, disk_bus, nic, balloon):
    root = parse(guest_profile("win2k22", virtio=virtio))
    assert attr(root, "devices/disk/target", "bus") == disk_bus
    assert attr(root, "devices/interface/model", "type") == nic
    assert attr(root, "devices/memballoon", "model") == balloon
    assert (root.find("devices/rng") is not None) is virtio


def test_windows_11_gets_secure_boot_uefi_and_a_tpm():
    root = parse(guest_profile("win11"))
    assert attr(root, "os", "firmware") == "efi"
    assert attr(root, "os/firmware/feature[@name='secure-boot']", "enabled") == "yes"
    assert attr(root, "devices/tpm", "model") == "tpm-crb"
    assert (attr(root, "devices/tpm/backend", "type"), attr(root, "devices/tpm/backend", "version")) == (
        "emulator",
        "2.0",
    )
    for os_id in ("win10", "win2k22", "ubuntu24.04"):
        other = parse(guest_profile(os_id))
        assert other.find("devices/tpm") is None and attr(other, "os", "firmware") is None


@pytest.mark.parametrize(
    ("os_id", "virtio", "agent"),
    [("ubuntu24.04", False, True), ("win11", False, False), ("win11", True, True), ("generic", False, False)],
)
def test_a_display_and_serial_console_always_the_guest_agent_where_the_guest_has_virtio_serial(os_id, virtio, agent):
    for gui in (False, True):
        root = parse(guest_profile(os_id, gui=gui, virtio=virtio))
        assert (attr(root, "devices/channel[@type='unix']/target", "name") == "org.qemu.guest_agent.0") is agent
        assert root.find("devices/serial") is not None and root.find("devices/console") is not None
        assert attr(root, "devices/graphics", "type") == "spice"
        assert attr(root, "devices/graphics/listen", "address") == "127.0.0.1"
        assert root.find("devices/video/model") is not None
        assert attr(root, "devices/input", "type") == "tablet"


@pytest.mark.parametrize("os_id", ["linux2024", "win11", "win2k22"])
def test_q35_guests_get_free_pcie_root_ports_for_hot_plug(os_id):
    root = parse(guest_profile(os_id))
    controllers = root.findall("devices/controller[@type='pci']")
    assert [c.get("model") for c in controllers] == ["pcie-root"] + ["pcie-root-port"] * PCIE_ROOT_PORTS
    # Fewer PCI devices than root ports, so some stay free for hot-plug once libvirt has placed them all.
    pci_devices = root.findall("devices/disk/target[@bus='virtio']") + root.findall("devices/interface")
    pci_devices += root.findall("devices/rng") + root.findall("devices/video") + root.findall("devices/tpm")
    pci_devices += root.findall("devices/controller[@type='usb']") + root.findall("devices/memballoon")
    pci_devices += [root.find("devices/channel")]  # the virtio-serial controller
    assert len(pci_devices) + 4 <= PCIE_ROOT_PORTS


@pytest.mark.parametrize(("os_id", "cpus"), [("win10", 4), ("win11", 6), ("debian13", 3)])
def test_vcpus_are_cores_of_one_socket(os_id, cpus):
    # Windows 10/11 client editions use at most two sockets: four one-core sockets would be two vCPUs.
    root = parse(guest_profile(os_id, resources={"cpus": cpus}))
    topology = root.find("cpu/topology")
    assert (topology.get("sockets"), topology.get("dies"), topology.get("cores"), topology.get("threads")) == (
        "1",
        "1",
        str(cpus),
        "1",
    )
    assert root.findtext("vcpu") == str(cpus)


@pytest.mark.parametrize("os_id", sorted(GUESTS))
def test_metadata_names_the_osinfo_os(os_id):
    found = parse(guest_profile(os_id)).find(f"metadata/{{{LIBOSINFO_NS}}}libosinfo/{{{LIBOSINFO_NS}}}os")
    assert (found.get("id") if found is not None else None) == GUESTS[os_id].uri


@pytest.mark.parametrize(
    ("family", "os_id"),
    [("linux", "linux2024"), ("windows", "win2k22"), ("bsd", "freebsd15.1"), ("other", "generic")],
    ids=["linux", "windows", "bsd", "other"],
)
def test_a_family_alone_picks_its_usual_os_and_says_so(family, os_id):
    artifact = make_domain_xml(make_profile(workload={"os": [family]}))
    assert etree.fromstring(artifact.content.encode()).findtext("vcpu")
    assert any(f"({os_id}) stands in for workload.os {family}" in note for note in artifact.notes)


# --- Size: what resources sets, the OS's recommendation for the rest ---


def test_unset_resources_take_the_oses_recommended_values():
    # Windows 11 has only minimums in osinfo-db (2 vCPUs, 4 GiB, 64 GiB), so virt-install doubles them.
    root = parse(guest_profile("win11"))
    assert (root.findtext("vcpu"), root.findtext("memory"), attr(root, "memory", "unit")) == ("4", "8192", "MiB")
    assert disk_command(guest_profile("win11"))[-1] == "128G"
    # Debian 12 recommends 2 GiB and 20 GiB, and names no vCPU count: twice its minimum of 1.
    root = parse(guest_profile("debian12"))
    assert (root.findtext("vcpu"), root.findtext("memory")) == ("2", "2048")


def test_set_resources_are_rounded_up_and_unset_ones_still_default():
    root = parse(guest_profile("debian12", resources={"cpus": 2.5}))
    assert (root.findtext("vcpu"), root.findtext("memory")) == ("3", "2048")
    root = parse(guest_profile("debian12", resources={"memory_gib": 1.0015, "disk_gib": 17.2}))
    assert (root.findtext("vcpu"), root.findtext("memory")) == ("2", "1026")
    assert disk_command(guest_profile("debian12", resources={"disk_gib": 17.2}))[-1] == "18G"


def test_resources_below_the_minimum_are_raised_to_it_with_a_note():
    artifact = make_domain_xml(guest_profile("win11", resources={"cpus": 1, "memory_gib": 2, "disk_gib": 30}))
    root = etree.fromstring(artifact.content.encode())
    assert (root.findtext("vcpu"), root.findtext("memory")) == ("2", "4096")
    assert disk_command(guest_profile("win11", resources={"disk_gib": 30}))[-1] == "64G"
    raised = [note for note in artifact.notes if "raised to" in note]
    assert len(raised) == 3
    assert "resources.memory_gib 2 is below Microsoft Windows 11's minimum of 4 GiB: raised to 4 GiB." in raised
    quiet = make_domain_xml(guest_profile("win11", resources={"cpus": 2, "memory_gib": 4, "disk_gib": 64}))
    assert not [note for note in quiet.notes if "raised to" in note]


def test_a_generic_guest_uses_the_profile_defaults_and_emulated_devices_on_i440fx():
    root = parse(guest_profile("generic"))
    assert (root.findtext("vcpu"), root.findtext("memory")) == ("1", "1024")
    assert attr(root, "os/type", "machine") == "pc"
    assert attr(root, "devices/disk/target", "bus") == "ide"
    assert attr(root, "devices/interface/model", "type") == "e1000"
    assert attr(root, "devices/memballoon", "model") == "none"


def test_disk_command_makes_the_disk_the_xml_points_at():
    profile = guest_profile("ubuntu24.04", resources={"disk_gib": 40})
    command = disk_command(profile)
    assert command[:4] == ["qemu-img", "create", "-f", "qcow2"]
    assert command[4] == attr(parse(profile), "devices/disk/source", "file") == "/var/lib/libvirt/images/t.qcow2"
    assert command[5] == "40G"


@pytest.mark.libvirt
def test_disk_command_creates_a_disk_of_that_size(tmp_path):
    command = disk_command(guest_profile("debian12", resources={"disk_gib": 13}))
    command[0], command[4] = tool("qemu-img"), str(tmp_path / "t.qcow2")
    subprocess.run(command, check=True, capture_output=True)
    info = subprocess.run([command[0], "info", "--output=json", command[4]], capture_output=True, text=True)
    assert '"virtual-size": 13958643712' in info.stdout


# --- Host notes ---


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("linux", ["qemu-img", "virsh define t.xml"]),
        ("windows", ["Linux KVM host", "Hyper-V"]),
        ("macos", ["Linux KVM host", "UTM", "HVF", "Parallels", "VMware Fusion"]),
    ],
    ids=["linux", "windows", "macos"],
)
def test_notes_say_what_to_use_on_the_host(host, words):
    notes = " ".join(make_domain_xml(guest_profile("ubuntu24.04", host=host)).notes)
    assert all(word in notes for word in words)


# --- Bad input ---


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        ({"os": ["windows"], "os_id": "win11x"}, "unknown guest OS 'win11x' (did you mean win11?); known ids: "),
        ({"os": ["linux"], "os_id": "ubuntu99.04"}, "known ids:"),
        ({"os": ["linux"], "os_id": "win11"}, "win11 is a windows OS but workload.os is [linux]"),
        ({"os": ["windows"], "os_id": "debian12"}, "debian12 is a linux OS but workload.os is [windows]"),
        ({"os": ["linux"], "os_id": "rhel9"}, "unknown guest OS 'rhel9' (did you mean rhel9.0 or rhel9.4?)"),
        ({"os": ["linux"], "os_id": "rhel10"}, "(did you mean rhel10.0 or rhel10.1?)"),
        ({"os": ["linux"], "os_id": "fedora"}, "did you mean fedora40?"),
    ],
    ids=[
        "typo",
        "unknown-release",
        "windows-id-linux-family",
        "linux-id-windows-family",
        "a-family",
        "rhel10",
        "fedora",
    ],
)
def test_a_bad_os_id_names_the_field(workload, message):
    """The profile itself refuses a guest OS no generator could make, so no door accepts it and another refuses."""
    with pytest.raises(InvalidInput) as caught:
        validate_profile({"name": "t", "host": {"os": "linux"}, "workload": workload})
    assert [error.loc for error in caught.value.errors] == ["workload.os_id"]
    assert message in caught.value.errors[0].msg


def test_a_name_that_skipped_validation_is_still_refused():
    profile = make_profile().model_copy(update={"name": "x</name><evil/>"})
    with pytest.raises(InvalidInput) as caught:
        make_domain_xml(profile)
    assert caught.value.errors[0].loc == "name"


def test_a_component_gets_its_own_domain():
    profile = make_profile(
        workload={"os": ["linux"], "os_id": "debian12"},
        components=[{"name": "db", "workload": {"os": ["windows"], "os_id": "win2k22"}}],
    )
    component = profile.component_profile(profile.components[0])
    root = parse(component)
    assert (root.findtext("name"), attr(root, "clock", "offset")) == ("db", "localtime")


# --- No input adds an element ---


def _tags(profile: WorkloadProfile) -> list[str]:
    return [element.tag for element in parse(profile).iter()]


BASELINES = {
    (os_id, gui): _tags(guest_profile(os_id, gui=gui)) for os_id in ("ubuntu24.04", "win11") for gui in (False, True)
}
TEXT = st.text(max_size=80) | st.sampled_from(["</name><evil/>", "a&b", "]]>", "x\x00y", "ubuntu24.04", "web-1"])


@settings(max_examples=150, deadline=None)
@given(
    field=st.sampled_from(["name", "os_id", "packages", "command", "health_path", "compliance", "devices"]),
    value=TEXT,
    os_id=st.sampled_from(["ubuntu24.04", "win11"]),
    gui=st.booleans(),
)
def test_no_string_adds_an_element(field, value, os_id, gui):
    family = GUESTS[os_id].family
    data = {"name": "t", "host": {"os": "linux"}, "workload": {"os": [family], "os_id": os_id, "gui": gui}}
    where = {
        "name": (data, "name", value),
        "os_id": (data["workload"], "os_id", value),
        "packages": (data["workload"], "packages", [value]),
        "command": (data["workload"], "command", [value]),
        "health_path": (data["workload"], "health_path", value),
        "compliance": (data.setdefault("security", {}), "compliance", [value]),
        "devices": (data.setdefault("hardware", {}), "devices", [value]),
    }
    section, key, item = where[field]
    section[key] = item
    try:
        profile = validate_profile(data)
        tags = _tags(profile)
    except InvalidInput as error:
        assert all(field in e.loc for e in error.errors), error
        return
    expected_os = profile.workload.os_id
    assert expected_os in ("ubuntu24.04", "win11"), expected_os
    assert tags == BASELINES[(expected_os, gui)]


@settings(max_examples=100, deadline=None)
@given(name=TEXT)
def test_an_unvalidated_name_never_adds_an_element(name):
    profile = make_profile().model_copy(update={"name": name})
    try:
        tags = _tags(profile)
    except InvalidInput as error:
        assert [e.loc for e in error.errors] == ["name"]
        return
    assert tags == _tags(make_profile())


def test_several_families_get_a_domain_for_one_and_a_note():
    artifact = make_domain_xml(make_profile(workload={"os": ["linux", "windows"], "os_id": "win2k25"}))
    assert "workload.os lists linux, windows: this domain is for windows only." in artifact.notes
    assert etree.fromstring(artifact.content.encode()).find("features/hyperv") is not None
