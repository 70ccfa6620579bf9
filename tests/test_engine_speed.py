"""The fast paths give exactly what the plain ones give: the compiled network matches what checking every rule
matches, the incremental what-if search finds what trying every rule again finds, and a three-valued check
that settles a rule without a field is right whatever value that field takes."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from advisor.engine import capacity as capacity_module
from advisor.engine import decide, whatif
from advisor.engine.capacity import capacity
from advisor.engine.catalogue import CATALOGUE, facts_of
from advisor.engine.decide import recommend
from advisor.engine.evaluate import matching
from advisor.engine.index import compile_network, compile_search
from advisor.engine.loader import RuleSet, load_rules
from advisor.engine.scoring import outcome_of, tally, winning_index
from advisor.errors import NoPlatformFits
from advisor.models import PLATFORMS, Change, Flip, WorkloadProfile
from advisor.output.data import to_data, to_json
from tests.support import make_profile

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = load_rules(use_env=False)


def _bench_engine():
    """bench/bench_engine.py, whose seeded generator writes varied rules (any, not, nesting, every operator)."""
    spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "bench" / "bench_engine.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_engine", module)
    spec.loader.exec_module(module)
    return module


def _generated(tmp: Path, count: int, seed: int) -> RuleSet:
    _bench_engine().write_rule_set(tmp, count, seed)
    return load_rules([tmp], builtin=False, use_env=False)


@functools.cache
def generated() -> dict[int, RuleSet]:
    """Generated rule sets: one small enough for a single function, one that needs chunks and guard blocks."""
    sets = {}
    for count in (120, 700):
        with tempfile.TemporaryDirectory() as folder:
            sets[count] = _generated(Path(folder), count, 7 + count)
    return sets


def _value(spec):
    if spec.kind in ("enum", "bool"):
        element = st.sampled_from(spec.choices)
    elif spec.kind == "number":
        low = spec.minimum if spec.minimum is not None else 0
        low = low + (1 if spec.integer else 0.25) if spec.exclusive_minimum else low
        high = max(min(spec.maximum or 1000, 1000), low)  # a field such as windows_build starts above 1000
        element = (
            st.integers(int(low), int(high))
            if spec.integer
            else st.sampled_from([low, 0.5, 1, 2, 4, 8, 10, 16, 64, 100, 500, high]).filter(lambda x: x >= low)
        )
    else:
        element = st.sampled_from(list(spec.examples) or ["ubuntu24.04", "win2k22", "pci-dss", "usb-dongle", "fpga"])
    if spec.many:
        lists = st.lists(element, min_size=1 if spec.kind == "enum" or spec.optional else 0, max_size=3, unique=True)
        return st.none() | lists if spec.optional else lists
    return st.none() | element if spec.optional else element


@st.composite
def profiles(draw) -> WorkloadProfile:
    data: dict = {"name": "p", "host": {"os": draw(st.sampled_from(["linux", "windows", "macos"]))}}
    for path, spec in CATALOGUE.items():
        if path == "host.os" or not draw(st.booleans()):
            continue
        section, name = path.split(".")
        data.setdefault(section, {})[name] = draw(_value(spec))
    assume(not (data["host"]["os"] == "macos" and data["host"].get("cloud") in ("azure", "gcp")))
    try:
        return WorkloadProfile.model_validate(data)
    except ValueError:  # a value the model refuses (a port out of range, say): draw another
        assume(False)
        raise


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _flips_by_trying_every_rule(ruleset: RuleSet, facts, matched, chosen: str) -> list[Flip]:
    """The what-if search as it was first written: every rule that reads a field, for every candidate value."""
    points, bans = tally(matched)
    was_matched = {id(c) for c in matched}
    trial = dict(facts)
    best: dict[str, tuple] = {}
    for path in sorted(ruleset.readers, key=whatif.FLIP_ORDER.__getitem__):
        reading = ruleset.readers[path]
        base_points, base_bans = list(points), list(bans)
        for compiled in reading:
            if id(compiled) in was_matched:
                for i in (0, 1, 2):
                    base_points[i] -= compiled.points[i]
                    base_bans[i] -= compiled.bans[i]
        current = facts[path]
        for cost, value in whatif._candidates(path, current, ruleset.constants.get(path, [])):
            trial[path] = value
            trial_points, trial_bans = list(base_points), list(base_bans)
            for compiled in reading:
                if compiled.check(trial):
                    for i in (0, 1, 2):
                        trial_points[i] += compiled.points[i]
                        trial_bans[i] += compiled.bans[i]
            index = winning_index(trial_points, trial_bans)
            if index is None or PLATFORMS[index] == chosen:
                continue
            platform = PLATFORMS[index]
            key = (path in whatif.HARD_TO_CHANGE, cost, whatif.FLIP_ORDER[path])
            if (platform not in best or key < best[platform][0]) and _section_allowed(trial, path):
                shown = whatif.rounded(current) if isinstance(current, float) else current
                best[platform] = (key, Change(field=path, from_=shown, to=value))
        trial[path] = current
    return [Flip(platform=p, change=best[p][1] if p in best else None) for p in PLATFORMS if p != chosen]


@pytest.mark.slow
@FAST
@given(profiles())
def test_the_network_matches_what_checking_every_rule_matches(profile):
    facts = facts_of(profile)
    for ruleset in [SHIPPED, *generated().values()]:
        assert compile_network(ruleset.rules)(facts) == matching(ruleset.rules, facts)


def test_the_network_of_a_large_set_files_rules_under_guards():
    # 700 rules are compiled in chunks with guard blocks, which put matches out of order before sorting.
    network = compile_network(generated()[700].rules)
    for profile in _bench_engine().bench_profiles()[0]:
        facts = facts_of(profile)
        assert network(facts) == matching(generated()[700].rules, facts)


def _section_allowed(trial, path: str) -> bool:
    """Whether the model accepts the changed field's section, checked afresh (the search remembers verdicts)."""
    section = path.split(".")[0]
    model = whatif._CROSS_CHECKED.get(section)
    if model is None:
        return True
    try:
        model.model_validate({name: trial[f"{section}.{name}"] for name in model.model_fields})
    except ValidationError:
        return False
    return True


