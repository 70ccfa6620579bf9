"""How each platform is named in what advisor writes: one home for the wording, so a page, a report and a
starter file that say the same thing say it the same way.

Each table is for one place in a sentence; the keys are the platforms of advisor.models.PLATFORMS.
"""

from __future__ import annotations

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
