"""The guest OSes advisor knows (data/osinfo.yaml, from osinfo-db): what a profile's `workload.os_id` may name.

The profile model checks `workload.os_id` against this list, so every door (CLI, API, form) refuses an
unknown or ill-fitting guest OS the same way; the VM generators read sizes and devices from the same entries.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class GuestOS:
    """One guest OS from data/osinfo.yaml: its osinfo id, family and resource facts (bytes)."""

    short_id: str
    name: str
    family: str
    source: str
    uri: str | None = None
    minimum: dict[str, int] = field(default_factory=dict)
    recommended: dict[str, int] = field(default_factory=dict)
    firmware: str | None = None
    devices: tuple[str, ...] = ()
    eol: datetime.date | None = None

    @property
    def machine(self) -> str:
        """virt-install's machine type: q35 where osinfo-db says the OS runs on it, else i440fx (pc)."""
        return "q35" if "q35" in self.devices else "pc"

    def recommended_value(self, key: str) -> int | None:
        """Return virt-install's recommended value for `key`: the recommended one, else twice the minimum."""
        if self.recommended.get(key):
            return self.recommended[key]
        return 2 * self.minimum[key] if self.minimum.get(key) else None


@cache
def guest_oses() -> dict[str, GuestOS]:
    """Return every guest OS advisor knows, by osinfo short-id."""
    text = resources.files("advisor.generators").joinpath("data/osinfo.yaml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    return {
        short_id: GuestOS(short_id=short_id, uri=entry.pop("id", None), devices=tuple(entry.pop("devices")), **entry)
        for short_id, entry in entries.items()
    }


def guest_os_problem(os_id: str, families: list[str]) -> str | None:
    """Why `os_id` cannot be the guest OS of a workload that needs `families`, or None when it can.

    An unknown id is refused rather than replaced by the family's usual OS: a typo such as win11x would
    otherwise give a guest without the UEFI and TPM Windows 11 needs, and sized for another release.
    """
    known = guest_oses()
    guest = known.get(os_id)
    if guest is None:
        # "rhel9" or "fedora" name a family of releases: point at the releases we know of it; "win2019" or
        # "Debian12" are near misses of one id.
        releases = sorted(k for k in known if k.startswith(os_id.lower()))
        close = releases or difflib.get_close_matches(os_id.lower(), list(known), n=1, cutoff=0.6)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        return f"unknown guest OS {os_id!r}{hint}; known ids: {', '.join(sorted(known))}"
    if guest.family not in families:
        return (
            f"{os_id} is a {guest.family} OS but workload.os is [{', '.join(families)}]; add {guest.family} to "
            "workload.os or choose another os_id"
        )
    return None
