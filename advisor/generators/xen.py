"""libvirt domain XML of type xen for the profile's guest: Xen Project hosts with libvirt's libxl driver.

HVM for every guest, since only HVM boots an installer ISO; Linux guests can instead be PVH (no emulated
devices, no device model) once their disk holds an installed system or a cloud image. The guest OS, its
size and the shared parts of the XML come from the KVM generator (libvirt.py), so both stay in step.
Device choices follow libvirt's libxl driver and its own test data (tests/libxlxml2domconfigdata).
"""

from __future__ import annotations

import shlex

from lxml import etree

from advisor.errors import FieldError, InvalidInput
from advisor.generators import Artifact
from advisor.generators.libvirt import (
    INSTALLER,
    GuestOS,
    checked_name,
    console,
    cpu,
    guest_notes,
    guest_os,
    metadata,
    sized,
    sizing,
    sub,
)
from advisor.models import WorkloadProfile

XEN_IMAGE_DIR = "/var/lib/xen/images"
XEN_URI = "xen:///system"
BRIDGE = "xenbr0"  # the bridge Xen Project's network scripts and XCP-ng's first network create
# Xen's OVMF build, where Xen installs it (xl.cfg bios="ovmf"); distributions may put it elsewhere.
OVMF = "/usr/lib/xen/boot/ovmf.bin"
# GRUB built as a PVH kernel (Debian: grub-xen-bin): it boots the guest's own GRUB menu from its disk.
PVH_GRUB = "/usr/lib/grub-xen/grub-i386-xen_pvh.bin"
CDROM = "hdc"
# The Hyper-V enlightenments libxl maps onto Xen's viridian groups: libvirt's test
# tests/libxlxml2domconfigdata/viridian-hvm-full.xml. relaxed, spinlocks and runtime have no viridian group.
VIRIDIAN = ("vapic", "vpindex", "synic", "stimer", "frequencies", "tlbflush", "ipi")


def xen_disk_path(profile: WorkloadProfile) -> str:
    """Return the path of the guest's disk image on the Xen host."""
    return f"{XEN_IMAGE_DIR}/{checked_name(profile)}.qcow2"


def xen_disk_command(profile: WorkloadProfile) -> list[str]:
    """Return the argv of the `qemu-img create` command that makes the disk the Xen domain points at."""
    size = sizing(profile, guest_os(profile))
    return ["qemu-img", "create", "-f", "qcow2", xen_disk_path(profile), f"{size.disk_gib}G"]


def insert_installer_command(profile: WorkloadProfile, iso: str = INSTALLER) -> list[str]:
    """Return virt-xml's argv that puts the installer ISO into the domain's empty CD-ROM drive."""
    return ["virt-xml", "-c", XEN_URI, checked_name(profile), "--edit", f"target={CDROM}", "--disk", iso]


def eject_installer_command(profile: WorkloadProfile) -> list[str]:
    """Return virt-xml's argv that empties the CD-ROM drive once the OS is installed."""
    return ["virt-xml", "-c", XEN_URI, checked_name(profile), "--edit", f"target={CDROM}", "--disk", "path="]


def _pv_drivers(guest: GuestOS) -> bool:
    # Linux and FreeBSD kernels carry Xen's PV block and network front ends (xen-blkfront, xn); Windows needs
    # the Xen PV drivers installed and an unknown OS gets emulated devices, which PV drivers take over later.
    return guest.family in ("linux", "bsd")


def _os_element(domain: etree._Element, guest: GuestOS, pvh: bool) -> None:
    os_element = sub(domain, "os")
    if pvh:
        sub(os_element, "type", "xenpvh", arch="x86_64", machine="xenpvh")
        sub(os_element, "kernel", PVH_GRUB)
        return
    sub(os_element, "type", "hvm", arch="x86_64", machine="xenfv")
    if guest.firmware == "efi":
        sub(os_element, "loader", OVMF, readonly="yes", type="pflash")
    # libxl boots HVM guests in <boot dev> order only (xl.cfg boot="dc"): the CD-ROM, empty until the
    # installer is inserted, then the disk.
    sub(os_element, "boot", dev="cdrom")
    sub(os_element, "boot", dev="hd")


def _features(domain: etree._Element, guest: GuestOS, pvh: bool) -> None:
    if pvh:
        return
    features = sub(domain, "features")
    sub(features, "acpi")
    sub(features, "apic")
    sub(features, "pae")
    if guest.family == "windows":
        hyperv = sub(features, "hyperv", mode="custom")
        for name in VIRIDIAN:
            sub(hyperv, name, state="on")


