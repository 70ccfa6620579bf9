"""Properties over many generated profiles: the shipped rules always decide, explain and stay deterministic."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advisor.engine.catalogue import CATALOGUE
from advisor.engine.decide import recommend
from advisor.engine.loader import load_rules
from advisor.errors import InvalidInput
from advisor.guests import guest_oses
from advisor.models import PLATFORMS, WorkloadProfile
from advisor.output.data import as_json
from advisor.profiles import parse_profiles, validate_profile

RULES = load_rules(use_env=False)


def _value(spec):
    if spec.kind in ("enum", "bool"):
        element = st.sampled_from(spec.choices)
    elif spec.kind == "number":
        low = spec.minimum if spec.minimum is not None else 0
        low = low + (1 if spec.integer else 0.25) if spec.exclusive_minimum else low
        high = min(spec.maximum or 1000, 1000)
        element = (
            st.integers(int(low), int(high))
            if spec.integer
            else st.floats(low, high).map(lambda x, low=low: max(low, round(x, 3)))
        )
    else:
        element = st.sampled_from(list(spec.examples) or ["ubuntu24.04", "win2k22", "debian12"])
    if spec.many:
        lists = st.lists(element, min_size=1 if spec.kind == "enum" or spec.optional else 0, max_size=3, unique=True)
        return st.none() | lists if spec.optional else lists
    return st.none() | element if spec.optional else element


def fit_guest_os(section: dict | None) -> None:
    """Add the family of a drawn guest OS to the workload's OSes, as the profile model requires."""
    if section and section.get("os_id"):
        families = section.get("os", ["linux"])
        family = guest_oses()[section["os_id"]].family
        section["os"] = families if family in families else [*families, family]


@st.composite
def profiles(draw):
    data: dict = {"name": "p", "host": {"os": draw(st.sampled_from(["linux", "windows", "macos"]))}}
    for path, spec in CATALOGUE.items():
        if path == "host.os" or path == "workload.ports" or not draw(st.booleans()):
            continue
        section, field = path.split(".")
        data.setdefault(section, {})[field] = draw(_value(spec))
    assume(not (data["host"]["os"] == "macos" and data["host"].get("cloud") in ("azure", "gcp")))
    fit_guest_os(data.get("workload"))
    return WorkloadProfile.model_validate(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_every_profile_gets_a_platform_with_consistent_explanations(profile):
    result = recommend(profile, RULES)
    allowed = [a.platform for a in result.alternatives if not a.forbidden] + [result.platform]
    assert result.scores[result.platform] == max(result.scores[p] for p in allowed)
    assert {a.platform for a in result.alternatives} == set(PLATFORMS) - {result.platform}
    for reason in result.rationale:
        rule = RULES.get(reason.rule).rule
        assert result.platform not in rule.forbid
    assert {f.platform for f in result.flips} == set(PLATFORMS) - {result.platform}


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_flips_really_flip(profile):
    result = recommend(profile, RULES)
    for flip in result.flips:
        if flip.change is None:
            continue
        data = profile.model_dump()
        section, field = flip.change.field.split(".")
        data[section][field] = flip.change.to
        assert recommend(WorkloadProfile.model_validate(data), RULES).platform == flip.platform


@settings(max_examples=100, deadline=None)
@given(profiles())
def test_output_is_deterministic(profile):
    text = json.dumps(profile.model_dump(exclude_unset=True))
    first = as_json([recommend(parse_profiles(text)[0], RULES)])
    assert first == as_json([recommend(parse_profiles(text)[0], RULES)])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "host", "workload", "scale", "oops"]), json_values, max_size=5))
def test_arbitrary_input_is_either_a_profile_or_a_clear_error(data):
    try:
        validate_profile(data)
    except InvalidInput as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.msg and "Traceback" not in error.msg
            assert error.loc.split(".")[0].split("[")[0] in {"", *data.keys(), "name", "host"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_names_are_accepted_only_as_dns_labels(name):
    try:
        profile = validate_profile({"name": name, "host": {"os": "linux"}})
    except InvalidInput as exc:
        assert [e.loc for e in exc.errors] == ["name"]
    else:
        assert profile.name == name and len(name) <= 63 and name == name.lower()
