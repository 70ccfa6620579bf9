"""Properties over many generated profiles: the shipped rules always decide, explain and stay deterministic."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.engine import whatif
from advisor.engine.decide import recommend
from advisor.engine.loader import load_rules
from advisor.errors import InvalidInput
from advisor.models import PLATFORMS, WorkloadProfile
from advisor.output.data import as_json
from advisor.profiles import parse_profiles, validate_profile
from tests.support import profiles

RULES = load_rules(use_env=False)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_every_profile_gets_a_platform_with_consistent_explanations(profile):
    result = recommend(profile, RULES)  # profiles() leaves out those every platform is refused for
    allowed = [a.platform for a in result.alternatives if not a.forbidden] + [result.platform]
    assert result.scores[result.platform] == max(result.scores[p] for p in allowed)
    assert {a.platform for a in result.alternatives} == set(PLATFORMS) - {result.platform}
    for reason in result.rationale:
        rule = RULES.get(reason.rule).rule
        assert result.platform not in rule.forbid
    assert {f.platform for f in result.flips} == set(PLATFORMS) - {result.platform}


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


# The same rules again, their what-if search made to narrow every field's readers: its memo keeps it so.
NARROWED_RULES = load_rules(use_env=False)
with pytest.MonkeyPatch.context() as patch:
    patch.setattr(whatif, "SEARCH_RULES", 0)
    whatif.flip_paths(NARROWED_RULES)


def test_the_two_ways_of_the_what_if_search_are_both_in_use():
    assert all(search is None for *_, search in whatif.flip_paths(NARROWED_RULES))
    assert all(search is not None for *_, search in whatif.flip_paths(RULES))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_flips_are_the_same_whether_a_fields_readers_are_searched_at_once_or_narrowed(profile):
    """The what-if search tries a field's values against its few readers in one compiled search, and narrows
    many readers to those its value decides first (whatif.py): both ways find the same flips, for the same rules."""
    searched = recommend(profile, RULES).flips
    narrowed = recommend(profile, NARROWED_RULES).flips
    assert [f.model_dump() for f in searched] == [f.model_dump() for f in narrowed]
