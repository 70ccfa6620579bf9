"""libvirt domain XML for the profile's guest, and the `qemu-img` command that makes its disk.

Devices follow what virt-install 5.x picks for the same guest OS on a KVM host, from the same osinfo-db
facts (resources, firmware, the devices the OS has drivers for), shipped in data/osinfo.yaml. Where the
starter differs from virt-install, the README's "Where the domain XML differs from virt-install" says why.
"""

from __future__ import annotations

import datetime
import math
import re
import shlex
from dataclasses import dataclass

from lxml import etree

from advisor.errors import FieldError, InvalidInput
from advisor.generators import Artifact
from advisor.guests import GuestOS, guest_oses
from advisor.models import DNS_LABEL, WorkloadProfile

IMAGE_DIR = "/var/lib/libvirt/images"
LIBOSINFO_NS = "http://libosinfo.org/xmlns/libvirt/domain/1.0"
GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0"
UNKNOWN_OS = "detect=on,require=off"  # virt-install's way to go on without knowing the guest OS

# The guest OS when the profile names only a family. A server release for Windows, since advisor sizes
# workloads, not desktops; the note tells the user to set workload.os_id for anything else.
# Each must be in support on the day the tests run (tests/test_support_dates.py). For BSD, the newest release
# of FreeBSD's newest branch (stable/15), which FreeBSD updates in place to 15.x until that branch ends; a
# 14.x release is a major upgrade away, even though 14.5 (osinfo-db eol 2027-06-30) outlives 15.1 by a month.
FAMILY_DEFAULT_OS = {"linux": "linux2024", "windows": "win2k22", "bsd": "freebsd15.1", "other": "generic"}
# virt-install 5.x's num_pcie_root_ports: free root ports are where q35 hot-plugs disks and NICs.
PCIE_ROOT_PORTS = 14
INSTALLER = "INSTALLER.iso"  # what the install note calls the installer's ISO

_MIB = 1024**2
_GIB = 1024**3

