"""libvirt domain XML for the profile's guest, and the `qemu-img` command that makes its disk.

Devices follow what virt-install picks for the same guest OS on a KVM host. Per-OS facts (osinfo-db's
resources and firmware) come from data/osinfo.yaml, shipped with the package.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml
from lxml import etree

from advisor.errors import FieldError, InvalidInput
from advisor.generators import Artifact
from advisor.models import DNS_LABEL, WorkloadProfile

IMAGE_DIR = "/var/lib/libvirt/images"
LIBOSINFO_NS = "http://libosinfo.org/xmlns/libvirt/domain/1.0"
GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0"
UNKNOWN_OS = "detect=on,require=off"  # virt-install's way to go on without knowing the guest OS

# The guest OS when the profile names only a family. A server release for Windows, since advisor sizes
# workloads, not desktops; the note tells the user to set workload.os_id for anything else.
FAMILY_DEFAULT_OS = {"linux": "linux2022", "windows": "win2k22", "bsd": "freebsd14.0", "other": "generic"}

_OS_ID = re.compile(r"^[a-z][a-z0-9.\-]{0,39}$")
_MIB = 1024**2
_GIB = 1024**3

HOST_NOTES = {
    "linux": (
        "For a Linux KVM host: create the disk with the qemu-img command, then `virsh define {file}` and "
        "`virsh start {name}`; attach the installer with `virt-xml {name} --add-device --disk <iso>,device=cdrom`."
    ),
    "windows": (
        "This XML is for a Linux KVM host. On this Windows host use Hyper-V instead (New-VM -Generation 2 with "
        "the same vCPUs, memory and disk size), or copy the XML to a Linux KVM host."
    ),
    "macos": (
        "This XML is for a Linux KVM host. On this macOS host use UTM (QEMU with Apple's Hypervisor.framework, "
        "HVF), Parallels Desktop or VMware Fusion with the same vCPUs, memory and disk size, or copy the XML to a "
        "Linux KVM host."
    ),
}


@dataclass(frozen=True)
class GuestOS:
    """One guest OS from data/osinfo.yaml: its osinfo id, family and resource facts (bytes)."""

    short_id: str
    name: str
    family: str
    source: str
    uri: str | None = None
    minimum: dict[str, int] = field(default_factory=dict)
    recommended: dict[str, int] = field(default_factory=dict)
    firmware: str | None = None
    video: str | None = None

    def recommended_value(self, key: str) -> int | None:
        """Return virt-install's recommended value for `key`: the recommended one, else twice the minimum."""
        if self.recommended.get(key):
            return self.recommended[key]
        return 2 * self.minimum[key] if self.minimum.get(key) else None


@cache
def guest_oses() -> dict[str, GuestOS]:
    """Return every guest OS the generator knows, by osinfo short-id."""
    text = resources.files("advisor.generators").joinpath("data/osinfo.yaml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    return {
        short_id: GuestOS(short_id=short_id, uri=entry.pop("id", None), **entry) for short_id, entry in entries.items()
    }


def guest_os(profile: WorkloadProfile) -> GuestOS:
    """Return the profile's guest OS: `workload.os_id`, else the usual OS of the first `workload.os` family."""
    known = guest_oses()
    os_id = profile.workload.os_id
    if os_id is None:
        return known[FAMILY_DEFAULT_OS[profile.workload.os[0]]]
    # An unknown id is refused rather than replaced by the family's usual OS: a typo such as win11x would
    # otherwise give a guest without the UEFI and TPM Windows 11 needs, and sized for another release.
    if not _OS_ID.match(os_id) or os_id not in known:
        # "rhel9" or "fedora" name a family of releases: point at the releases we know of it.
        releases = sorted(k for k in known if k.startswith(os_id)) if _OS_ID.match(os_id) else []
        hint = f"did you mean {' or '.join(releases)}? " if releases else ""
        ids = ", ".join(sorted(known))
        message = f"unknown guest OS {os_id!r}; {hint}known ids: {ids}"
        raise InvalidInput([FieldError("workload.os_id", message)])
    guest = known[os_id]
    if guest.family not in profile.workload.os:
        families = ", ".join(profile.workload.os)
        raise InvalidInput(
            [
                FieldError(
                    "workload.os_id",
                    f"{os_id} is a {guest.family} OS but workload.os is [{families}]; add {guest.family} to "
                    "workload.os or choose another os_id",
                )
            ]
        )
    return guest


