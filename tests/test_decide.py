"""Deciding: scores sum, forbids drop platforms out, the margin sets confidence, and every part explains."""

from __future__ import annotations

import json

import pytest

from advisor.engine.catalogue import practical
from advisor.engine.decide import recommend
from advisor.engine.loader import load_rules
from advisor.errors import NoPlatformFits
from advisor.models import WorkloadProfile
from advisor.output.data import as_json
from advisor.profiles import parse_profiles, read_profiles
from tests.support import ROOT, make_profile


def rules_yaml(*rules: str) -> str:
    return "rules:\n" + "".join(rules)


def one(rule_id: str, when: str, effects: str, because: str = "Because.") -> str:
    return (
        f"  - id: {rule_id}\n    title: {rule_id} title\n    when: {when}\n{effects}"
        f"    because: {because}\n    links: [https://example.org/{rule_id}]\n"
    )


@pytest.fixture
def synthetic(write_rules):
    text = rules_yaml(
        one("gui-vm", "{workload.gui: true}", "    score: {vm: 4, container: -2}\n"),
        one("micro", "{workload.architecture: microservices}", "    score: {container: 3, hybrid: 1}\n"),
        one("strict", "{security.isolation: strict}", "    forbid: [container]\n    score: {hybrid: 1}\n"),
        one(
            "tools",
            "{host.os: linux}",
            "    suggest:\n      - {name: KVM, role: hypervisor, platforms: [vm, hybrid]}\n"
            "      - {name: Docker, role: engine, platforms: [container]}\n",
        ),
        one("noted", "{scale.instances: {gte: 10}}", "    note: Use an orchestrator.\n    score: {container: 1}\n"),
        one("all-but-vm", "{workload.kernel: custom}", "    forbid: [container, hybrid]\n"),
        one("no-vm", "{hardware.gpu: true}", "    forbid: [vm]\n"),
    )
    return load_rules([write_rules(text)], builtin=False, use_env=False)


def test_scores_are_summed_and_the_highest_wins(synthetic):
    result = recommend(make_profile(workload={"gui": True, "architecture": "microservices"}), synthetic)
    assert result.scores == {"vm": 4, "container": 1, "hybrid": 1}
    assert result.platform == "vm"
    assert result.confidence == "medium"  # margin 3


def test_a_forbidden_platform_drops_out_whatever_its_score(synthetic):
    profile = make_profile(workload={"architecture": "microservices"}, security={"isolation": "strict"})
    result = recommend(profile, synthetic)
    assert result.scores["container"] == 3
    assert result.platform == "hybrid"
    container = next(a for a in result.alternatives if a.platform == "container")
    assert container.forbidden is True
    assert container.why_not[0].rule == "strict"
    assert result.rationale[0].rule == "strict"  # a hard constraint is the strongest reason


def test_a_tie_goes_to_the_simpler_estate_with_low_confidence(synthetic):
    result = recommend(make_profile(), synthetic)
    assert result.scores == {"vm": 0, "container": 0, "hybrid": 0}
    assert (result.platform, result.confidence) == ("container", "low")
    assert result.rationale == []


def test_only_one_platform_left_is_high_confidence(synthetic):
    result = recommend(make_profile(workload={"kernel": "custom"}), synthetic)
    assert (result.platform, result.confidence) == ("vm", "high")


def test_when_every_platform_is_forbidden_the_error_names_the_rules(synthetic):
    with pytest.raises(NoPlatformFits) as caught:
        recommend(make_profile(workload={"kernel": "custom"}, hardware={"gpu": True}), synthetic)
    assert str(caught.value) == (
        "t: no platform fits this profile: every platform is forbidden "
        "(vm by no-vm; container by all-but-vm; hybrid by all-but-vm)"
    )


def test_technologies_fit_the_chosen_platform(synthetic):
    vm = recommend(make_profile(workload={"gui": True}), synthetic)
    container = recommend(make_profile(workload={"architecture": "microservices"}), synthetic)
    assert [t.name for t in vm.technologies] == ["KVM"]
    assert [t.name for t in container.technologies] == ["Docker"]
    assert vm.technologies[0].because == "Because." and vm.technologies[0].rule == "tools"


def test_notes_come_from_matched_rules(synthetic):
    result = recommend(make_profile(scale={"instances": 10}), synthetic)
    assert [(n.rule, n.note) for n in result.notes] == [("noted", "Use an orchestrator.")]
    assert recommend(make_profile(scale={"instances": 9}), synthetic).notes == []