@pytest.mark.slow
@FAST
@given(profiles())
def test_capacity_remembered_for_its_fields_is_what_working_it_out_gives(profile):
    for ruled_out in (frozenset(), frozenset({"container"})):
        assert capacity([profile], ruled_out) == capacity_module._capacity([profile], ruled_out)


def test_capacity_is_remembered_apart_for_each_field_it_reads():
    # Profiles alike but for one field the capacity reads, one after another: a key that left that field out
    # would hand the second the first one's answer.
    sizes = {"host": {"os": "linux", "cpus": 8, "memory_gib": 32}, "resources": {"cpus": 1.5, "memory_gib": 2}}
    variants = [
        {},
        {"host": {**sizes["host"], "os": "macos"}},
        {"host": {**sizes["host"], "os": "windows"}},
        {"host": {**sizes["host"], "os": "windows"}, "workload": {"os": ["windows"]}},
        {"workload": {"os": ["linux", "windows"]}},
        {"host": {**sizes["host"], "cpus": 16}},
        {"host": {**sizes["host"], "memory_gib": 8}},
        {"resources": {"cpus": 0.5, "memory_gib": 2}},
        {"resources": {"cpus": 1.5, "memory_gib": 3}},
        {"scale": {"instances": 9}},
    ]
    for variant in variants:
        profile = make_profile(**{**sizes, **variant})
        for ruled_out in (frozenset(), frozenset({"container"})):
            assert capacity([profile], ruled_out) == capacity_module._capacity([profile], ruled_out), variant


@pytest.mark.slow
@FAST
@given(profiles())
def test_the_incremental_what_if_search_finds_what_trying_every_rule_finds(profile):
    facts = facts_of(profile)
    for ruleset in (SHIPPED, generated()[120]):
        matched = matching(ruleset.rules, facts)
        try:
            chosen = outcome_of(matched).platform
        except NoPlatformFits:
            continue
        expected = _flips_by_trying_every_rule(ruleset, facts, matched, chosen)
        assert whatif.flips(ruleset, facts, matched, chosen) == expected