@dataclass(frozen=True)
class Sizing:
    """The guest's vCPUs, memory (MiB) and disk (GiB), and notes on where each came from."""

    vcpus: int
    memory_mib: int
    disk_gib: int
    notes: tuple[str, ...]


def _size(num_bytes: int) -> str:
    """Return a byte count in words: 4 GiB, 1.5 GiB, 64 MiB."""
    if num_bytes < _GIB:
        return f"{num_bytes // _MIB} MiB"
    return f"{num_bytes / _GIB:g} GiB"


def sizing(profile: WorkloadProfile, guest: GuestOS) -> Sizing:
    """Return the guest's size: what `resources` sets, the guest OS's recommended values for the rest.

    Values the user set are rounded up to whole vCPUs, MiB and GiB; set values below the OS's minimum are
    kept, with a warning.
    """
    given = profile.resources.model_fields_set if "resources" in profile.model_fields_set else set()
    res = profile.resources
    notes: list[str] = []
    chosen: dict[str, int] = {}
    # (resource field, osinfo key, bytes per unit, the user's value in units)
    table: tuple[tuple[str, str, int, float], ...] = (
        ("cpus", "n_cpus", 1, res.cpus),
        ("memory_gib", "ram", _MIB, res.memory_gib * 1024),
    )
    table += (("disk_gib", "storage", _GIB, res.disk_gib),)
    defaulted = []
    for name, key, unit, value in table:
        recommended = guest.recommended_value(key)
        if name in given or recommended is None:
            chosen[name] = math.ceil(value)
            minimum = guest.minimum.get(key)
            if name in given and minimum and chosen[name] * unit < minimum:
                shown = f"{value:g}" if name != "memory_gib" else f"{res.memory_gib:g}"
                least = str(minimum) if key == "n_cpus" else _size(minimum)
                notes.append(f"Warning: resources.{name} {shown} is below {guest.name}'s minimum of {least}.")
        else:
            chosen[name] = math.ceil(recommended / unit)
            defaulted.append(f"{name} {recommended if key == 'n_cpus' else _size(recommended)}")
    if defaulted:
        notes.insert(
            0,
            f"Sized from {guest.name}'s recommended resources for what resources leaves out "
            f"(virt-install's rule: the recommended value, else twice the minimum): {', '.join(defaulted)}.",
        )
    return Sizing(chosen["cpus"], chosen["memory_gib"], chosen["disk_gib"], tuple(notes))


def checked_name(profile: WorkloadProfile) -> str:
    """The profile's name, checked again as a DNS label (it becomes file names and markup)."""
    # The model holds names to a DNS label, but model_construct (components) skips validation: the name
    # becomes a file path and XML text, so check again here.
    if not isinstance(profile.name, str) or not re.match(DNS_LABEL, profile.name):
        raise InvalidInput([FieldError("name", "must be a DNS label: lowercase letters, digits and '-'")])
    return profile.name


def disk_path(profile: WorkloadProfile) -> str:
    """Return the path of the guest's disk image, as the domain XML names it."""
    return f"{IMAGE_DIR}/{checked_name(profile)}.qcow2"


def disk_command(profile: WorkloadProfile) -> list[str]:
    """Return the argv of the `qemu-img create` command that makes the disk the domain XML points at."""
    size = sizing(profile, guest_os(profile))
    return ["qemu-img", "create", "-f", "qcow2", disk_path(profile), f"{size.disk_gib}G"]


def virt_install_command(profile: WorkloadProfile, unknown_os: str) -> list[str]:
    """Return virt-install's argv for importing the disk, with the same memory, vCPUs and guest OS as the XML.

    `unknown_os` is what to pass as --osinfo when the profile names no osinfo id.
    """
    size = sizing(profile, guest_os(profile))
    argv = ["virt-install", "--import", "--name", checked_name(profile), "--memory", str(size.memory_mib)]
    argv += ["--vcpus", str(size.vcpus), "--disk", f"path={disk_path(profile)}"]
    return [*argv, "--osinfo", profile.workload.os_id or unknown_os, "--noautoconsole"]


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    element.text = text
    return element