def test_assumptions_list_defaults_that_matched_rules_relied_on(synthetic):
    result = recommend(make_profile(scale={"instances": 10}), synthetic)
    assert [(a.field, a.value, a.rules) for a in result.assumptions] == []  # host.os and instances were given
    defaulted = WorkloadProfile.model_validate({"name": "t", "host": {"os": "linux"}, "scale": {}})
    shipped = load_rules(use_env=False)
    fields = {a.field for a in recommend(defaulted, shipped).assumptions}
    assert "security.isolation" in fields and "host.os" not in fields


def test_why_not_lists_the_rules_that_counted_against_each_platform(synthetic):
    result = recommend(make_profile(workload={"gui": True}), synthetic)
    container = next(a for a in result.alternatives if a.platform == "container")
    assert [w.rule for w in container.why_not] == ["gui-vm"]
    assert container.score == -2 and container.forbidden is False


def test_flips_name_a_one_field_change_that_really_flips(ruleset):
    profile = make_profile(workload={"architecture": "microservices"}, scale={"instances": 12})
    result = recommend(profile, ruleset)
    assert result.platform == "container"
    assert {f.platform for f in result.flips} == {"vm", "hybrid"}
    for flip in result.flips:
        if flip.change is None:
            continue
        section, field = flip.change.field.split(".")
        data = profile.model_dump()
        assert data[section][field] == flip.change.from_
        data[section][field] = flip.change.to
        assert recommend(WorkloadProfile.model_validate(data), ruleset).platform == flip.platform