@pytest.mark.slow
@FAST
@given(profiles(), st.data())
def test_a_rule_settled_without_a_field_holds_the_same_for_every_value_of_it(profile, data):
    facts = facts_of(profile)
    ruleset = generated()[120]
    path = data.draw(st.sampled_from(sorted(ruleset.readers)))
    for compiled in ruleset.readers[path]:
        settled = compiled.holds_whatever(facts, path)
        if settled is None:
            continue
        for _, value in whatif._candidates(path, facts[path], ruleset.constants.get(path, [])):
            assert compiled.check({**facts, path: value}) is settled, (compiled.rule.id, path, value)


def test_a_rule_value_never_becomes_code(tmp_path):
    # Values rules compare with are read from tables by the generated function, never written into it.
    (tmp_path / "odd.yaml").write_text(
        "rules:\n"
        "  - id: odd\n"
        "    title: Odd\n"
        "    when: {workload.health_path: \"/'),exit(3),('\"}\n"
        "    score: {vm: 2}\n"
        "    because: A value that looks like code stays a value.\n"
        "    links: [https://example.org/]\n",
        encoding="utf-8",
    )
    rules = load_rules([tmp_path], builtin=False, use_env=False).rules
    network = compile_network(rules)
    base = {"name": "p", "host": {"os": "linux"}}
    assert network(facts_of(WorkloadProfile.model_validate({**base, "workload": {"health_path": "/'),exit(3),('"}})))
    assert not network(facts_of(WorkloadProfile.model_validate({**base, "workload": {"health_path": "/"}})))
    # So does the what-if search's function: the value is a candidate it tries, and only it gives vm the points
    # that turn the answer from container (a tie goes to container) to vm.
    search = compile_search(rules, "workload.health_path")
    facts = facts_of(WorkloadProfile.model_validate(base))
    assert search(facts, [(1, "/'),exit(3),('"), (1, "/")], (0, 0, 0, 0, 0, 0), 1) == [(1, "/'),exit(3),('", 0)]


@pytest.mark.slow
@FAST
@given(profiles(), st.booleans(), st.booleans(), st.integers(0, 2))
def test_the_answer_written_from_kept_parts_is_the_plain_dump(profile, brief, explained, components):
    # Twice, so the second answer is written from the parts kept by the first; with components, the system's
    # own reason and why-nots are not kept parts and are written each time.
    if components:
        names = [f"c{i}" for i in range(components)]
        profile = WorkloadProfile.model_validate(
            profile.model_dump(exclude_unset=True)
            | {
                "components": [
                    {"name": name, "workload": {"architecture": "batch"}} if i else {"name": name}
                    for i, name in enumerate(names)
                ]
            }
        )
    try:
        result = recommend(profile, SHIPPED, explained=explained)
    except NoPlatformFits:
        return
    plain = json.dumps(to_data(result, brief=brief), ensure_ascii=False)
    assert to_json(result, brief=brief, ruleset=SHIPPED) == plain
    assert to_json(recommend(profile, SHIPPED, explained=explained), brief=brief, ruleset=SHIPPED) == plain


@pytest.mark.slow
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(profiles(), min_size=150, max_size=150))
def test_what_matched_sets_decide_is_kept_within_its_bounds_and_changes_no_answer(many):
    # Generated profiles match many different sets of rules: the memo starts afresh past its entries or bytes,
    # and every answer is the one a rule set with nothing kept gives.
    ruleset = load_rules(use_env=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decide, "DECIDED_ENTRIES", 7)
        patch.setattr(decide, "DECIDED_BYTES", 30_000)
        entries, most = set(), 0
        for profile in many:
            try:
                answer = recommend(profile, ruleset)
            except NoPlatformFits:
                continue
            fresh = recommend(profile, load_rules(use_env=False))
            assert answer.model_dump() == fresh.model_dump()
            memo = ruleset.memo["decided"]
            entries.add(len(memo))
            most = max(most, ruleset.memo["decided bytes"])
    assert max(entries) <= 7 and 1 in entries  # it filled up and started afresh
    assert most < 30_000 + 16_000  # at most one entry past the bound before it starts afresh
