"""Each example profile gets the recommendation its header promises, with reasons behind it."""

from __future__ import annotations

import pytest

from advisor.engine.decide import recommend
from advisor.profiles import read_profiles
from tests.support import ROOT

EXPECTED = {
    "checkout-api": ("container", "microservices"),
    "legacy-erp": ("vm", "windows-workload-on-linux-host"),
    "ci-sandbox": ("hybrid", "strict-isolation"),
    "design-workstation": ("vm", "gui-application"),
    "mac-dev-stack": ("container", "microservices"),
    "core-banking": ("vm", "strict-isolation"),
    "retail-estate": ("hybrid", "components"),
    "ml-training": ("container", "batch-jobs"),
    "claims-desk": ("vm", "legacy-application"),
    "nightly-report": ("container", "batch-jobs"),
}
PROFILES = {p.name: p for p in read_profiles([str(ROOT / "examples")])}


def test_there_is_an_example_for_every_typical_case():
    assert set(PROFILES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_gets_a_sensible_recommendation(name, ruleset):
    platform, reason = EXPECTED[name]
    result = recommend(PROFILES[name], ruleset)
    assert result.platform == platform
    assert reason in [r.rule for r in result.rationale]
    assert result.capacity is not None  # every example gives the host's size
    assert all(r.because and r.links for r in result.rationale)


def test_mac_example_suggests_tools_that_fit_a_mac(ruleset):
    names = [t.name for t in recommend(PROFILES["mac-dev-stack"], ruleset).technologies]
    assert "Docker Desktop" in names and "KVM" not in names and "Hyper-V" not in names
