"""A PowerShell script that creates the profile's guest as a generation 2 Hyper-V VM on a Windows host.

Every cmdlet and parameter the script uses is in CMDLETS, with the Microsoft Learn page it comes from;
tests/test_hyperv.py parses the script with tree-sitter-powershell and checks it against that table. Sizes and
the guest OS come from the same osinfo facts as the libvirt domain. Profile values reach the script only as a
validated name inside a single-quoted literal, or as numbers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from advisor.generators import Artifact, checked_name
from advisor.generators.libvirt import GuestOS, guest_os, sizing
from advisor.models import DNS_LABEL, WorkloadProfile

LEARN = "https://learn.microsoft.com/powershell/module"


@dataclass(frozen=True)
class Cmdlet:
    """One cmdlet the script may call: its Microsoft Learn reference and the parameters that page documents."""

    url: str
    parameters: frozenset[str]


# The documented parameters of each cmdlet, as the syntax blocks on Microsoft Learn list them (Hyper-V module
# for Windows Server 2022/2025, which Windows 10 and 11 share). Common parameters (-ErrorAction ...) apply to all.
COMMON_PARAMETERS = frozenset({"Debug", "ErrorAction", "ErrorVariable", "Verbose", "WarningAction", "OutVariable"})
_REMOTE = {"CimSession", "ComputerName", "Credential"}
CMDLETS: dict[str, Cmdlet] = {
    "New-VHD": Cmdlet(
        f"{LEARN}/hyper-v/new-vhd",
        frozenset({"Path", "SizeBytes", "Dynamic", "Fixed", "Differencing", "ParentPath", "SourceDisk"})
        | {"BlockSizeBytes", "LogicalSectorSizeBytes", "PhysicalSectorSizeBytes", "AsJob", "WhatIf", "Confirm"}
        | _REMOTE,
    ),
    "New-VM": Cmdlet(
        f"{LEARN}/hyper-v/new-vm",
        frozenset({"Name", "MemoryStartupBytes", "BootDevice", "NoVHD", "SwitchName", "Path", "Version"})
        | {"NewVHDPath", "NewVHDSizeBytes", "VHDPath", "Generation", "GuestStateIsolationType", "Prerelease"}
        | {"SourceGuestStatePath", "Experimental", "Force", "AsJob", "WhatIf", "Confirm"}
        | _REMOTE,
    ),
    "Set-VMProcessor": Cmdlet(
        f"{LEARN}/hyper-v/set-vmprocessor",
        frozenset({"VMName", "VM", "VMProcessor", "Count", "CompatibilityForMigrationEnabled", "Maximum"})
        | {"CompatibilityForOlderOperatingSystemsEnabled", "HwThreadCountPerCore", "Reserve", "RelativeWeight"}
        | {"MaximumCountPerNumaNode", "MaximumCountPerNumaSocket", "ResourcePoolName", "Perfmon"}
        | {"EnableHostResourceProtection", "ExposeVirtualizationExtensions", "Passthru", "WhatIf", "Confirm"}
        | _REMOTE,
    ),
    "Set-VMMemory": Cmdlet(
        f"{LEARN}/hyper-v/set-vmmemory",
        frozenset({"VMName", "VM", "VMMemory", "Buffer", "DynamicMemoryEnabled", "MaximumBytes", "StartupBytes"})
        | {"MinimumBytes", "Priority", "MaximumAmountPerNumaNodeBytes", "ResourcePoolName", "Passthru"}
        | {"WhatIf", "Confirm"}
        | _REMOTE,
    ),
    "Set-VMFirmware": Cmdlet(
        f"{LEARN}/hyper-v/set-vmfirmware",
        frozenset({"VMName", "VM", "VMFirmware", "BootOrder", "FirstBootDevice", "EnableSecureBoot"})
        | {"SecureBootTemplate", "SecureBootTemplateId", "PreferredNetworkBootProtocol", "ConsoleMode"}
        | {"PauseAfterBootFailure", "Passthru", "WhatIf", "Confirm"}
        | _REMOTE,
    ),
    "Set-VMKeyProtector": Cmdlet(
        f"{LEARN}/hyper-v/set-vmkeyprotector",
        frozenset({"VMName", "VM", "Passthru", "KeyProtector", "NewLocalKeyProtector"})
        | {"RestoreLastKnownGoodKeyProtector", "WhatIf", "Confirm"}
        | _REMOTE,
    ),
    "Enable-VMTPM": Cmdlet(
        f"{LEARN}/hyper-v/enable-vmtpm", frozenset({"VMName", "VM", "Passthru", "WhatIf", "Confirm"}) | _REMOTE
    ),
    "Add-VMDvdDrive": Cmdlet(
        f"{LEARN}/hyper-v/add-vmdvddrive",
        frozenset({"VMName", "VM", "VMDriveController", "ControllerNumber", "ControllerLocation", "Path"})
        | {"ResourcePoolName", "AllowUnverifiedPaths", "Passthru", "WhatIf", "Confirm"}
        | _REMOTE,
    ),
    "Get-VMSwitch": Cmdlet(
        f"{LEARN}/hyper-v/get-vmswitch",
        frozenset({"Name", "Id", "ResourcePoolName", "SwitchType"}) | _REMOTE,
    ),
    "Get-VMHost": Cmdlet(f"{LEARN}/hyper-v/get-vmhost", frozenset(_REMOTE)),
    "Test-Path": Cmdlet(
        f"{LEARN}/microsoft.powershell.management/test-path",
        frozenset({"Path", "LiteralPath", "Filter", "Include", "Exclude", "PathType", "IsValid", "Credential"})
        | {"OlderThan", "NewerThan"},
    ),
    "Join-Path": Cmdlet(
        f"{LEARN}/microsoft.powershell.management/join-path",
        frozenset({"Path", "ChildPath", "AdditionalChildPath", "Resolve", "Credential"}),
    ),
}

# Secure Boot template per guest family: Windows boots with Microsoft's Windows keys; Linux distributions boot
# a shim signed by the Microsoft UEFI CA, so their VMs take the "Microsoft UEFI Certificate Authority" template
# (https://learn.microsoft.com/azure-stack/hci/manage/virtual-machine-image-red-hat-enterprise-linux, step 1.2).
# FreeBSD and unknown guests have no loader signed for either: Secure Boot is off for them.
SECURE_BOOT_TEMPLATES = {"windows": "MicrosoftWindows", "linux": "MicrosoftUEFICertificateAuthority"}

_QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell ends a single-quoted string at any of these


def ps_literal(text: str) -> str:
    """Return text as a PowerShell single-quoted literal: every quote PowerShell knows is doubled, nothing expands.

    Control characters (a NUL, a line break) are refused: the script's literals are one line of printable text.
    """
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ValueError(f"{text!r} holds a control character; it cannot be a one-line PowerShell literal")
    return "'" + "".join(ch * 2 if ch in _QUOTES else ch for ch in text) + "'"


def _needs_tpm(guest: GuestOS) -> bool:
    # osinfo-db marks the guests that boot only with UEFI (Windows 11); those are the ones that need a TPM 2.0.
    return guest.family == "windows" and guest.firmware == "efi"


def _firmware_lines(guest: GuestOS) -> list[str]:
    template = SECURE_BOOT_TEMPLATES.get(guest.family)
    if template is None:
        return [
            f"# {guest.name} has no loader signed for Secure Boot.",
            "Set-VMFirmware -VMName $VMName -EnableSecureBoot Off",
        ]
    lines = [f"Set-VMFirmware -VMName $VMName -EnableSecureBoot On -SecureBootTemplate {ps_literal(template)}"]
    if _needs_tpm(guest):
        lines += [
            f"# {guest.name} needs a TPM 2.0: a local key protector, then the virtual TPM.",
            "Set-VMKeyProtector -VMName $VMName -NewLocalKeyProtector",
            "Enable-VMTPM -VMName $VMName",
        ]
    return lines


def _script(name: str, guest: GuestOS, vcpus: int, memory_mib: int, disk_gib: int) -> str:
    secure_boot = SECURE_BOOT_TEMPLATES.get(guest.family, "off")
    used = ["New-VHD", "New-VM", "Set-VMProcessor", "Set-VMMemory", "Set-VMFirmware", "Add-VMDvdDrive"]
    used += ["Set-VMKeyProtector", "Enable-VMTPM"] if _needs_tpm(guest) else []
    lines = [
        "#Requires -RunAsAdministrator",
        "#Requires -Modules Hyper-V",
        "<#",
        ".SYNOPSIS",
        f"Creates the Hyper-V VM for {name} ({guest.name}), written by advisor.",
        "",
        ".DESCRIPTION",
        f"A generation 2 VM with {vcpus} virtual processors, {memory_mib} MB of static memory, a {disk_gib} GB",
        f"dynamically expanding VHDX, Secure Boot ({secure_boot}) and the installer DVD first in the boot order.",
        "Run it in an elevated PowerShell on the Hyper-V host. Comments marked CHANGE: say what to adapt.",
        "",
        ".EXAMPLE",
        f".\\{name}.ps1 -IsoPath D:\\iso\\installer.iso -SwitchName 'External'",
        "",
        ".LINK",
        *(CMDLETS[cmdlet].url for cmdlet in used),
        "#>",
        "[CmdletBinding()]",
        "param(",
        "    # The installer ISO; the VM boots from it first.",
        "    [Parameter(Mandatory)]",
        "    [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]",
        "    [string] $IsoPath,",
        "    # CHANGE: a virtual switch on this host ('Default Switch' exists on Windows 10 and 11, not on Servers).",
        "    [ValidateNotNullOrEmpty()]",
        "    [string] $SwitchName = 'Default Switch',",
        f"    [ValidatePattern({ps_literal(DNS_LABEL)})]",
        f"    [string] $VMName = {ps_literal(name)},",
        "    # Where the VHDX goes: the host's folder for virtual hard disks unless given.",
        "    [ValidateNotNullOrEmpty()]",
        "    [string] $VhdFolder = (Get-VMHost).VirtualHardDiskPath",
        ")",
        "",
        "$ErrorActionPreference = 'Stop'",
        "# Stops here, naming the switch, if this host has none by that name.",
        "$null = Get-VMSwitch -Name $SwitchName",
        "$vhdPath = Join-Path -Path $VhdFolder -ChildPath ($VMName + '.vhdx')",
        "",
        f"$null = New-VHD -Path $vhdPath -SizeBytes {disk_gib}GB -Dynamic",
        f"$null = New-VM -Name $VMName -Generation 2 -MemoryStartupBytes {memory_mib}MB -VHDPath $vhdPath "
        "-SwitchName $SwitchName",
        f"Set-VMProcessor -VMName $VMName -Count {vcpus}",
        "# Static memory: the guest gets all of it from the start, as sized.",
        f"Set-VMMemory -VMName $VMName -DynamicMemoryEnabled $false -StartupBytes {memory_mib}MB",
        *_firmware_lines(guest),
        "",
        "# The installer first, the disk after: once the OS is installed, the DVD drive can be emptied or removed.",
        "$dvd = Add-VMDvdDrive -VMName $VMName -Path $IsoPath -Passthru",
        "Set-VMFirmware -VMName $VMName -FirstBootDevice $dvd",
    ]
    return "\n".join(lines) + "\n"


def make_hyperv_script(profile: WorkloadProfile) -> Artifact:
    """Return a PowerShell script that creates the profile's guest as a generation 2 Hyper-V VM."""
    name = checked_name(profile)
    guest = guest_os(profile)
    size = sizing(profile, guest)
    memory_mib = size.memory_mib + size.memory_mib % 2  # Hyper-V assigns memory in multiples of 2 MB
    notes = [*size.notes]
    if profile.host.os != "windows":
        notes.append(f"This script is for a Windows host with Hyper-V; the profile's host is {profile.host.os}.")
    notes.append(
        f"Run `.\\{name}.ps1 -IsoPath <installer.iso> -SwitchName <switch>` in an elevated PowerShell on the "
        f"Hyper-V host, then `Start-VM -Name {name}` and `vmconnect.exe localhost {name}` to install the guest."
    )
    if _needs_tpm(guest):
        notes.append(
            f"{guest.name} needs a TPM 2.0: the script gives the VM a local key protector and a virtual TPM; a VM "
            "moved to another host needs that host to trust the key protector."
        )
    content = _script(name, guest, size.vcpus, memory_mib, size.disk_gib)
    return Artifact(f"{name}.ps1", "text/plain", content, tuple(notes))


def hyperv_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps for the Hyper-V script: run it, start the VM, connect to its console."""
    name = checked_name(profile)
    script = ".\\" + f"{folder}{name}.ps1".replace("/", "\\")
    return [
        "On the Windows host with the Hyper-V role, in an elevated PowerShell, run the script with the installer "
        "ISO and a virtual switch of that host, then start the VM and install the guest OS from its console:",
        "",
        "```powershell",
        f"{script} -IsoPath C:\\iso\\installer.iso -SwitchName 'Default Switch'",
        f"Start-VM -Name {name}",
        f"vmconnect.exe localhost {name}",
        "```",
        "",
    ]