def uses_virtio(profile: WorkloadProfile, guest: GuestOS) -> bool:
    """Whether the guest gets virtio devices: it has the drivers for them."""
    # Linux and FreeBSD ship virtio drivers; Windows needs virtio-win installed; an unknown OS gets only
    # devices every OS has drivers for.
    return guest.family in ("linux", "bsd") or (guest.family == "windows" and profile.workload.virtio_drivers)


def _os_element(domain: etree._Element, guest: GuestOS) -> None:
    os_element = _sub(domain, "os", **({"firmware": "efi"} if guest.firmware == "efi" else {}))
    _sub(os_element, "type", "hvm", arch="x86_64", machine="q35")
    if guest.firmware == "efi":
        firmware = _sub(os_element, "firmware")
        _sub(firmware, "feature", enabled="yes", name="enrolled-keys")
        _sub(firmware, "feature", enabled="yes", name="secure-boot")
    _sub(os_element, "boot", dev="hd")


def _features(domain: etree._Element, guest: GuestOS) -> None:
    features = _sub(domain, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    if guest.family == "windows":
        hyperv = _sub(features, "hyperv", mode="custom")
        _sub(hyperv, "relaxed", state="on")
        _sub(hyperv, "vapic", state="on")
        _sub(hyperv, "spinlocks", state="on", retries="8191")
    if guest.firmware == "efi":
        # Secure Boot firmware only runs with System Management Mode on.
        _sub(features, "smm", state="on")


def _clock(domain: etree._Element, guest: GuestOS) -> None:
    # Windows keeps the hardware clock in local time. The timers are virt-install's: no HPET (costly and
    # unneeded), catch-up RTC and delayed PIT ticks, and Hyper-V's clock for Windows.
    clock = _sub(domain, "clock", offset="localtime" if guest.family == "windows" else "utc")
    _sub(clock, "timer", name="rtc", tickpolicy="catchup")
    _sub(clock, "timer", name="pit", tickpolicy="delay")
    _sub(clock, "timer", name="hpet", present="no")
    if guest.family == "windows":
        _sub(clock, "timer", name="hypervclock", present="yes")


def _devices(domain: etree._Element, profile: WorkloadProfile, guest: GuestOS) -> None:
    virtio = uses_virtio(profile, guest)
    devices = _sub(domain, "devices")
    disk = _sub(devices, "disk", type="file", device="disk")
    _sub(disk, "driver", name="qemu", type="qcow2", discard="unmap")
    _sub(disk, "source", file=disk_path(profile))
    _sub(disk, "target", dev="vda" if virtio else "sda", bus="virtio" if virtio else "sata")
    interface = _sub(devices, "interface", type="network")
    _sub(interface, "source", network="default")
    _sub(interface, "model", type="virtio" if virtio else "e1000e")
    serial = _sub(devices, "serial", type="pty")
    _sub(serial, "target", port="0")
    console = _sub(devices, "console", type="pty")
    _sub(console, "target", type="serial", port="0")
    channel = _sub(devices, "channel", type="unix")
    _sub(channel, "target", type="virtio", name=GUEST_AGENT_CHANNEL)
    if profile.workload.gui:
        spice = _sub(devices, "channel", type="spicevmc")
        _sub(spice, "target", type="virtio", name="com.redhat.spice.0")
        _sub(devices, "input", type="tablet", bus="usb")
        graphics = _sub(devices, "graphics", type="spice", autoport="yes")
        _sub(graphics, "listen", type="address", address="127.0.0.1")
        video = _sub(devices, "video")
        _sub(video, "model", type=guest.video or ("virtio" if guest.family == "linux" else "qxl"))
    if guest.firmware == "efi":
        tpm = _sub(devices, "tpm", model="tpm-crb")
        _sub(tpm, "backend", type="emulator", version="2.0")
    if virtio:
        rng = _sub(devices, "rng", model="virtio")
        _sub(rng, "backend", "/dev/urandom", model="random")
        _sub(devices, "memballoon", model="virtio")
    else:
        # libvirt adds a virtio balloon unless told otherwise, and this guest has no driver for it.
        _sub(devices, "memballoon", model="none")


def _guest_notes(profile: WorkloadProfile, guest: GuestOS) -> list[str]:
    notes = []
    if profile.workload.os_id is None:
        notes.append(
            f"Guest OS {guest.name} ({guest.short_id}) stands in for workload.os {profile.workload.os[0]}; set "
            f"workload.os_id to one of {', '.join(sorted(guest_oses()))} for a specific release."
        )
    if len(profile.workload.os) > 1:
        notes.append(f"workload.os lists {', '.join(profile.workload.os)}: this domain is for {guest.family} only.")
    if guest.family == "windows" and not profile.workload.virtio_drivers:
        notes.append(
            "SATA disk and e1000e network card, which Windows drives out of the box; once the virtio-win drivers "
            "are installed, set workload.virtio_drivers: true for faster virtio devices. The guest agent channel "
            "needs the virtio-serial driver and qemu-ga."
        )
    if guest.firmware == "efi":
        notes.append(f"{guest.name} needs UEFI with Secure Boot and a TPM 2.0: the host needs OVMF and swtpm.")
    return notes


def make_domain_xml(profile: WorkloadProfile) -> Artifact:
    """Return the libvirt domain XML for the profile's guest, with notes on sizing, devices and the host."""
    name = checked_name(profile)
    guest = guest_os(profile)
    size = sizing(profile, guest)
    domain = etree.Element("domain", type="kvm")
    _sub(domain, "name", name)
    if guest.uri is not None:
        metadata = _sub(domain, "metadata")
        libosinfo = etree.SubElement(metadata, f"{{{LIBOSINFO_NS}}}libosinfo", nsmap={"libosinfo": LIBOSINFO_NS})
        etree.SubElement(libosinfo, f"{{{LIBOSINFO_NS}}}os", id=guest.uri)
    _sub(domain, "memory", str(size.memory_mib), unit="MiB")
    _sub(domain, "currentMemory", str(size.memory_mib), unit="MiB")
    _sub(domain, "vcpu", str(size.vcpus))
    _os_element(domain, guest)
    _features(domain, guest)
    _sub(domain, "cpu", mode="host-passthrough", check="none", migratable="on")
    _clock(domain, guest)
    _sub(domain, "on_poweroff", "destroy")
    _sub(domain, "on_reboot", "restart")
    _sub(domain, "on_crash", "destroy")
    pm = _sub(domain, "pm")
    _sub(pm, "suspend-to-mem", enabled="no")
    _sub(pm, "suspend-to-disk", enabled="no")
    _devices(domain, profile, guest)
    content = etree.tostring(domain, pretty_print=True, encoding="unicode")
    host = HOST_NOTES[profile.host.os].format(file=f"{name}.xml", name=name)
    notes = (*size.notes, *_guest_notes(profile, guest), host)
    return Artifact(f"{name}.xml", "application/xml", content, notes)


def domain_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps for the domain XML: make the disk, define and start the VM, or virt-install."""
    lines = [
        "Create the VM's disk, then define and start the VM. The new disk is empty: install the guest OS on "
        "it, or put a prepared image at that path instead (a cloud image, or the old server's disk converted "
        "with `qemu-img convert`).",
        "",
        "```sh",
        shlex.join(disk_command(profile)),
        shlex.join(["virsh", "define", f"{folder}{checked_name(profile)}.xml"]),
        shlex.join(["virsh", "start", profile.name]),
        "```",
        "",
        "Or, once the disk holds an installed OS, let virt-install write and define the domain itself:",
        "",
        "```sh",
        shlex.join(virt_install_command(profile, UNKNOWN_OS)),
        "```",
        "",
    ]
    if profile.workload.os_id:
        lines += [
            f"(If your virt-install does not know `{profile.workload.os_id}`, as older osinfo-db releases do not: "
            f"see `virt-install --osinfo list`, or write `--osinfo {UNKNOWN_OS}`.)",
            "",
        ]
    return lines


def disk_lines(profile: WorkloadProfile) -> list[str]:
    """What `advisor emit libvirt` adds on stderr: the command that makes the disk the XML points at."""
    return [f"disk: {shlex.join(disk_command(profile))}"]
