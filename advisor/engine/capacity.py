"""How many instances fit on the host as VMs and as containers, as the source document's example reasons.

A VM holds a fixed allocation and carries its own guest OS; containers share the host kernel and take only
what the application uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from advisor.models import Capacity, ContainerCapacity, HostSize, Need, VMCapacity, WorkloadProfile
from advisor.numbers import rounded

# Memory a guest OS needs for itself in each VM, by OS family (idle footprints of a server install).
# macOS is a desktop OS, counted as Windows is.
GUEST_OS_OVERHEAD_GIB = {"linux": 0.5, "windows": 2, "bsd": 0.5, "macos": 2, "other": 1}
FAMILY_NAMES = {"linux": "Linux", "windows": "Windows", "bsd": "BSD", "macos": "macOS", "other": "other"}


def _count(n: float, noun: str) -> str:
    """'1 core', '0.5 core', '4 cores'."""
    return f"{rounded(n)} {noun}" if 0 < n <= 1 else f"{rounded(n)} {noun}s"


def _kernel_phrase(profile: WorkloadProfile) -> str:
    """Where containers get their kernel on this host: the host's own, or the Linux VM a desktop tool runs."""
    host = profile.host
    if host.os == "macos":
        return "Containers share the kernel of one small Linux VM (Docker Desktop or Podman machine)"
    if host.os == "windows" and "linux" in profile.workload.os:
        return "Linux containers share the kernel of the WSL2 utility VM"
    return "Containers share the host kernel"


def _verdict(vm_short: bool, containers_short: bool, instances: int) -> str:
    """A closing sentence when the expected instances do not all fit."""
    if vm_short and containers_short:
        return f" Neither VMs nor containers fit all {instances} on this host."
    if vm_short:
        return f" VMs do not fit all {instances} on this host."
    return f" Containers do not fit all {instances} on this host." if containers_short else ""


# How many single-profile answers capacity() remembers, per worker; past that it starts afresh.
MEMO_ENTRIES = 1024
_memo: dict[tuple[Any, ...], Capacity | None] = {}
_UNSEEN = object()


def capacity(profiles: Sequence[WorkloadProfile], ruled_out: frozenset[str] = frozenset()) -> Capacity | None:
    """How many instances fit as VMs and as containers; several profiles are components sharing one host.

    `ruled_out` names platforms a rule forbids, so the text does not offer containers that cannot run.
    For one profile the answer depends on seven of its fields only, and many profiles share them (a team's
    services on one host size), so it is remembered by those (results share it: nothing changes a Capacity).
    """
    if len(profiles) != 1:
        return _capacity(profiles, ruled_out)
    profile = profiles[0]
    host, res = profile.host, profile.resources
    read = (
        host.cpus,
        host.memory_gib,
        host.os,
        *profile.workload.os,
        profile.scale.instances,
        res.cpus,
        res.memory_gib,
    )
    # The types too: an int and a float of one value are one key otherwise, and may read differently.
    key = (ruled_out, len(profile.workload.os), *((type(value), value) for value in read))
    found = _memo.get(key, _UNSEEN)
    if found is _UNSEEN:
        found = _capacity(profiles, ruled_out)
        if len(_memo) >= MEMO_ENTRIES:
            _memo.clear()
        _memo[key] = found
    return found  # type: ignore[return-value]


