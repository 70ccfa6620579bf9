"""An OVF 1.1 descriptor for the profile's guest, to deploy as an empty VM on VMware vSphere/ESXi.

Built with lxml and valid under DMTF's OVF 1.1.1 envelope schema (DSP8023; tests/test_ovf.py runs xmllint).
The disk has no file: vSphere creates it empty at the size given, and the installer ISO goes in the CD-ROM.
Sizes and the guest OS come from the same osinfo facts as the libvirt domain.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from lxml import etree

from advisor.generators import Artifact, checked_name
from advisor.generators.libvirt import GuestOS, guest_os, sizing
from advisor.models import WorkloadProfile

OVF_NS = "http://schemas.dmtf.org/ovf/envelope/1"
RASD_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
VSSD_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
VMW_NS = "http://www.vmware.com/schema/ovf"
NSMAP = {None: OVF_NS, "ovf": OVF_NS, "rasd": RASD_NS, "vssd": VSSD_NS, "vmw": VMW_NS}

# ESXi 8.0's virtual hardware: the first to know windows11_64Guest and windows2022srvNext_64Guest.
HARDWARE_VERSION = "vmx-20"
NETWORK = "VM Network"  # the port group every ESXi host is installed with
TARGET = "vi://USER@VCENTER/DATACENTER/host/CLUSTER"  # CHANGE: ovftool's locator of the cluster or host


@dataclass(frozen=True)
class VSphereGuest:
    """How vSphere names one guest OS: its guestId and the DMTF CIM_OperatingSystem.OsType of the OVF."""

    guest_id: str
    cim_os_type: int
    description: str


# guestIds: VMware's VirtualMachineGuestOsIdentifier enum,
#   https://developer.broadcom.com/xapis/virtual-infrastructure-json-api/latest/data-structures/VirtualMachineGuestOsIdentifier_enum
# CIM OsType values: DMTF CIM_OperatingSystem.OsType, as govmomi maps guestIds to them (vmware/govmomi ovf/cim.go):
#   78 FreeBSD 64-Bit, 80 RHEL 64-Bit, 94 Ubuntu 64-Bit, 96 Debian 64-Bit, 101 Linux 64-Bit, 102 Other 64-Bit.
# Windows 10 and later have no OsType of their own: VMware exports them as 102 (Other 64-Bit) with the guestId.
VSPHERE_GUESTS: dict[str, VSphereGuest] = {
    "ubuntu22.04": VSphereGuest("ubuntu64Guest", 94, "Ubuntu Linux (64-bit)"),
    "ubuntu24.04": VSphereGuest("ubuntu64Guest", 94, "Ubuntu Linux (64-bit)"),
    "debian12": VSphereGuest("debian12_64Guest", 96, "Debian GNU/Linux 12 (64-bit)"),
    "rhel9.0": VSphereGuest("rhel9_64Guest", 80, "Red Hat Enterprise Linux 9 (64-bit)"),
    "rhel9.4": VSphereGuest("rhel9_64Guest", 80, "Red Hat Enterprise Linux 9 (64-bit)"),
    "fedora40": VSphereGuest("fedora64Guest", 101, "Red Hat Fedora (64-bit)"),
    "linux2022": VSphereGuest("other5xLinux64Guest", 101, "Other 5.x or later Linux (64-bit)"),
    "win10": VSphereGuest("windows9_64Guest", 102, "Microsoft Windows 10 (64-bit)"),
    "win11": VSphereGuest("windows11_64Guest", 102, "Microsoft Windows 11 (64-bit)"),
    "win2k19": VSphereGuest("windows2019srv_64Guest", 102, "Microsoft Windows Server 2019 (64-bit)"),
    "win2k22": VSphereGuest("windows2019srvNext_64Guest", 102, "Microsoft Windows Server 2022 (64-bit)"),
    "win2k25": VSphereGuest("windows2022srvNext_64Guest", 102, "Microsoft Windows Server 2025 (64-bit)"),
    "freebsd14.0": VSphereGuest("freebsd14_64Guest", 78, "FreeBSD 14 (64-bit)"),
    "freebsd14.5": VSphereGuest("freebsd14_64Guest", 78, "FreeBSD 14 (64-bit)"),
    # vSphere API 9.0 added freebsd15_64Guest (govmomi vim25/types/enum.go at fd061606: "since 9.0.0.0"), but
    # this descriptor is for ESXi 8.0 (vmx-20), which does not know it, and govmomi's ovf/cim.go gives it no
    # CIM OsType. FreeBSD 15 deploys as vSphere 8's newest FreeBSD id, freebsd14_64Guest (since 8.0.0.1).
    "freebsd15.1": VSphereGuest("freebsd14_64Guest", 78, "FreeBSD 14 (64-bit)"),
    "generic": VSphereGuest("otherGuest64", 102, "Other (64-bit)"),
}

# The RASD elements in the order CIM_ResourceAllocationSettingData.xsd's sequence wants them (alphabetical).
RASD_ORDER = (
    *("Address", "AddressOnParent", "AllocationUnits", "AutomaticAllocation", "AutomaticDeallocation", "Caption"),
    *("Connection", "ConsumerVisibility", "Description", "ElementName", "HostResource", "InstanceID", "Limit"),
    *("MappingBehavior", "OtherResourceType", "Parent", "PoolID", "Reservation", "ResourceSubType", "ResourceType"),
    *("VirtualQuantity", "VirtualQuantityUnits", "Weight"),
)


@dataclass(frozen=True)
class Devices:
    """The disk controller and network card a guest has drivers for out of the box."""

    disk_controller: tuple[int, str, str]  # RASD ResourceType, ResourceSubType, label
    nic: str


# For a guest OS the table does not name yet (osinfo ids are added as releases come out): its family's generic id.
FAMILY_GUESTS = {
    "linux": VSphereGuest("other5xLinux64Guest", 101, "Other 5.x or later Linux (64-bit)"),
    "windows": VSphereGuest("windows2019srvNext_64Guest", 102, "Microsoft Windows Server 2022 (64-bit)"),
    "bsd": VSphereGuest("freebsd14_64Guest", 78, "FreeBSD 14 (64-bit)"),
    "other": VSphereGuest("otherGuest64", 102, "Other (64-bit)"),
}


def vsphere_guest(guest: GuestOS) -> VSphereGuest:
    """Return vSphere's guestId and CIM OS type for a guest OS; an id not in the table gets its family's."""
    return VSPHERE_GUESTS.get(guest.short_id) or FAMILY_GUESTS[guest.family]


def devices(guest: GuestOS) -> Devices:
    """Return the devices the guest's installer drives without extra drivers."""
    if guest.family == "windows":
        # Windows has an in-box NVMe driver (stornvme) but none for PVSCSI or VMXNET3 until VMware Tools are in.
        return Devices((20, "vmware.nvme.controller", "NVMe Controller"), "E1000e")
    if guest.family == "linux":
        # Linux kernels carry vmw_pvscsi and vmxnet3.
        return Devices((6, "VirtualSCSI", "SCSI Controller"), "VmxNet3")
    return Devices((6, "lsilogic", "SCSI Controller"), "E1000")


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def _sub(parent: etree._Element, namespace: str, tag: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(parent, _q(namespace, tag), {_q(OVF_NS, k): v for k, v in attributes.items()})
    element.text = text
    return element


def _item(hardware: etree._Element, fields: dict[str, str], required: bool = True) -> None:
    item = _sub(hardware, OVF_NS, "Item", **({} if required else {"required": "false"}))
    for name in RASD_ORDER:
        if name in fields:
            _sub(item, RASD_NS, name, fields[name])


def _vmw_config(parent: etree._Element, key: str, value: str) -> None:
    attributes = {_q(OVF_NS, "required"): "false", _q(VMW_NS, "key"): key, _q(VMW_NS, "value"): value}
    etree.SubElement(parent, _q(VMW_NS, "Config"), attributes)


def _hardware(system: etree._Element, name: str, guest: GuestOS, vcpus: int, memory_mib: int) -> None:
    hardware = _sub(system, OVF_NS, "VirtualHardwareSection")
    _sub(hardware, OVF_NS, "Info", "Virtual hardware requirements")
    vssd = _sub(hardware, OVF_NS, "System")
    _sub(vssd, VSSD_NS, "ElementName", "Virtual Hardware Family")
    _sub(vssd, VSSD_NS, "InstanceID", "0")
    _sub(vssd, VSSD_NS, "VirtualSystemIdentifier", name)
    _sub(vssd, VSSD_NS, "VirtualSystemType", HARDWARE_VERSION)
    picks = devices(guest)
    kind, subtype, label = picks.disk_controller
    cpu = {"AllocationUnits": "hertz * 10^6", "Description": "Number of virtual CPUs", "InstanceID": "1"}
    cpu |= {"ElementName": f"{vcpus} virtual CPU(s)", "ResourceType": "3", "VirtualQuantity": str(vcpus)}
    memory = {"AllocationUnits": "byte * 2^20", "Description": "Memory size", "InstanceID": "2"}
    memory |= {"ElementName": f"{memory_mib} MB of memory", "ResourceType": "4", "VirtualQuantity": str(memory_mib)}
    controller = {"Address": "0", "Description": label, "ElementName": f"{label} 0", "InstanceID": "3"}
    controller |= {"ResourceSubType": subtype, "ResourceType": str(kind)}
    disk = {"AddressOnParent": "0", "ElementName": "Hard disk 1", "HostResource": "ovf:/disk/disk1"}
    disk |= {"InstanceID": "4", "Parent": "3", "ResourceType": "17"}
    sata = {"Address": "0", "Description": "SATA Controller", "ElementName": "SATA Controller 0", "InstanceID": "5"}
    sata |= {"ResourceSubType": "vmware.sata.ahci", "ResourceType": "20"}
    # The installer goes here: connect its ISO before the first power-on (AutomaticAllocation: connected).
    cdrom = {"AddressOnParent": "0", "AutomaticAllocation": "true", "ElementName": "CD/DVD drive 1"}
    cdrom |= {"InstanceID": "6", "Parent": "5", "ResourceType": "15"}
    nic = {"AddressOnParent": "7", "AutomaticAllocation": "true", "Connection": NETWORK}
    nic |= {"ElementName": "Network adapter 1", "InstanceID": "7", "ResourceSubType": picks.nic, "ResourceType": "10"}
    for fields in (cpu, memory, controller, disk, sata):
        _item(hardware, fields)
    _item(hardware, cdrom, required=False)
    _item(hardware, nic)
    efi = guest.family in ("windows", "linux", "bsd")
    _vmw_config(hardware, "firmware", "efi" if efi else "bios")
    _vmw_config(hardware, "bootOptions.efiSecureBootEnabled", str(guest.family in ("windows", "linux")).lower())


def deploy_command(profile: WorkloadProfile, folder: str = "") -> list[str]:
    """Return the VMware OVF Tool argv that deploys the descriptor; the target is the user's to fill in."""
    name = checked_name(profile)
    return ["ovftool", f"--name={name}", f"--network={NETWORK}", f"{folder}{name}.ovf", TARGET]


def make_ovf(profile: WorkloadProfile) -> Artifact:
    """Return an OVF 1.1 descriptor that deploys the profile's guest as an empty VM on vSphere/ESXi."""
    name = checked_name(profile)
    guest = guest_os(profile)
    size = sizing(profile, guest)
    vsphere = vsphere_guest(guest)
    envelope = etree.Element(_q(OVF_NS, "Envelope"), nsmap=NSMAP)
    _sub(envelope, OVF_NS, "References")  # no files: the disk below is created empty
    disks = _sub(envelope, OVF_NS, "DiskSection")
    _sub(disks, OVF_NS, "Info", "Virtual disks")
    _sub(disks, OVF_NS, "Disk", capacity=str(size.disk_gib), capacityAllocationUnits="byte * 2^30", diskId="disk1")
    networks = _sub(envelope, OVF_NS, "NetworkSection")
    _sub(networks, OVF_NS, "Info", "Logical networks")
    network = _sub(networks, OVF_NS, "Network", name=NETWORK)
    _sub(network, OVF_NS, "Description", f"The network {name} connects to; map it to a port group when deploying")
    system = _sub(envelope, OVF_NS, "VirtualSystem", id=name)
    _sub(system, OVF_NS, "Info", f"{name}: {guest.name}, written by advisor")
    _sub(system, OVF_NS, "Name", name)
    os_section = _sub(system, OVF_NS, "OperatingSystemSection", id=str(vsphere.cim_os_type))
    os_section.set(_q(VMW_NS, "osType"), vsphere.guest_id)
    _sub(os_section, OVF_NS, "Info", "The guest operating system")
    _sub(os_section, OVF_NS, "Description", vsphere.description)
    _hardware(system, name, guest, size.vcpus, size.memory_mib)
    content = etree.tostring(envelope, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode()
    notes = [*size.notes]
    if guest.short_id not in VSPHERE_GUESTS:
        notes.append(f"{guest.name} has no guestId in advisor's table: the OVF says {vsphere.guest_id}.")
    if profile.host.cloud != "vmware":
        notes.append("This descriptor is for VMware vSphere/ESXi; the profile's host.cloud is not vmware.")
    notes.append(
        f"Deploy with `{shlex.join(deploy_command(profile))}` or the vSphere Client's Deploy OVF Template, "
        "connect the installer ISO to CD/DVD drive 1, then power on."
    )
    if guest.family == "windows" and guest.firmware == "efi":
        notes.append(
            f"{guest.name} needs a TPM 2.0: add a virtual TPM after deploying (vSphere needs a key provider for "
            "it; an OVF cannot carry one)."
        )
    if guest.family == "windows":
        notes.append("NVMe disk and E1000e network card, which Windows drives out of the box; install VMware Tools.")
    return Artifact(f"{name}.ovf", "application/xml", content, tuple(notes))


def ovf_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps for the OVF descriptor: deploy it, attach the installer, power on."""
    return [
        "Deploy the descriptor to vCenter or an ESXi host with VMware OVF Tool (or the vSphere Client's *Deploy "
        "OVF Template*); its disk is created empty. Connect the installer ISO to CD/DVD drive 1, then power the "
        "VM on and install the guest OS:",
        "",
        "```sh",
        shlex.join(deploy_command(profile, folder)),
        "```",
        "",
    ]
