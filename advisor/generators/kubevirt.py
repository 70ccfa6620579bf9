"""A KubeVirt VirtualMachine (kubevirt.io/v1) for a VM component of a Kubernetes estate.

The same guest as the libvirt domain XML: the same osinfo facts size it (vCPUs, memory, disk), the same
devices (virtio where the guest has drivers, SATA and e1000e where Windows has none yet), UEFI with Secure
Boot, SMM and a TPM where the OS needs them, and Hyper-V enlightenments for Windows. The disk is a
DataVolume that CDI fills: from a containerdisk image for a Linux release that has one, else from an upload.
Linux guests get a cloud-init user; Windows guests come from a sysprepped image (a note says how).

Written by PyYAML's safe_dump_all from plain data, so no profile text can add a key or a document.
"""

from __future__ import annotations

from typing import Any

import yaml

from advisor.generators import Artifact, Verdict, yaml_documents
from advisor.generators.libvirt import GuestOS, checked_name, guest_os, sizing, uses_virtio
from advisor.models import WorkloadProfile

# Linux releases the KubeVirt project publishes as containerdisks (https://quay.io/organization/containerdisks).
CONTAINERDISKS = {
    "ubuntu22.04": "quay.io/containerdisks/ubuntu:22.04",
    "ubuntu24.04": "quay.io/containerdisks/ubuntu:24.04",
    "debian12": "quay.io/containerdisks/debian:12",
    "fedora40": "quay.io/containerdisks/fedora:40",
}
CLOUD_USER = "admin"
SSH_KEY = "ssh-ed25519 AAAA-CHANGE-to-your-public-key"


def _disk_source(guest: GuestOS) -> dict[str, Any]:
    image = CONTAINERDISKS.get(guest.short_id)
    if image is not None:  # CDI imports the image into the VM's own persistent volume
        return {"registry": {"url": f"docker://{image}"}}
    return {"upload": {}}  # virtctl image-upload fills it from a prepared image


def _cloud_init() -> str:
    """The NoCloud user data: a user who logs in with an SSH key, no password."""
    config = {
        "users": [
            {
                "name": CLOUD_USER,
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
                "shell": "/bin/bash",
                "ssh_authorized_keys": [SSH_KEY],
            }
        ],
        "ssh_pwauth": False,
    }
    return "#cloud-config\n" + yaml.safe_dump(config, sort_keys=False)


def _domain(profile: WorkloadProfile, guest: GuestOS, vcpus: int, memory_mib: int) -> dict[str, Any]:
    virtio = uses_virtio(profile, guest)
    bus = "virtio" if virtio else "sata"
    windows = guest.family == "windows"
    efi = guest.firmware == "efi"
    features: dict[str, Any] = {"acpi": {}, "apic": {}}
    if windows:
        # Hyper-V enlightenments, as libvirt's XML and virt-install give a Windows guest.
        features["hyperv"] = {"relaxed": {}, "vapic": {}, "spinlocks": {"spinlocks": 8191}}
    if efi:
        features["smm"] = {"enabled": True}  # Secure Boot firmware runs only with SMM
    timer: dict[str, Any] = {
        "rtc": {"tickPolicy": "catchup"},
        "pit": {"tickPolicy": "delay"},
        "hpet": {"present": False},
    }
    if windows:
        timer["hyperv"] = {}
    disks = [{"name": "rootdisk", "disk": {"bus": bus}}]
    if guest.family == "linux":
        disks.append({"name": "cloudinitdisk", "disk": {"bus": "virtio"}})
    devices: dict[str, Any] = {
        "disks": disks,
        "interfaces": [{"name": "default", "masquerade": {}, "model": "virtio" if virtio else "e1000e"}],
    }
    if virtio:
        devices["rng"] = {}
    else:
        devices["autoattachMemBalloon"] = False  # no balloon driver in this guest
    devices["autoattachGraphicsDevice"] = profile.workload.gui
    if profile.workload.gui:
        devices["inputs"] = [{"type": "tablet", "bus": "usb", "name": "tablet"}]
    if efi:
        devices["tpm"] = {"persistent": True}
    domain: dict[str, Any] = {
        "cpu": {"cores": vcpus},
        "memory": {"guest": f"{memory_mib}Mi"},
        "features": features,
        "clock": {"utc": {}, "timer": timer},
        "devices": devices,
    }
    if efi:
        domain["firmware"] = {"bootloader": {"efi": {"secureBoot": True, "persistent": True}}}
    return domain


