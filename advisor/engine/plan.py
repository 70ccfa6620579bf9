"""The estate plan: each part's platform and technology, and what the parts together take of the host.

A profile without components is an estate of one. A VM part holds whole vCPUs and its guest OS's memory for
each instance; a container part takes what it uses, packed beside the others on the shared kernel; a hybrid
part is sized as VMs, the larger of the two. The starter files are the generators' to name (the engine
makes none): `advisor.generators.registry.with_starters` fills them in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from advisor.engine.capacity import GUEST_OS_OVERHEAD_GIB
from advisor.models import ComponentResult, HostSize, Need, Plan, PlanPart, Recommendation, WorkloadProfile
from advisor.numbers import rounded


def need_of(profile: WorkloadProfile, platform: str) -> Need:
    """What all instances of one part take of the host on its platform."""
    n = profile.scale.instances
    res = profile.resources
    if platform == "container":
        return Need(cpus=rounded(n * res.cpus), memory_gib=rounded(n * res.memory_gib))
    overhead = max(GUEST_OS_OVERHEAD_GIB[family] for family in profile.workload.os)
    return Need(cpus=rounded(n * math.ceil(res.cpus)), memory_gib=rounded(n * (res.memory_gib + overhead)))


def _size(profile: WorkloadProfile) -> HostSize | None:
    host = profile.host
    return HostSize(cpus=host.cpus, memory_gib=rounded(host.memory_gib)) if host.cpus and host.memory_gib else None


def _share(need: Need, host: HostSize | None) -> float | int | None:
    if host is None:
        return None
    return rounded(max(need.cpus / host.cpus, need.memory_gib / host.memory_gib))


def plan(
    profile: WorkloadProfile, parts: Sequence[WorkloadProfile], results: Sequence[ComponentResult | Recommendation]
) -> Plan:
    """The plan for a profile whose parts (components, or the profile itself) got these results."""
    size = _size(profile)
    planned = []
    for part, result in zip(parts, results, strict=True):
        need = need_of(part, result.platform)
        planned.append(
            PlanPart(
                name=result.name,
                platform=result.platform,
                run_on=[t.name for t in result.technologies],
                starters=[],
                instances=part.scale.instances,
                need=need,
                share=_share(need, _size(part)),  # a component may run on a host (node pool) of its own
            )
        )
    total = Need(
        cpus=rounded(sum(p.need.cpus for p in planned)), memory_gib=rounded(sum(p.need.memory_gib for p in planned))
    )
    hosts = None
    if size is not None:
        hosts = max(1, math.ceil(total.cpus / size.cpus - 1e-9), math.ceil(total.memory_gib / size.memory_gib - 1e-9))
    return Plan(parts=planned, need=total, host=size, fits=None if hosts is None else hosts == 1, hosts_needed=hosts)
