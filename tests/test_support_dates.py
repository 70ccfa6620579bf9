"""What the starters ship is in support on the day the tests run: base images and the guest OSes picked by default.

A shipped image or OS past its end of support fails; one whose support ends within 90 days raises a
SupportEndsSoon warning (shown in the test summary, not an error), so CI catches staleness before users do.
"""

from __future__ import annotations

import datetime
import itertools
import warnings
from importlib import resources
from pathlib import Path

import dockerfile as buildkit
import pytest
import yaml

from advisor.generators.dockerfile import make_dockerfile
from advisor.generators.libvirt import FAMILY_DEFAULT_OS, guest_oses
from advisor.profiles import read_profiles, validate_profile

WARN_DAYS = 90
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RUNTIMES = ["python", "node", "go", "java", "dotnet", "static", "other"]


class SupportEndsSoon(UserWarning):
    """A shipped image or guest OS whose support ends within WARN_DAYS."""


def image_table() -> dict[str, dict]:
    text = resources.files("advisor.generators").joinpath("data/images.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def shipped_images() -> set[str]:
    """Every base image a generated Dockerfile names, over the options that change the image."""
    images = set()
    options = itertools.product(RUNTIMES, ["linux", "windows"], ["monolith", "batch"], [False, True], [[], ["curl"]])
    for runtime, family, architecture, gpu, packages in options:
        workload = {"runtime": runtime, "os": [family], "architecture": architecture, "packages": packages}
        profile = validate_profile(
            {"name": "t", "host": {"os": "linux"}, "workload": workload, "hardware": {"gpu": gpu}}
        )
        images |= {i.value[0] for i in buildkit.parse_string(make_dockerfile(profile).content) if i.cmd == "FROM"}
    return images


def check(what: str, eol: datetime.date | None, today: datetime.date) -> str | None:
    """Return why `what` fails on `today` (past its end of support), or None; warn when the end is near."""
    if eol is None:
        return None
    if eol < today:
        return f"{what} reached its end of support on {eol.isoformat()}: move to a supported release"
    if (eol - today).days <= WARN_DAYS:
        warnings.warn(
            f"{what}'s support ends on {eol.isoformat()}, within {WARN_DAYS} days: plan the move",
            SupportEndsSoon,
            stacklevel=2,
        )
    return None


def checked(items: dict[str, datetime.date | None]) -> list[str]:
    today = datetime.date.today()
    with warnings.catch_warnings():
        # Shown in pytest's warnings summary rather than turned into an error by filterwarnings = error.
        warnings.simplefilter("always", SupportEndsSoon)
        return [failure for what, eol in items.items() if (failure := check(what, eol, today))]


def test_the_table_lists_exactly_the_images_the_generator_ships():
    assert shipped_images() == set(image_table())


def test_every_image_has_a_date_or_says_why_there_is_none_and_sources():
    for image, entry in image_table().items():
        assert set(entry) == {"eol", "why", "sources"}, image
        assert entry["eol"] is None or isinstance(entry["eol"], datetime.date), image
        assert entry["why"] and entry["sources"] and all(s.startswith("https://") for s in entry["sources"]), image


def test_no_shipped_image_is_past_its_end_of_support():
    assert checked({image: entry["eol"] for image, entry in image_table().items()}) == []


def test_no_guest_os_picked_by_default_is_past_its_end_of_support():
    known = guest_oses()
    defaults = {
        f"guest OS {os_id} (default for {family})": known[os_id].eol for family, os_id in FAMILY_DEFAULT_OS.items()
    }
    assert checked(defaults) == []


def test_no_guest_os_of_the_committed_examples_is_past_its_end_of_support():
    known = guest_oses()
    parts = [p for profile in read_profiles([str(EXAMPLES)]) for p in [profile, *profile.components]]
    ids = {part.workload.os_id for part in parts if part.workload is not None and part.workload.os_id}
    assert ids  # the examples name their guest OSes
    assert checked({f"guest OS {os_id} (examples/)": known[os_id].eol for os_id in sorted(ids)}) == []


def test_the_check_fails_past_the_end_and_warns_ahead_of_it():
    end = datetime.date(2027, 3, 1)
    assert "reached its end of support on 2027-03-01" in check("x:1", end, end + datetime.timedelta(days=1))
    with pytest.warns(SupportEndsSoon, match="within 90 days"):
        assert check("x:1", end, end - datetime.timedelta(days=90)) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", SupportEndsSoon)
        assert check("x:1", end, end - datetime.timedelta(days=91)) is None
        assert check("x:1", None, end) is None