def virtual_machine(profile: WorkloadProfile) -> tuple[dict[str, Any], list[str]]:
    """The VirtualMachine document for the profile's guest, and the notes about it."""
    name = checked_name(profile)
    guest = guest_os(profile)
    size = sizing(profile, guest)
    labels = {"app.kubernetes.io/name": name}
    volumes: list[dict[str, Any]] = [{"name": "rootdisk", "dataVolume": {"name": f"{name}-rootdisk"}}]
    if guest.family == "linux":
        volumes.append({"name": "cloudinitdisk", "cloudInitNoCloud": {"userData": _cloud_init()}})
    data_volume = {
        "metadata": {"name": f"{name}-rootdisk"},
        "spec": {
            "source": _disk_source(guest),
            "storage": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": f"{size.disk_gib}Gi"}},
            },
        },
    }
    document = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": name, "namespace": name, "labels": labels},
        "spec": {
            "runStrategy": "Always",
            "dataVolumeTemplates": [data_volume],
            "template": {
                "metadata": {"labels": {**labels, "kubevirt.io/domain": name}},
                "spec": {
                    "domain": _domain(profile, guest, size.vcpus, size.memory_mib),
                    "networks": [{"name": "default", "pod": {}}],
                    "volumes": volumes,
                },
            },
        },
    }
    return document, [*size.notes, *_notes(profile, guest)]


def _notes(profile: WorkloadProfile, guest: GuestOS) -> list[str]:
    notes = []
    if "upload" in _disk_source(guest):
        prepared = (
            "generalized with sysprep /generalize /oobe, so each VM gets its own identity"
            if (guest.family == "windows")
            else "with the OS installed"
        )
        notes.append(
            f"The disk waits for an image: virtctl image-upload dv {profile.name}-rootdisk -n {profile.name} "
            f"--image-path=IMAGE.qcow2 --no-create (a {guest.name} image {prepared})."
        )
    if guest.family == "linux":
        notes.append(f"cloud-init makes the user {CLOUD_USER}: CHANGE its SSH key in the file before applying.")
    if guest.firmware == "efi":
        notes.append(
            f"{guest.name} gets UEFI Secure Boot, SMM and a persistent TPM: KubeVirt keeps their state on a "
            "volume (the VMPersistentState feature gate and a storage class for it)."
        )
    return notes


def make_kubevirt(profile: WorkloadProfile, verdict: Verdict | None = None) -> Artifact:
    """Return a KubeVirt VirtualMachine for the profile's guest, with a Namespace, as one YAML file."""
    document, notes = virtual_machine(profile)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": profile.name}}
    header = (
        f"# KubeVirt VirtualMachine for {profile.name}, written by advisor; the cluster needs KubeVirt and CDI.\n"
        f"# Check: kubectl apply --dry-run=server -f {profile.name}.kubevirt.yaml\n"
    )
    body = yaml_documents([namespace, document])
    return Artifact(f"{profile.name}.kubevirt.yaml", "application/yaml", header + body, tuple(notes))


def kubevirt_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps: check and apply the VirtualMachine, fill its disk if it waits, connect."""
    guest = guest_os(profile)
    file = f"{folder}{profile.name}.kubevirt.yaml"
    lines = [
        "On Kubernetes with KubeVirt and CDI (which fills the VM's disk): check the VirtualMachine against the "
        "cluster, then apply it:",
        "",
        "```sh",
        f"kubectl apply --dry-run=server -f {file}",
        f"kubectl apply -f {file}",
    ]
    if "upload" in _disk_source(guest):
        lines.append(
            f"virtctl image-upload dv {profile.name}-rootdisk -n {profile.name} --image-path=IMAGE.qcow2 --no-create"
        )
    lines.append(f"kubectl -n {profile.name} wait --for=condition=Ready vm/{profile.name} --timeout=30m")
    lines.append(f"virtctl -n {profile.name} {'vnc' if profile.workload.gui else 'console'} {profile.name}")
    return [*lines, "```", ""]
