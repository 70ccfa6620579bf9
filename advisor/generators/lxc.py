"""An LXC configuration for the profile's workload as an unprivileged system container on a Linux host.

The container gets its own network interface, a root user mapped to an unprivileged range of host ids, and cgroup
v2 limits from `resources`. liblxc's own parser reads every file in tests/test_lxc.py (python3-lxc's
load_config). Profile values reach the file only as a validated name and as numbers; each line is one key.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass

from advisor.errors import FieldError, InvalidInput
from advisor.generators import Artifact, checked_name
from advisor.models import WorkloadProfile

# cgroup v2's cpu.max is "quota period" in microseconds; 100 ms is the kernel's default period, and the kernel
# refuses a quota below 1 ms.
CPU_PERIOD_US = 100_000
CPU_MIN_QUOTA_US = 1_000
# Unprivileged: root in the container is this host uid/gid, and the container owns 65536 ids from it. The
# host's /etc/subuid and /etc/subgid must grant the range to root (Debian's lxc-create documentation).
ID_BASE, ID_COUNT = 100_000, 65_536
BRIDGE = "lxcbr0"  # the bridge Debian's lxc-net service makes (USE_LXC_BRIDGE="true" in /etc/default/lxc-net)


@dataclass(frozen=True)
class Image:
    """A distribution and release on the LXC image server (images.linuxcontainers.org), for `-t download`."""

    dist: str
    release: str
    note: str | None = None


# The download template's image per osinfo id. RHEL publishes no LXC images: its rebuilds stand in.
IMAGES = {
    "ubuntu22.04": Image("ubuntu", "jammy"),
    "ubuntu24.04": Image("ubuntu", "noble"),
    "debian12": Image("debian", "bookworm"),
    "rhel9.0": Image("almalinux", "9", "Red Hat publishes no LXC images; AlmaLinux 9 (a RHEL 9 rebuild) stands in."),
    "rhel9.4": Image("almalinux", "9", "Red Hat publishes no LXC images; AlmaLinux 9 (a RHEL 9 rebuild) stands in."),
    "fedora40": Image("fedora", "40"),
    # Releases newer osinfo data names (issue 15's osinfo update); harmless before that lands.
    "debian13": Image("debian", "trixie"),
    "rhel10.0": Image(
        "almalinux", "10", "Red Hat publishes no LXC images; AlmaLinux 10 (a RHEL 10 rebuild) stands in."
    ),
    "rhel10.1": Image(
        "almalinux", "10", "Red Hat publishes no LXC images; AlmaLinux 10 (a RHEL 10 rebuild) stands in."
    ),
}
DEFAULT_IMAGE = Image("debian", "bookworm")


def _entry(key: str, value: str) -> str:
    # One key per line: a value with a line break would start a key of its own.
    if any(ch in value for ch in "\r\n\x00") or value != value.strip():
        raise ValueError(f"{key}: {value!r} cannot be one line of an LXC configuration")
    return f"{key} = {value}"


def _check_linux(profile: WorkloadProfile) -> None:
    if "linux" not in profile.workload.os:
        families = ", ".join(profile.workload.os)
        raise InvalidInput(
            [
                FieldError(
                    "workload.os",
                    f"an LXC system container shares the host's Linux kernel, but workload.os is [{families}]; "
                    "add linux or choose a VM",
                )
            ]
        )


def limits(profile: WorkloadProfile) -> tuple[int, int]:
    """Return the container's memory limit in bytes and its CPU quota in microseconds per CPU_PERIOD_US."""
    memory = math.ceil(profile.resources.memory_gib * 1024**3)
    quota = max(CPU_MIN_QUOTA_US, math.ceil(profile.resources.cpus * CPU_PERIOD_US))
    return memory, quota


def image(profile: WorkloadProfile) -> Image:
    """Return the download template's image for the profile's guest OS; Debian stable when it names none we know."""
    return IMAGES.get(profile.workload.os_id or "", DEFAULT_IMAGE)