def _devices(domain: etree._Element, profile: WorkloadProfile, guest: GuestOS, pvh: bool) -> None:
    devices = sub(domain, "devices")
    pv = pvh or _pv_drivers(guest)
    disk = sub(devices, "disk", type="file", device="disk")
    sub(disk, "driver", name="qemu", type="qcow2")
    sub(disk, "source", file=xen_disk_path(profile))
    sub(disk, "target", **({"dev": "xvda", "bus": "xen"} if pv else {"dev": "hda", "bus": "ide"}))
    if not pvh:
        cdrom = sub(devices, "disk", type="file", device="cdrom")
        sub(cdrom, "driver", name="qemu", type="raw")
        sub(cdrom, "target", dev=CDROM, bus="ide")
        sub(cdrom, "readonly")
    interface = sub(devices, "interface", type="bridge")
    sub(interface, "source", bridge=BRIDGE)
    sub(interface, "model", type="netfront" if pv else "e1000")
    if pvh:
        terminal = sub(devices, "console", type="pty")
        sub(terminal, "target", type="xen", port="0")
        return
    console(devices)
    sub(devices, "input", type="tablet", bus="usb")
    graphics = sub(devices, "graphics", type="vnc", autoport="yes")
    sub(graphics, "listen", type="address", address="127.0.0.1")
    video = sub(devices, "video")
    sub(video, "model", type="vga")


def make_xen_domain(profile: WorkloadProfile, *, pvh: bool = False) -> str:
    """Return libvirt domain XML of type xen for the profile's guest: HVM, or PVH for a Linux guest.

    PVH boots the guest's installed disk through GRUB's PVH build; it has no CD-ROM, so it suits a disk that
    already holds the OS (a cloud image). Only Linux guests are PVH-capable here.
    """
    name = checked_name(profile)
    guest = guest_os(profile)
    if pvh and guest.family != "linux":
        raise InvalidInput([FieldError("workload.os_id", f"{guest.name} cannot run as a Xen PVH guest here; use HVM")])
    size = sizing(profile, guest)
    domain = etree.Element("domain", type="xen")
    sub(domain, "name", name)
    metadata(domain, guest)
    sized(domain, size)
    _os_element(domain, guest, pvh)
    _features(domain, guest, pvh)
    cpu(domain, size, mode="host-passthrough")
    sub(domain, "clock", offset="localtime" if guest.family == "windows" else "utc")
    sub(domain, "on_poweroff", "destroy")
    sub(domain, "on_reboot", "restart")
    sub(domain, "on_crash", "destroy")
    _devices(domain, profile, guest, pvh)
    return etree.tostring(domain, pretty_print=True, encoding="unicode")


def make_xen_file(profile: WorkloadProfile) -> Artifact:
    """Return the HVM Xen domain XML as a file, with notes on sizing, the guest and the host."""
    name = checked_name(profile)
    guest = guest_os(profile)
    size = sizing(profile, guest)
    notes = [*size.notes, *guest_notes(profile, guest)]
    if guest.family == "windows":
        notes.append(
            "Emulated IDE disk and e1000 network card until the Xen PV drivers for Windows are installed; then "
            "they take the devices over. Hyper-V enlightenments are the ones libxl maps to Xen's viridian groups."
        )
    if guest.firmware == "efi":
        notes.append(
            f"{guest.name} boots with Xen's OVMF ({OVMF}: check the path on your host). libxl gives no TPM; "
            "XCP-ng 8.3 gives Windows 11 a vTPM through xapi."
        )
    notes.append(
        f"For a Xen Project host with libvirt's libxl driver: {shlex.join(xen_disk_command(profile))}, then "
        f"`virsh -c {XEN_URI} define {name}-xen.xml`, `{shlex.join(insert_installer_command(profile))}` "
        f"(the CD-ROM boots first, then the disk), `virsh -c {XEN_URI} start {name}` and open the VNC "
        f"display with `virt-viewer -c {XEN_URI} {name}`; once installed, "
        f"`{shlex.join(eject_installer_command(profile))}`. The network is the bridge {BRIDGE}. "
        "XCP-ng runs xapi rather than libvirt: there, create the VM from the matching template with "
        "`xe vm-install` and the same vCPUs, memory and disk."
    )
    return Artifact(f"{name}-xen.xml", "application/xml", make_xen_domain(profile), tuple(notes))


def xen_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps for the Xen domain: make the disk, define it, insert the installer, start it."""
    name = checked_name(profile)
    return [
        "On the Xen host (libvirt's libxl driver): create the VM's disk, define the VM, put the installer's ISO in "
        "its CD-ROM drive (it boots before the disk), start it and install the guest OS from its display; then "
        "empty the drive.",
        "",
        "```sh",
        shlex.join(xen_disk_command(profile)),
        shlex.join(["virsh", "-c", XEN_URI, "define", f"{folder}{name}-xen.xml"]),
        shlex.join(insert_installer_command(profile)),
        shlex.join(["virsh", "-c", XEN_URI, "start", name]),
        shlex.join(["virt-viewer", "-c", XEN_URI, name]),
        "# once the OS is installed:",
        shlex.join(eject_installer_command(profile)),
        "```",
        "",
    ]


def xen_disk_lines(profile: WorkloadProfile) -> list[str]:
    """What `advisor emit xen` adds on stderr: the command that makes the disk the XML points at."""
    return [f"disk: {shlex.join(xen_disk_command(profile))}"]
