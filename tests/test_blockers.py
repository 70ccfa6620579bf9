"""A blocker is not a score: a need a platform cannot meet forbids it, and no pile of preferences outvotes that."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.engine.catalogue import facts_of
from advisor.engine.decide import recommend
from advisor.engine.evaluate import matching
from advisor.engine.loader import load_rules
from advisor.engine.scoring import outcome_of
from advisor.errors import NoPlatformFits, RuleError
from advisor.models import WorkloadProfile
from tests.support import profiles

RULES = load_rules(use_env=False)
BLOCKERS = [c for c in RULES.rules if c.rule.forbid]
PREFERENCES = [c for c in RULES.rules if c.rule.score is not None and not c.rule.forbid]


def test_the_shipped_rules_have_both_kinds():
    assert len(BLOCKERS) >= 10 and len(PREFERENCES) >= 20
    assert all(c.rule.kind == "blocker" for c in BLOCKERS)
    assert all(c.rule.kind == "preference" for c in PREFERENCES)


@pytest.mark.slow  # hundreds of generated rule piles: make test runs it, the fast loop leaves it out
@settings(max_examples=400, deadline=None)
@given(
    blocker=st.sampled_from(BLOCKERS),
    # Any preferences, each as often as drawn, whether or not one profile could match them all together.
    preferences=st.lists(st.sampled_from(PREFERENCES), max_size=60),
)
def test_no_pile_of_preferences_makes_a_forbidden_platform_win(blocker, preferences):
    outcome = outcome_of([blocker, *preferences])
    assert outcome.platform not in blocker.rule.forbid


@pytest.mark.slow  # 200 generated profiles, each fully recommended: make test runs it
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_no_profile_gets_a_platform_a_matched_blocker_forbids(profile):
    matched = matching(RULES.rules, facts_of(profile))
    forbidden = {p for c in matched for p in c.rule.forbid}
    result = recommend(profile, RULES, what_if=False)  # profiles() leaves out profiles refused outright
    assert result.platform not in forbidden
    # What the answer rests on never includes a rule that forbids it, and every doubt is a real one.
    assert all(result.platform not in RULES.get(r.rule).rule.forbid for r in result.rationale)
    assert all(not a.effect.forbid or result.platform not in a.effect.forbid for a in result.against)


def test_a_kernel_of_its_own_is_not_traded_for_delivery_speed():
    """The issue's case: own kernel + microservices + daily delivery scored containers anyway."""
    profile = WorkloadProfile.model_validate(
        {
            "name": "k",
            "host": {"os": "linux", "cloud": "aws"},
            "workload": {"kernel": "own", "architecture": "microservices"},
            "scale": {"instances": 200, "elasticity": "scale-to-zero", "startup_seconds": 2},
            "resources": {"memory_gib": 0.25},
            "delivery": {"deploys_per_week": 100},
        }
    )
    result = recommend(profile, RULES)
    assert result.platform != "container"
    container = next(a for a in result.alternatives if a.platform == "container")
    assert container.forbidden and "custom-kernel" in [w.rule for w in container.why_not]
    # No single change of delivery or scale flips it to containers: only the kernel itself does.
    flip = next(f for f in result.flips if f.platform == "container")
    assert flip.change is None or flip.change.field == "workload.kernel"


def test_macos_guests_off_a_mac_are_refused_with_the_rules_that_say_why():
    profile = WorkloadProfile.model_validate({"name": "m", "host": {"os": "linux"}, "workload": {"os": ["macos"]}})
    with pytest.raises(NoPlatformFits, match=r"macos-guest-off-apple-hardware.*container by macos-guest"):
        recommend(profile, RULES)


RULE = """rules:
  - id: r1
    title: t
{kind}    when: {{host.os: linux}}
{effect}    because: b
    links: [https://example.org]
"""


@pytest.mark.parametrize(
    ("kind", "effect", "message"),
    [
        ("blocker", "    score: {vm: 1}\n", "a blocker forbids the platforms that cannot meet the need"),
        ("preference", "    forbid: [container]\n", "a preference only scores; a rule that forbids is a blocker"),
        ("must", "    score: {vm: 1}\n", "kind"),
    ],
    ids=["blocker-without-forbid", "preference-that-forbids", "unknown-kind"],
)
def test_a_kind_that_contradicts_the_effect_is_refused(tmp_path, kind, effect, message):
    (tmp_path / "org.yaml").write_text(RULE.format(kind=f"    kind: {kind}\n", effect=effect))
    with pytest.raises(RuleError, match=message) as caught:
        load_rules([tmp_path], builtin=False, use_env=False)
    assert "org.yaml:" in str(caught.value) and "rule 'r1'" in str(caught.value)


@pytest.mark.parametrize("effect", ["    score: {vm: 1}\n", "    forbid: [container]\n"], ids=["scores", "forbids"])
def test_a_rule_without_kind_still_loads_and_its_kind_is_read_off_it(tmp_path, effect):
    (tmp_path / "org.yaml").write_text(RULE.format(kind="", effect=effect))
    rule = load_rules([tmp_path], builtin=False, use_env=False).get("r1").rule
    assert rule.kind is None and rule.blocker == ("forbid" in effect)


def test_a_decision_record_with_the_new_facts_is_checked_against_their_blockers(tmp_path, runner):
    import json

    from advisor.cli import cli

    record = tmp_path / "erp.decision.yaml"
    record.write_text(
        "title: Run the ERP in containers\nstatus: accepted\ndate: 2026-11-30\ndecision: {platform: container}\n"
        "profile:\n  name: erp\n  host: {os: linux, kind: proxmox-ve, cpu_arch: amd64, connectivity: air-gapped}\n"
        "  workload: {vendor_supports: vm, state: replicated, kernel: tuned}\n"
        "  hardware: {gpus: 2, gpu_sharing: whole}\n"
    )
    result = runner.invoke(cli, ["check", "--format", "json", str(record)])
    assert result.exit_code == 1, result.output
    found = [f for r in json.loads(result.stdout)["records"] for f in r["findings"]]
    assert {"rule": "vendor-supports-vms-only", "level": "error"}.items() <= next(
        f for f in found if f["rule"] == "vendor-supports-vms-only"
    ).items()