def create_command(profile: WorkloadProfile, folder: str = "") -> list[str]:
    """Return the `lxc-create` argv that makes the container from this configuration and a downloaded image."""
    name = checked_name(profile)
    chosen = image(profile)
    disk = math.ceil(profile.resources.disk_gib)
    argv = ["lxc-create", "-n", name, "-f", f"{folder}{name}.conf", "-B", "lvm", "--fssize", f"{disk}G"]
    argv += ["-t", "download"]
    return [*argv, "--", "--dist", chosen.dist, "--release", chosen.release, "--arch", "amd64"]


def make_lxc_config(profile: WorkloadProfile) -> Artifact:
    """Return an LXC configuration that runs the profile's workload as an unprivileged system container."""
    name = checked_name(profile)
    _check_linux(profile)
    memory, quota = limits(profile)
    chosen = image(profile)
    lines = [
        f"# Starter LXC configuration for {name}: an unprivileged system container, written by advisor.",
        "# lxc-create takes it with -f and adds the root filesystem (lxc.rootfs.path) and the distribution's",
        "# common settings itself; a rootfs path set here would have to exist already.",
        _entry("lxc.uts.name", name),
        _entry("lxc.arch", "x86_64"),
        "",
        f"# Unprivileged: root in the container is uid and gid {ID_BASE} on the host.",
        _entry("lxc.idmap", f"u 0 {ID_BASE} {ID_COUNT}"),
        _entry("lxc.idmap", f"g 0 {ID_BASE} {ID_COUNT}"),
        _entry("lxc.apparmor.profile", "generated"),
        "",
        f"# CHANGE: the bridge on this host; {BRIDGE} is the one Debian's lxc-net service makes.",
        _entry("lxc.net.0.type", "veth"),
        _entry("lxc.net.0.link", BRIDGE),
        _entry("lxc.net.0.flags", "up"),
        _entry("lxc.net.0.name", "eth0"),
        _entry("lxc.net.0.hwaddr", "00:16:3e:xx:xx:xx"),
        "",
        f"# cgroup v2 limits from resources: {profile.resources.memory_gib:g} GiB of memory, "
        f"{profile.resources.cpus:g} CPUs.",
        _entry("lxc.cgroup2.memory.max", str(memory)),
        _entry("lxc.cgroup2.cpu.max", f"{quota} {CPU_PERIOD_US}"),
    ]
    content = "\n".join(lines) + "\n"
    notes = [
        f"Create and start it as root on a Linux host with LXC: `{shlex.join(create_command(profile))}`, then "
        f"`lxc-start -n {name}` and `lxc-attach -n {name}`.",
        f"The root filesystem is an LVM volume of {math.ceil(profile.resources.disk_gib)} GiB (resources.disk_gib); "
        "with `-B dir` it has no size limit.",
    ]
    if chosen.note:
        notes.append(chosen.note)
    os_id = profile.workload.os_id
    if os_id and os_id not in IMAGES:
        notes.append(
            f"workload.os_id {os_id} has no LXC image in advisor's table: {chosen.dist} {chosen.release} stands in; "
            "change --dist and --release (`lxc-create -t download -- --list` shows the images)."
        )
    if quota == CPU_MIN_QUOTA_US and profile.resources.cpus * CPU_PERIOD_US < CPU_MIN_QUOTA_US:
        notes.append(f"resources.cpus {profile.resources.cpus:g} is below the 1 ms per 100 ms cgroup v2 allows.")
    if profile.host.os != "linux":
        notes.append(f"LXC needs a Linux host; the profile's host is {profile.host.os}.")
    return Artifact(f"{name}.conf", "text/plain", content, tuple(notes))


def lxc_readme(profile: WorkloadProfile, folder: str) -> list[str]:
    """The bundle README's steps for the LXC configuration: create the container from it, start it, enter it."""
    name = checked_name(profile)
    return [
        "As root on the Linux host (with the lxc package, an `lxcbr0` bridge and root's /etc/subuid and "
        "/etc/subgid ranges), create the system container from the configuration and a downloaded image, then "
        "start it and open a shell in it:",
        "",
        "```sh",
        shlex.join(create_command(profile, folder)),
        shlex.join(["lxc-start", "-n", name]),
        shlex.join(["lxc-attach", "-n", name]),
        "```",
        "",
    ]
