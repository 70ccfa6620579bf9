"""How each platform is named in what advisor writes: one home for the wording, so a page, a report and a
starter file that say the same thing say it the same way.

Each table is for one place in a sentence; the keys are the platforms of advisor.models.PLATFORMS.
"""

from __future__ import annotations

from typing import Any

from advisor.numbers import number_text

# In running text: "recommend virtual machines", "Run billing on a hybrid of VMs and containers".
PLATFORM_NAMES = {"vm": "virtual machines", "container": "containers", "hybrid": "a hybrid of VMs and containers"}
# As a heading of its own, lower case (the text output's verdict and its list of alternatives).
PLATFORM_HEADINGS = {"vm": "virtual machines", "container": "containers", "hybrid": "hybrid (VMs and containers)"}
# As a title, capitalised (the form's verdict, a page's title).
PLATFORM_TITLES = {"vm": "Virtual machines", "container": "Containers", "hybrid": "Hybrid: VMs and containers"}
# As one of the options a decision record weighs.
PLATFORM_OPTIONS = {"vm": "Virtual machines", "container": "Containers", "hybrid": "Hybrid of VMs and containers"}
# After "runs on" or "recommends", one of a kind: "advisor recommends a VM".
PLATFORM_ONE = {"vm": "a VM", "container": "containers", "hybrid": "a hybrid of VMs and containers"}


def plan_together(plan: Any) -> str:
    """The estate plan's closing sentence: what the parts need together against the host, and how many hosts.

    `plan` is an advisor.models.Plan (helpers import no layer, so it is not named here).
    """
    need = plan.need
    together = "Together they need" if len(plan.parts) > 1 else "It needs"
    platforms = {part.platform for part in plan.parts}
    how = []
    if platforms & {"vm", "hybrid"}:
        how.append("VMs with whole vCPUs and their guest OS")
    if "container" in platforms:
        how.append("containers packed on the shared kernel")
    text = f"{together} {number_text(need.cpus)} cores and {number_text(need.memory_gib)} GiB ({', '.join(how)})"
    if plan.host is None:
        return text + "; give the host's cores and memory to see whether it fits."
    host = f"a host of {number_text(plan.host.cpus)} cores and {number_text(plan.host.memory_gib)} GiB"
    if plan.fits:
        return f"{text}: it fits on {host}."
    return f"{text}: more than {host} holds, so it takes {plan.hosts_needed} such hosts."


def plan_row(part: Any) -> list[str]:
    """One part of the plan as cells: name, platform, run on, instances, share of the host, starter files."""
    share = "unknown" if part.share is None else f"{round(part.share * 100)}%"
    return [
        part.name,
        PLATFORM_HEADINGS[part.platform],
        ", ".join(part.run_on) or "-",
        str(part.instances),
        share,
        ", ".join(part.starters) or "none",
    ]


PLAN_HEADERS = ["part", "platform", "run on", "instances", "share of host", "starter files"]