def _capacity(profiles: Sequence[WorkloadProfile], ruled_out: frozenset[str]) -> Capacity | None:
    host = profiles[0].host
    if host.cpus is None or host.memory_gib is None:
        return None
    host_cpus, host_memory_gib = host.cpus, host.memory_gib
    single = len(profiles) == 1
    vm_need = Need(cpus=0, memory_gib=0)
    ct_need = Need(cpus=0, memory_gib=0)
    overheads = []
    instances = 0
    for profile in profiles:
        families = profile.workload.os
        overhead = max(GUEST_OS_OVERHEAD_GIB[f] for f in families)
        overheads.append(overhead)
        n = profile.scale.instances
        instances += n
        res = profile.resources
        vm_need = Need(
            cpus=rounded(vm_need.cpus + n * math.ceil(res.cpus)),
            memory_gib=rounded(vm_need.memory_gib + n * (res.memory_gib + overhead)),
        )
        ct_need = Need(
            cpus=rounded(ct_need.cpus + n * res.cpus), memory_gib=rounded(ct_need.memory_gib + n * res.memory_gib)
        )
    res = profiles[0].resources
    overhead = max(overheads)

    def fit(cpus_each: float, memory_each: float) -> tuple[int, str]:
        by_cpu = math.floor(host_cpus / cpus_each + 1e-9)
        by_memory = math.floor(host_memory_gib / memory_each + 1e-9)
        return (by_cpu, "cpu") if by_cpu <= by_memory else (by_memory, "memory")

    if single:
        vcpus = math.ceil(res.cpus)
        vm_fits, vm_limit = fit(vcpus, res.memory_gib + overhead)
        ct_fits, ct_limit = fit(res.cpus, res.memory_gib)
        family = "/".join(FAMILY_NAMES[f] for f in profiles[0].workload.os)
        containers = (
            f"{_kernel_phrase(profiles[0])} and take only what the application uses: {ct_fits} "
            f"{'fits' if ct_fits == 1 else 'fit'} at {_count(res.cpus, 'core')} and {rounded(res.memory_gib)} GiB "
            f"each (limited by {ct_limit}), and idle CPU and memory are shared between them."
        )
        if "container" in ruled_out:
            containers = "Containers are ruled out here, so their count is left out."
        explanation = (
            f"On a host with {_count(host.cpus, 'core')} and {rounded(host.memory_gib)} GiB, each VM holds "
            f"{vcpus} vCPU and {rounded(res.memory_gib + overhead)} GiB ({rounded(res.memory_gib)} GiB for the "
            f"application plus {rounded(overhead)} GiB for its own {family} guest OS), so {_count(vm_fits, 'VM')} "
            f"{'fits' if vm_fits == 1 else 'fit'} (limited by {vm_limit}). {containers} "
            f"{_count(instances, 'instance')} {'is' if instances == 1 else 'are'} expected."
            f"{_verdict(vm_fits < instances, 'container' not in ruled_out and ct_fits < instances, instances)}"
        )
        vm = VMCapacity(
            vcpus_each=vcpus,
            memory_gib_each=rounded(res.memory_gib + overhead),
            guest_os_overhead_gib=rounded(overhead),
            fits=vm_fits,
            limited_by=vm_limit,
            needed=vm_need,
            enough=vm_fits >= instances,
        )
        container = ContainerCapacity(
            cpus_each=rounded(res.cpus),
            memory_gib_each=rounded(res.memory_gib),
            fits=ct_fits,
            limited_by=ct_limit,
            needed=ct_need,
            enough=ct_fits >= instances,
        )
    else:
        vm_enough = vm_need.cpus <= host.cpus and vm_need.memory_gib <= host.memory_gib
        ct_enough = ct_need.cpus <= host.cpus and ct_need.memory_gib <= host.memory_gib
        explanation = (
            f"All {_count(instances, 'instance')} of the {len(profiles)} components together need "
            f"{rounded(vm_need.cpus)} vCPUs and {rounded(vm_need.memory_gib)} GiB as VMs (each VM carries its own "
            f"guest OS) or {rounded(ct_need.cpus)} cores and {rounded(ct_need.memory_gib)} GiB as containers, on a "
            f"host with {host.cpus} cores and {rounded(host.memory_gib)} GiB: "
            f"{'enough' if vm_enough else 'not enough'} for VMs, "
            f"{'enough' if ct_enough else 'not enough'} for containers."
        )
        vm = VMCapacity(
            vcpus_each=None,
            memory_gib_each=None,
            guest_os_overhead_gib=rounded(overhead),
            fits=None,
            limited_by=None,
            needed=vm_need,
            enough=vm_enough,
        )
        container = ContainerCapacity(
            cpus_each=None, memory_gib_each=None, fits=None, limited_by=None, needed=ct_need, enough=ct_enough
        )
    return Capacity(
        host=HostSize(cpus=host.cpus, memory_gib=rounded(host.memory_gib)),
        instances=instances,
        vm=vm,
        container=container,
        explanation=explanation,
    )