HOST_NOTES = {
    "linux": (
        "For a Linux KVM host: create the disk with the qemu-img command, then `virsh define {file}`, attach the "
        "installer with `{attach}` (boot order 1: the installer boots first, the disk, boot order 2, after it), "
        "`virsh start {name}` and open the console with `virt-viewer {name}`. Once the OS is installed, "
        "`{detach}` removes the installer so the VM boots from its disk."
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


def guest_os(profile: WorkloadProfile) -> GuestOS:
    """Return the profile's guest OS: `workload.os_id`, else the usual OS of the first `workload.os` family."""
    known = guest_oses()
    os_id = profile.workload.os_id
    if os_id is None:
        family = profile.workload.os[0]
        if family not in FAMILY_DEFAULT_OS:  # macOS: Apple's licence allows it only on Apple hardware, not in KVM
            message = f"no libvirt domain for a {family} guest; list another family first in workload.os"
            raise InvalidInput([FieldError("workload.os", message)])
        return known[FAMILY_DEFAULT_OS[family]]
    # The profile model has already refused an unknown os_id, or one of a family the workload does not need.
    return known[os_id]


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

    Values the user set are rounded up to whole vCPUs, MiB and GiB. Nothing is below the OS's documented
    minimum: a smaller value is raised to it, with a note, since the installer would refuse or fail.
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
            if minimum and chosen[name] * unit < minimum:
                shown = f"{value:g}" if name != "memory_gib" else f"{res.memory_gib:g}"
                least = str(minimum) if key == "n_cpus" else _size(minimum)
                whose = f"resources.{name} {shown}" if name in given else f"The default {name} {shown}"
                notes.append(f"{whose} is below {guest.name}'s minimum of {least}: raised to {least}.")
                chosen[name] = math.ceil(minimum / unit)
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
    """Return the profile's name, refused unless it is a DNS label (it becomes a path and XML text)."""
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


def attach_installer_command(profile: WorkloadProfile, iso: str = INSTALLER) -> list[str]:
    """Return virt-xml's argv that attaches the installer ISO as a CD-ROM that boots before the disk."""
    return ["virt-xml", checked_name(profile), "--add-device", "--disk", f"{iso},device=cdrom,boot.order=1"]


def detach_installer_command(profile: WorkloadProfile) -> list[str]:
    """Return virt-xml's argv that removes every CD-ROM once the OS is installed, so the disk boots."""
    return ["virt-xml", checked_name(profile), "--remove-device", "--disk", "device=cdrom"]


def sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    """Append a child element with the given text and attributes (lxml escapes both) and return it."""
    element = etree.SubElement(parent, tag, attributes)
    element.text = text
    return element


def has_device(profile: WorkloadProfile, guest: GuestOS, device: str) -> bool:
    """Whether the guest has a driver for an osinfo device (virtio-disk, ...): osinfo-db's list, plus virtio-win.

    Windows ships no virtio drivers; with workload.virtio_drivers the virtio-win drivers (viostor, netkvm,
    viorng, balloon, vioser) are installed, as virt-install assumes for drivers passed to it.
    """
    if device in guest.devices:
        return True
    return (
        device.startswith("virtio-")
        and device != "virtio-gpu"
        and guest.family == "windows"
        and (profile.workload.virtio_drivers)
    )


def metadata(domain: etree._Element, guest: GuestOS) -> None:
    """Name the guest OS in libosinfo's metadata, as virt-install does, so tools can look it up."""
    if guest.uri is not None:
        element = sub(domain, "metadata")
        libosinfo = etree.SubElement(element, f"{{{LIBOSINFO_NS}}}libosinfo", nsmap={"libosinfo": LIBOSINFO_NS})
        etree.SubElement(libosinfo, f"{{{LIBOSINFO_NS}}}os", id=guest.uri)


def sized(domain: etree._Element, size: Sizing) -> None:
    """Memory and vCPUs."""
    sub(domain, "memory", str(size.memory_mib), unit="MiB")
    sub(domain, "currentMemory", str(size.memory_mib), unit="MiB")
    sub(domain, "vcpu", str(size.vcpus))


def cpu(domain: etree._Element, size: Sizing, **attributes: str) -> None:
    """The vCPUs as cores of one socket: Windows 10/11 client editions use at most two sockets."""
    element = sub(domain, "cpu", **attributes)
    sub(element, "topology", sockets="1", dies="1", cores=str(size.vcpus), threads="1")


def uses_virtio(profile: WorkloadProfile, guest: GuestOS) -> bool:
    """Whether the guest gets virtio devices (the KubeVirt VM's disk and NIC): it has the drivers for them."""
    return has_device(profile, guest, "virtio-disk") and has_device(profile, guest, "virtio-net")


def _os_element(domain: etree._Element, guest: GuestOS) -> None:
    # No <boot dev=.../>: each bootable device carries its own <boot order=.../>, the only way to put an
    # installer CD-ROM attached later ahead of the disk (libvirt refuses both kinds in one domain).
    os_element = sub(domain, "os", **({"firmware": "efi"} if guest.firmware == "efi" else {}))
    sub(os_element, "type", "hvm", arch="x86_64", machine=guest.machine)
    if guest.firmware == "efi":
        firmware = sub(os_element, "firmware")
        sub(firmware, "feature", enabled="yes", name="enrolled-keys")
        sub(firmware, "feature", enabled="yes", name="secure-boot")


# virt-install 5.x's Hyper-V enlightenments for Windows, in its order (virtinst/domain/features.py), less the
# two it sets only from the host's CPU: evmcs (Intel hosts) and avic (AMD hosts with APIC virtualisation).
HYPERV_ENLIGHTENMENTS: tuple[str, ...] = (
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


def _features(domain: etree._Element, guest: GuestOS) -> None:
    features = sub(domain, "features")
    sub(features, "acpi")
    sub(features, "apic")
    if guest.family == "windows":
        hyperv = sub(features, "hyperv", mode="custom")
        for name in HYPERV_ENLIGHTENMENTS:
            element = sub(hyperv, name, state="on")
            if name == "spinlocks":
                element.set("retries", "8191")
            if name == "stimer":  # direct mode needs stimer, synic and vpindex, all on above
                sub(element, "direct", state="on")
    # As virt-install: no VMware backdoor port, which only VMware's tools use and which upsets the USB tablet.
    sub(features, "vmport", state="off")
    if guest.firmware == "efi":
        # Secure Boot firmware only runs with System Management Mode on.
        sub(features, "smm", state="on")


def _clock(domain: etree._Element, guest: GuestOS) -> None:
    # Windows keeps the hardware clock in local time. The timers are virt-install's: no HPET (costly and
    # unneeded), catch-up RTC and delayed PIT ticks, and Hyper-V's clock for Windows (stimer needs it).
    clock = sub(domain, "clock", offset="localtime" if guest.family == "windows" else "utc")
    sub(clock, "timer", name="rtc", tickpolicy="catchup")
    sub(clock, "timer", name="pit", tickpolicy="delay")
    sub(clock, "timer", name="hpet", present="no")
    if guest.family == "windows":
        sub(clock, "timer", name="hypervclock", present="yes")


def console(devices: etree._Element) -> None:
    """A serial console on a pty, as virt-install adds: `virsh console` reaches a guest that enables it."""
    serial = sub(devices, "serial", type="pty")
    sub(serial, "target", port="0")
    terminal = sub(devices, "console", type="pty")
    sub(terminal, "target", type="serial", port="0")


def spice_display(devices: etree._Element, video_model: str) -> None:
    """SPICE graphics on the host's loopback, a USB tablet for the pointer, and the video card."""
    graphics = sub(devices, "graphics", type="spice", autoport="yes")
    sub(graphics, "listen", type="address", address="127.0.0.1")
    video = sub(devices, "video")
    sub(video, "model", type=video_model)


def _devices(domain: etree._Element, profile: WorkloadProfile, guest: GuestOS) -> None:
    q35 = guest.machine == "q35"
    devices = sub(domain, "devices")
    if q35:
        # libvirt adds a root port per present device and no more: free ones are what hot-plug needs.
        sub(devices, "controller", type="pci", model="pcie-root")
        for _ in range(PCIE_ROOT_PORTS):
            sub(devices, "controller", type="pci", model="pcie-root-port")
    if "usb3" in guest.devices:
        sub(devices, "controller", type="usb", model="qemu-xhci", ports="15")
    disk = sub(devices, "disk", type="file", device="disk")
    sub(disk, "driver", name="qemu", type="qcow2", discard="unmap")
    sub(disk, "source", file=disk_path(profile))
    if has_device(profile, guest, "virtio-disk"):
        sub(disk, "target", dev="vda", bus="virtio")
    else:  # virt-install's fallbacks: SATA (AHCI) on q35, IDE on i440fx
        sub(disk, "target", **({"dev": "sda", "bus": "sata"} if q35 else {"dev": "hda", "bus": "ide"}))
    sub(disk, "boot", order="2")  # order 1 is left for the installer's CD-ROM (see the notes)
    interface = sub(devices, "interface", type="network")
    sub(interface, "source", network="default")
    nic = "virtio" if has_device(profile, guest, "virtio-net") else ("e1000e" if q35 else "e1000")
    sub(interface, "model", type=nic)
    console(devices)
    if has_device(profile, guest, "virtio-serial"):
        channel = sub(devices, "channel", type="unix")
        sub(channel, "target", type="virtio", name=GUEST_AGENT_CHANNEL)
    # A display whenever a person installs or runs the guest: the disk starts empty, and Windows Setup and
    # most installers' boot menus need one (Windows Server has no serial console by default).
    spice = sub(devices, "channel", type="spicevmc")
    sub(spice, "target", type="virtio", name="com.redhat.spice.0")
    sub(devices, "input", type="tablet", bus="usb")
    spice_display(devices, "virtio" if "virtio-gpu" in guest.devices else "qxl")
    if guest.firmware == "efi":
        tpm = sub(devices, "tpm", model="tpm-crb")
        sub(tpm, "backend", type="emulator", version="2.0")
    if has_device(profile, guest, "virtio-rng"):
        rng = sub(devices, "rng", model="virtio")
        sub(rng, "backend", "/dev/urandom", model="random")
    # FreeBSD has virtio_balloon(4) though osinfo-db does not list it; libvirt would add the balloon anyway.
    if has_device(profile, guest, "virtio-balloon") or guest.family == "bsd":
        sub(devices, "memballoon", model="virtio")
    else:
        # libvirt adds a virtio balloon unless told otherwise, and this guest has no driver for it.
        sub(devices, "memballoon", model="none")


def support_note(guest: GuestOS, today: datetime.date | None = None) -> list[str]:
    """A warning when the guest OS is past its end of support (osinfo-db's eol-date), else nothing."""
    today = today or datetime.date.today()
    if guest.eol is not None and guest.eol < today:
        return [f"Warning: {guest.name} reached its end of support on {guest.eol.isoformat()} (osinfo-db)."]
    return []


def guest_notes(profile: WorkloadProfile, guest: GuestOS) -> list[str]:
    """What the user must know about the guest OS picked: the stand-in, the families left out, support."""
    notes = []
    if profile.workload.os_id is None:
        notes.append(
            f"Guest OS {guest.name} ({guest.short_id}) stands in for workload.os {profile.workload.os[0]}; set "
            f"workload.os_id to one of {', '.join(sorted(guest_oses()))} for a specific release."
        )
    if len(profile.workload.os) > 1:
        notes.append(f"workload.os lists {', '.join(profile.workload.os)}: this domain is for {guest.family} only.")
    return notes + support_note(guest)


def _device_notes(profile: WorkloadProfile, guest: GuestOS) -> list[str]:
    notes = []
    if guest.family == "windows":
        if profile.workload.virtio_drivers:
            notes.append(
                "virtio disk and network: Windows Setup needs the virtio-win drivers to see the disk. Attach their "
                "ISO too (`virt-xml NAME --add-device --disk virtio-win.iso,device=cdrom`) and load viostor from "
                "it when Setup asks where to install."
            )
        else:
            notes.append(
                "SATA disk and e1000e network card, which Windows drives out of the box; once the virtio-win drivers "
                "are installed, set workload.virtio_drivers: true for faster virtio devices and the guest agent."
            )
        notes.append(
            "Hyper-V enlightenments: virt-install 5.x's set, less evmcs and avic, which depend on the host's CPU "
            "(virt-install adds evmcs on Intel hosts and avic where APIC virtualisation is on). If "
            "`virsh domcapabilities` lists them, add one with virt-xml 5.0 or later: `virt-xml NAME --edit "
            "--features hyperv.evmcs.state=on` (Intel) or `hyperv.avic.state=on` (AMD)."
        )
    if guest.firmware == "efi":
        notes.append(f"{guest.name} needs UEFI with Secure Boot and a TPM 2.0: the host needs OVMF and swtpm.")
    if guest.machine == "pc":
        notes.append(
            f"i440fx machine (pc), as virt-install picks: osinfo-db does not list the q35 chipset for {guest.name}."
        )
    return [note.replace("NAME", profile.name) for note in notes]


def make_domain_xml(profile: WorkloadProfile) -> Artifact:
    """Return the libvirt domain XML for the profile's guest, with notes on sizing, devices and the host."""
    name = checked_name(profile)
    guest = guest_os(profile)
    size = sizing(profile, guest)
    domain = etree.Element("domain", type="kvm")
    sub(domain, "name", name)
    metadata(domain, guest)
    sized(domain, size)
    _os_element(domain, guest)
    _features(domain, guest)
    cpu(domain, size, mode="host-passthrough", check="none", migratable="on")
    _clock(domain, guest)
    sub(domain, "on_poweroff", "destroy")
    sub(domain, "on_reboot", "restart")
    sub(domain, "on_crash", "destroy")
    pm = sub(domain, "pm")
    sub(pm, "suspend-to-mem", enabled="no")
    sub(pm, "suspend-to-disk", enabled="no")
    _devices(domain, profile, guest)
    content = etree.tostring(domain, pretty_print=True, encoding="unicode")
    host = HOST_NOTES[profile.host.os].format(
        file=f"{name}.xml",
        name=name,
        attach=shlex.join(attach_installer_command(profile)),
        detach=shlex.join(detach_installer_command(profile)),
    )
    notes = (*size.notes, *guest_notes(profile, guest), *_device_notes(profile, guest), host)
    return Artifact(f"{name}.xml", "application/xml", content, notes)


def domain_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps for the domain XML: make the disk, define and start the VM, or virt-install."""
    lines = [
        "Create the VM's disk, define the VM, attach the installer's ISO (it boots first, the disk after it), "
        "start the VM and install the guest OS from its console; then remove the installer so the VM boots "
        "from its disk. Or put a prepared image at the disk's path instead (a cloud image, or the old server's "
        "disk converted with `qemu-img convert`) and skip the installer.",
        "",
        "```sh",
        shlex.join(disk_command(profile)),
        shlex.join(["virsh", "define", f"{folder}{checked_name(profile)}.xml"]),
        shlex.join(attach_installer_command(profile)),
        shlex.join(["virsh", "start", profile.name]),
        shlex.join(["virt-viewer", profile.name]),
        "# once the OS is installed:",
        shlex.join(detach_installer_command(profile)),
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