def test_flips_prefer_the_smallest_step(write_rules):
    text = rules_yaml(
        one("base-vm", "{host.os: linux}", "    score: {vm: 2}\n"),
        one("isolated", "{security.isolation: {in: [high, strict]}}", "    score: {hybrid: 5}\n"),
        one("many", "{scale.instances: {gte: 10}}", "    score: {container: 5}\n"),
        one("huge", "{scale.instances: {gte: 500}}", "    score: {container: 9}\n"),
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    result = recommend(make_profile(scale={"instances": 3}), rules)
    assert result.platform == "vm"
    changes = {f.platform: f.change.model_dump(by_alias=True) for f in result.flips}
    assert changes["hybrid"] == {"field": "security.isolation", "from": "standard", "to": "high"}
    assert changes["container"] == {"field": "scale.instances", "from": 3, "to": 10}


def test_a_platform_no_single_change_reaches_has_no_flip(write_rules):
    text = rules_yaml(one("always-vm", "{host.os: {in: [linux, windows, macos]}}", "    score: {vm: 9}\n"))
    result = recommend(make_profile(), load_rules([write_rules(text)], builtin=False, use_env=False))
    assert [(f.platform, f.change) for f in result.flips] == [("container", None), ("hybrid", None)]


def test_components_get_one_result_each_and_hybrid_where_they_differ(ruleset):
    profile = WorkloadProfile.model_validate(
        {
            "name": "estate",
            "host": {"os": "linux", "cpus": 32, "memory_gib": 128},
            "workload": {"architecture": "microservices"},
            "scale": {"instances": 12, "elasticity": "bursty"},
            "components": [
                {"name": "shop"},
                {"name": "erp", "workload": {"os": ["windows"], "legacy": True}, "scale": {"instances": 2}},
            ],
        }
    )
    result = recommend(profile, ruleset)
    assert [(c.name, c.platform) for c in result.components] == [("shop", "container"), ("erp", "vm")]
    assert result.platform == "hybrid"
    assert result.rationale[0].rule == "components"
    assert "shop on container" in result.rationale[0].because and "erp on vm" in result.rationale[0].because
    shop, erp = result.components
    assert result.scores["vm"] == shop.scores["vm"] + erp.scores["vm"]
    assert result.scores["hybrid"] == shop.scores["container"] + erp.scores["vm"]
    assert result.scores["hybrid"] > max(result.scores["vm"], result.scores["container"])
    assert result.capacity.instances == 14
    assert result.flips == []


def test_components_that_agree_give_their_platform(ruleset):
    profile = WorkloadProfile.model_validate(
        {
            "name": "shop",
            "host": {"os": "linux"},
            "workload": {"architecture": "microservices"},
            "components": [{"name": "web"}, {"name": "api"}],
        }
    )
    assert recommend(profile, ruleset).platform == "container"


def test_capacity_follows_the_source_documents_example(ruleset):
    # 16 GiB / 8 cores; each VM gets 4 GiB and 2 vCPUs (3.5 GiB app + 0.5 GiB Linux guest OS): 4 fit.
    profile = make_profile(host={"os": "linux", "cpus": 8, "memory_gib": 16}, resources={"cpus": 2, "memory_gib": 3.5})
    capacity = recommend(profile, ruleset).capacity
    assert (capacity.vm.fits, capacity.vm.vcpus_each, capacity.vm.memory_gib_each) == (4, 2, 4)
    assert capacity.vm.guest_os_overhead_gib == 0.5
    assert (capacity.container.fits, capacity.container.limited_by) == (4, "cpu")
    assert "0.5 GiB for its own Linux guest OS" in capacity.explanation


def test_capacity_counts_a_windows_guest_os_heavier(ruleset):
    profile = make_profile(
        host={"os": "windows", "cpus": 16, "memory_gib": 16}, workload={"os": ["windows"]}, resources={"memory_gib": 2}
    )
    capacity = recommend(profile, ruleset).capacity
    assert capacity.vm.guest_os_overhead_gib == 2
    assert (capacity.vm.fits, capacity.vm.limited_by) == (4, "memory")
    assert capacity.container.fits == 8


def test_capacity_is_absent_without_the_hosts_size(ruleset):
    assert recommend(make_profile(), ruleset).capacity is None


def test_the_same_profile_gives_byte_identical_json(ruleset):
    text = "name: t\nhost: {os: linux}\nworkload: {architecture: microservices, gui: true}\n"
    first = as_json([recommend(parse_profiles(text)[0], ruleset)])
    second = as_json([recommend(parse_profiles(text)[0], ruleset)])
    assert first == second
    assert list(json.loads(first)) == [
        "name", "platform", "confidence", "confidence_set_by", "scores", "rationale", "against", "alternatives",
        "technologies", "notes",
        "capacity", "components", "assumptions", "flips", "ruleset", "plan",
    ]  # fmt: skip


def test_explained_results_say_why_each_rule_did_or_did_not_match(write_rules):
    text = rules_yaml(
        one(
            "nested",
            "{all: [{host.os: linux}, {any: [{scale.instances: {gte: 10}}, {not: {workload.gui: false}}]}]}",
            "    score: {vm: 1}\n",
        ),
        one("plain", "{workload.os: {contains: windows}}", "    score: {vm: 1}\n"),
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    result = recommend(make_profile(scale={"instances": 3}), rules, explained=True)
    assert [(c.rule, c.matched, c.why) for c in result.considered] == [
        (
            "nested",
            False,
            "scale.instances is 3, not at least 10; workload.gui is false, which the rule excludes",
        ),
        ("plain", False, "workload.os is [linux], not containing windows"),
    ]
    matched = recommend(make_profile(scale={"instances": 12}), rules, explained=True).considered[0]
    assert (matched.matched, matched.why) == (True, "host.os is linux and scale.instances is 12")


def test_explanations_agree_with_evaluation_for_every_shipped_rule(ruleset):
    for name in ("checkout", "erp"):
        profile = make_profile(workload={"os": ["windows"], "legacy": True}) if name == "erp" else make_profile()
        result = recommend(profile, ruleset, explained=True)
        fired = {r.rule for r in result.rationale}
        considered = {c.rule: c.matched for c in result.considered}
        assert len(considered) == len(ruleset.rules)
        assert all(considered[rule] for rule in fired)


def test_the_contract_shape_has_no_explanations_unless_asked(ruleset):
    import json

    plain = json.loads(as_json([recommend(make_profile(), ruleset)]))
    explained = json.loads(as_json([recommend(make_profile(), ruleset, explained=True)]))
    assert "considered" not in plain
    assert list(explained)[-1] == "considered" and list(explained)[:-1] == list(plain)


def test_flips_can_replace_one_item_of_a_list(write_rules):
    text = rules_yaml(
        one("base", "{host.os: linux}", "    score: {container: 2}\n"),
        one("tls-only", "{all: [{workload.ports: {contains: 443}}, {workload.ports: {length_lte: 1}}]}",
            "    score: {vm: 9}\n"),
    )  # fmt: skip
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    result = recommend(make_profile(workload={"ports": [8000]}), rules)
    vm = next(f for f in result.flips if f.platform == "vm")
    assert vm.change.model_dump(by_alias=True) == {"field": "workload.ports", "from": [8000], "to": [443]}


def test_flips_never_take_away_a_stated_need(write_rules):
    """Windows in place of Linux would flip it, but the software needs Linux: only adding Windows is offered."""
    text = rules_yaml(
        one("base", "{host.os: linux}", "    score: {container: 2}\n"),
        one("windows-only", "{all: [{workload.os: {contains: windows}}, {workload.os: {length_lte: 1}}]}",
            "    score: {vm: 9}\n"),
        one("linux-and-windows", "{workload.os: {contains: windows}}", "    score: {hybrid: 4}\n"),
        one("gui", "{workload.gui: true}", "    score: {container: 9}\n"),
    )  # fmt: skip
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    result = recommend(make_profile(workload={"os": ["linux"]}), rules)
    changes = {f.platform: f.change and f.change.model_dump(by_alias=True) for f in result.flips}
    assert changes == {"vm": None, "hybrid": {"field": "workload.os", "from": ["linux"], "to": ["linux", "windows"]}}
    # A need the profile states (a desktop) is never suggested away, though dropping it would flip the answer.
    stated = recommend(make_profile(workload={"os": ["linux"], "gui": True}), rules)
    assert all(f.change is None or f.change.field != "workload.gui" for f in stated.flips)


def test_flips_never_change_a_fact_of_the_world(write_rules):
    """What the vendor supports and whether the software is legacy are not the team's to change."""
    text = rules_yaml(
        one("base", "{host.os: linux}", "    score: {vm: 2}\n"),
        one("vendor", "{workload.vendor_supports: container}", "    score: {container: 9}\n"),
        one("legacy", "{workload.legacy: true}", "    score: {hybrid: 9}\n"),
        one("many", "{scale.instances: {gte: 10}}", "    score: {container: 5}\n"),
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    result = recommend(make_profile(), rules)
    changes = {f.platform: f.change and f.change.model_dump(by_alias=True) for f in result.flips}
    assert changes == {"container": {"field": "scale.instances", "from": 3, "to": 10}, "hybrid": None}


@pytest.mark.parametrize(
    ("path", "current", "new", "practical_"),
    [
        ("scale.instances", 30, 1, True),  # a choice, either way
        ("host.os", "linux", "windows", True),
        ("workload.vendor_supports", "any", "container", False),  # a fact
        ("workload.legacy", False, True, False),
        ("workload.os", ["windows"], ["windows", "bsd"], True),  # a need may grow
        ("workload.os", ["windows"], ["linux"], False),  # never lose what is stated
        ("workload.gui", False, True, True),
        ("workload.gui", True, False, False),
        ("security.isolation", "high", "strict", True),  # one step up the scale
        ("security.isolation", "high", "standard", False),
        ("security.tenancy", "multi-untrusted", "single", False),
        ("workload.kernel", "shared", "own", True),
        ("workload.kernel", "modules", "shared", False),
        ("hardware.gpus", None, 2, True),
        ("hardware.gpus", 4, 1, False),
        ("security.compliance", ["pci-dss"], [], False),
        ("host.connectivity", "air-gapped", "connected", False),
    ],
)
def test_a_change_is_practical_unless_it_changes_a_fact_or_takes_away_a_need(path, current, new, practical_):
    assert practical(path, current, new) is practical_


def test_flips_report_numbers_as_written(write_rules):
    text = rules_yaml(
        one("slow", "{scale.startup_seconds: {gt: 30}}", "    score: {vm: 3}\n"),
        one("fast", "{scale.startup_seconds: {lte: 10}}", "    score: {container: 5}\n"),
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    result = recommend(make_profile(scale={"startup_seconds": 600}), rules)
    container = next(f for f in result.flips if f.platform == "container")
    assert container.change.model_dump(by_alias=True) == {"field": "scale.startup_seconds", "from": 600, "to": 30}


def test_capacity_says_where_containers_get_their_kernel(ruleset):
    sizes = {"cpus": 8, "memory_gib": 16}
    mac = recommend(make_profile(host={"os": "macos", **sizes}), ruleset).capacity.explanation
    wsl = recommend(make_profile(host={"os": "windows", "wsl2": True, **sizes}), ruleset).capacity.explanation
    linux = recommend(make_profile(host={"os": "linux", **sizes}), ruleset).capacity.explanation
    assert "one small Linux VM (Docker Desktop or Podman machine)" in mac
    assert "the WSL2 utility VM" in wsl
    assert "Containers share the host kernel" in linux
    single = recommend(make_profile(host={"os": "linux", "cpus": 1, "memory_gib": 2}, scale={"instances": 1}), ruleset)
    assert "1 core and 2 GiB" in single.capacity.explanation and "1 instance is expected" in single.capacity.explanation


def test_assumptions_name_only_the_defaults_that_decided_a_match(write_rules):
    text = rules_yaml(
        one("either", "{any: [{scale.instances: {gte: 10}}, {scale.elasticity: bursty}]}", "    score: {vm: 1}\n"),
        one("few", "{scale.instances: {lte: 5}}", "    score: {vm: 1}\n"),
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    result = recommend(make_profile(scale={"elasticity": "bursty"}), rules)  # instances left at its default, 3
    # 'either' matched on elasticity, which was given; instances (3, not at least 10) did not decide it.
    # 'few' matched because instances is 3: that default is an assumption.
    assert [(a.field, a.value, a.rules) for a in result.assumptions] == [("scale.instances", 3, ["few"])]


def test_a_note_shows_only_for_the_platforms_it_is_written_for(write_rules):
    text = rules_yaml(
        one("gui", "{workload.gui: true}", "    score: {vm: 5}\n"),
        one(
            "containers-tip",
            "{host.os: linux}",
            "    note: Pin your base images.\n    note_for: [container, hybrid]\n",
        ),
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    assert [n.rule for n in recommend(make_profile(), rules).notes] == ["containers-tip"]
    assert recommend(make_profile(workload={"gui": True}), rules).notes == []


def test_capacity_says_when_the_instances_do_not_fit_and_leaves_out_ruled_out_containers(ruleset):
    small = make_profile(host={"os": "linux", "cpus": 4, "memory_gib": 8}, scale={"instances": 10})
    assert recommend(small, ruleset).capacity.explanation.endswith(
        "10 instances are expected. Neither VMs nor containers fit all 10 on this host."
    )
    tighter_vms = make_profile(host={"os": "linux", "cpus": 16, "memory_gib": 8}, scale={"instances": 6})
    assert recommend(tighter_vms, ruleset).capacity.explanation.endswith("VMs do not fit all 6 on this host.")
    windows = make_profile(host={"os": "linux", "cpus": 8, "memory_gib": 16}, workload={"os": ["windows"]})
    text = recommend(windows, ruleset).capacity.explanation
    assert "Containers are ruled out here" in text and "fit at" not in text


def test_flips_never_suggest_a_profile_the_model_refuses(write_rules):
    text = rules_yaml(
        one("base", "{host.os: linux}", "    score: {container: 2}\n"),
        one("mac", "{host.os: macos}", "    score: {vm: 9}\n"),
    )
    rules = load_rules([write_rules(text)], builtin=False, use_env=False)
    on_azure = recommend(make_profile(host={"os": "linux", "cloud": "azure"}), rules)
    assert [(f.platform, f.change) for f in on_azure.flips if f.platform == "vm"] == [("vm", None)]  # no macOS on Azure
    on_premises = recommend(make_profile(host={"os": "linux"}), rules)
    assert next(f for f in on_premises.flips if f.platform == "vm").change.to == "macos"


def test_without_what_if_only_the_flips_are_left_out(ruleset):
    for profile in read_profiles([str(ROOT / "examples")]):
        full = recommend(profile, ruleset)
        quick = recommend(profile, ruleset, what_if=False)
        assert quick.flips == [] and all(c.flips == [] for c in quick.components)
        blank = {"flips": [], "components": [c.model_copy(update={"flips": []}) for c in full.components]}
        assert quick == full.model_copy(update=blank)


def test_results_built_without_validation_are_the_models_validation_would_make(ruleset):
    for profile in read_profiles([str(ROOT / "examples")]):
        result = recommend(profile, ruleset, explained=True)
        for built in [result, *result.components]:
            checked = type(built).model_validate(built.model_dump(by_alias=True))
            assert checked == built and checked.model_fields_set == built.model_fields_set
            assert list(built.__dict__) == list(type(built).model_fields)  # fields in the model's order
