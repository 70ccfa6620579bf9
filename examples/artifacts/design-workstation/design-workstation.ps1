#Requires -RunAsAdministrator
#Requires -Modules Hyper-V
<#
.SYNOPSIS
Creates the Hyper-V VM for design-workstation (Microsoft Windows 11), written by advisor.

.DESCRIPTION
A generation 2 VM with 4 virtual processors, 16384 MB of static memory, a 200 GB
dynamically expanding VHDX, Secure Boot (MicrosoftWindows) and the installer DVD first in the boot order.
Run it in an elevated PowerShell on the Hyper-V host. Comments marked CHANGE: say what to adapt.

.EXAMPLE
.\design-workstation.ps1 -IsoPath D:\iso\installer.iso -SwitchName 'External'

.LINK
https://learn.microsoft.com/powershell/module/hyper-v/new-vhd
https://learn.microsoft.com/powershell/module/hyper-v/new-vm
https://learn.microsoft.com/powershell/module/hyper-v/set-vmprocessor
https://learn.microsoft.com/powershell/module/hyper-v/set-vmmemory
https://learn.microsoft.com/powershell/module/hyper-v/set-vmfirmware
https://learn.microsoft.com/powershell/module/hyper-v/add-vmdvddrive
https://learn.microsoft.com/powershell/module/hyper-v/set-vmkeyprotector
https://learn.microsoft.com/powershell/module/hyper-v/enable-vmtpm
#>
[CmdletBinding()]
param(
    # The installer ISO; the VM boots from it first.
    [Parameter(Mandatory)]
    [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
    [string] $IsoPath,
    # CHANGE: a virtual switch on this host ('Default Switch' exists on Windows 10 and 11, not on Servers).
    [ValidateNotNullOrEmpty()]
    [string] $SwitchName = 'Default Switch',
    [ValidatePattern('^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')]
    [string] $VMName = 'design-workstation',
    # Where the VHDX goes: the host's folder for virtual hard disks unless given.
    [ValidateNotNullOrEmpty()]
    [string] $VhdFolder = (Get-VMHost).VirtualHardDiskPath
)

$ErrorActionPreference = 'Stop'
# Stops here, naming the switch, if this host has none by that name.
$null = Get-VMSwitch -Name $SwitchName
$vhdPath = Join-Path -Path $VhdFolder -ChildPath ($VMName + '.vhdx')

$null = New-VHD -Path $vhdPath -SizeBytes 200GB -Dynamic
$null = New-VM -Name $VMName -Generation 2 -MemoryStartupBytes 16384MB -VHDPath $vhdPath -SwitchName $SwitchName
Set-VMProcessor -VMName $VMName -Count 4
# Static memory: the guest gets all of it from the start, as sized.
Set-VMMemory -VMName $VMName -DynamicMemoryEnabled $false -StartupBytes 16384MB
Set-VMFirmware -VMName $VMName -EnableSecureBoot On -SecureBootTemplate 'MicrosoftWindows'
# Microsoft Windows 11 needs a TPM 2.0: a local key protector, then the virtual TPM.
Set-VMKeyProtector -VMName $VMName -NewLocalKeyProtector
Enable-VMTPM -VMName $VMName

# The installer first, the disk after: once the OS is installed, the DVD drive can be emptied or removed.
$dvd = Add-VMDvdDrive -VMName $VMName -Path $IsoPath -Passthru
Set-VMFirmware -VMName $VMName -FirstBootDevice $dvd
