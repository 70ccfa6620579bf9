"""Benchmark the rule engine: load time, evaluation time and full recommendations, for three rule sets.

The rule sets are the shipped rules, and 1,000 and 10,000 generated rules written as YAML into a temporary
directory (ten files) and loaded through the same loader as user rules. Generated rules are seeded, so every
run measures the same rules. One evaluation is ``facts_of(profile)`` followed by ``matching(rules, facts)``;
a full recommendation (``recommend``, which adds the what-if "flips" search) is timed for the shipped rules.

This prints a report, not a verdict: each target line says "target met" or "target missed", and the script
exits 0 either way. Run it with ``make bench`` or ``.venv/bin/python bench/bench_engine.py``. Load times are
CPU time (the machine is shared: wall time there measures the neighbours).

``--before CHECKOUT`` also loads 10,000 rules with the advisor imported from another checkout (an older
commit, say), side by side: the rules are written by that checkout's own bench, so both know every field
they read, and each side loads them in its own process, the loads taken in turn.

``--smoke`` runs every step once on small generated sets (100 and 1,000 rules, one load, short batches) in
a few seconds: ``make test`` runs it so the benchmark cannot break unnoticed. Its figures mean nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml

from advisor import yamlio
from advisor.engine.catalogue import CATALOGUE, FieldSpec, facts_of
from advisor.engine.decide import recommend
from advisor.engine.evaluate import CompiledRule, Leaf, matching
from advisor.engine.index import compile_network
from advisor.engine.loader import RuleSet, load_rules
from advisor.engine.schema import AllOf, AnyOf, NotOf
from advisor.errors import InvalidInput
from advisor.models import WorkloadProfile
from advisor.profiles import read_profiles

SEED = 20240611
GENERATED_SIZES = (1_000, 10_000)
ZEN_SIZES = (50, 1_000, 10_000)  # rule counts of the side-by-side table with GoRules zen-engine
FILES_PER_SET = 10
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

# Timing plan: timed loads per rule set (after one warm-up load of the shipped rules), batches per figure.
LOAD_RUNS = {"shipped": 7, 1_000: 5, 10_000: 3}
BATCHES = 15
BATCH_TARGET_NS = 20_000_000  # each timed batch runs for about 20 ms

# Targets, printed beside the figures.
EVAL_TARGET_US = 100.0  # one evaluation with the shipped rules
LOAD_10K_TARGET_MS = 860.0  # loading and validating 10,000 rules (issue 17: "nothing gets slower", 0.86 s)
LINEAR_SLACK = 1.2  # 10x the rules may cost up to 12x before growth counts as worse than linear
ZEN_TARGETS = {50: 20.0, 1_000: 10.0, 10_000: 10.0}  # advisor's network at least this many times zen's speed

# Realistic values for generated leaves, by field path; fields not listed fall back to their FieldSpec.
NUMBER_THRESHOLDS: dict[str, list[float]] = {
    "host.cpus": [2, 4, 8, 16, 32, 64, 128],
    "host.memory_gib": [4, 8, 16, 32, 64, 128, 256, 512],
    "scale.instances": [1, 2, 3, 5, 10, 20, 50, 100, 500, 1000],
    "scale.startup_seconds": [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    "resources.cpus": [0.25, 0.5, 1, 2, 4, 8, 16, 32],
    "resources.memory_gib": [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
    "resources.disk_gib": [1, 5, 10, 50, 100, 500, 1000],
    "delivery.deploys_per_week": [0, 1, 2, 5, 10, 20, 50, 100],
    "workload.ports": [22, 80, 443, 3306, 5432, 6379, 8000, 8080, 8443, 9090],
}
STRING_VALUES: dict[str, list[str]] = {
    "workload.os_id": ["ubuntu24.04", "debian12", "rhel9.4", "win2k22", "freebsd14.0", "alpine3.20"],
    "security.compliance": ["pci-dss", "hipaa", "soc2", "iso27001", "gdpr", "fedramp"],
    "hardware.devices": ["usb-dongle", "fpga", "hba", "nvidia-a100", "infiniband", "tpm"],
}
SUGGESTIONS = [
    ("Kata Containers", "sandboxed container runtime"),
    ("Firecracker", "microVM monitor"),
    ("KubeVirt", "VMs on Kubernetes"),
    ("Podman", "rootless container engine"),
    ("Proxmox VE", "VM and container host"),
    ("k3s", "small Kubernetes distribution"),
]
LINKS = [
    "https://kubernetes.io/docs/concepts/overview/",
    "https://docs.kernel.org/admin-guide/cgroup-v2.html",
    "https://csrc.nist.gov/pubs/sp/800/190/final",
    "https://man7.org/linux/man-pages/man7/namespaces.7.html",
    "https://kubevirt.io/user-guide/",
    "https://www.linux-kvm.org/page/Main_Page",
]
PLATFORMS = ("vm", "container", "hybrid")
# Forbids name one of these only, never hybrid: no set of matched rules can then forbid every platform.
FORBIDDABLE = ("vm", "container")

# Profiles used when examples/ holds none (kept small but varied: every section gets non-default values).
BUILTIN_PROFILES: list[dict[str, Any]] = [
    {
        "name": "web-api",
        "host": {"os": "linux", "cpus": 16, "memory_gib": 64, "cloud": "aws"},
        "workload": {"architecture": "microservices", "runtime": "node", "ports": [443, 8080]},
        "scale": {"instances": 12, "elasticity": "bursty", "startup_seconds": 5},
        "delivery": {"deploys_per_week": 20},
    },
    {
        "name": "legacy-erp",
        "host": {"os": "windows", "cpus": 8, "memory_gib": 32},
        "workload": {"os": ["windows"], "os_id": "win2k22", "legacy": True, "gui": True, "runtime": "dotnet"},
        "security": {"isolation": "high", "compliance": ["soc2"]},
        "scale": {"instances": 2},
        "resources": {"cpus": 4, "memory_gib": 16, "disk_gib": 200},
    },
    {
        "name": "gpu-training",
        "host": {"os": "linux", "cpus": 64, "memory_gib": 512, "cloud": "gcp"},
        "workload": {"architecture": "batch", "kernel": "custom"},
        "hardware": {"gpu": True, "devices": ["nvidia-a100", "infiniband"]},
        "resources": {"cpus": 16, "memory_gib": 128, "disk_gib": 1000},
        "delivery": {"deploys_per_week": 0.5},
    },
    {
        "name": "saas-tenants",
        "host": {"os": "linux", "cloud": "azure"},
        "workload": {"architecture": "microservices", "runtime": "go"},
        "security": {"isolation": "strict", "tenancy": "multi-untrusted", "compliance": ["pci-dss", "gdpr"]},
        "scale": {"instances": 200, "elasticity": "scale-to-zero", "startup_seconds": 1},
        "resources": {"cpus": 0.5, "memory_gib": 0.5},
    },
    {
        "name": "lab-mixed-os",
        "host": {"os": "macos", "cpus": 10, "memory_gib": 32},
        "workload": {"os": ["linux", "windows", "bsd"], "os_id": "freebsd14.0", "ports": [22, 443, 8443]},
        "security": {"tenancy": "multi-trusted"},
        "hardware": {"devices": ["usb-dongle"]},
    },
]


# --- Profiles -------------------------------------------------------------------------------------------


def bench_profiles() -> tuple[list[WorkloadProfile], str]:
    """The profiles to evaluate: those in examples/ if it has any that load, else the built-in ones."""
    if EXAMPLES_DIR.is_dir() and any(p.suffix in (".yaml", ".yml", ".json") for p in EXAMPLES_DIR.iterdir()):
        try:
            profiles = read_profiles([str(EXAMPLES_DIR)])
        except InvalidInput as exc:  # examples/ may be half-written: fall back, and say why
            print(f"note: examples/ did not load ({len(exc.errors)} problem(s)); using built-in profiles")
        else:
            if profiles:
                return profiles, f"{len(profiles)} from examples/"
    profiles = [WorkloadProfile.model_validate(data) for data in BUILTIN_PROFILES]
    return profiles, f"{len(profiles)} built-in"


# --- Rule generation ------------------------------------------------------------------------------------


def number_values(spec: FieldSpec) -> list[float]:
    """Thresholds worth comparing a number field with: a realistic table, or values inside its bounds."""
    if spec.path in NUMBER_THRESHOLDS:
        return NUMBER_THRESHOLDS[spec.path]
    low = spec.minimum if spec.minimum is not None else 0
    high = spec.maximum if spec.maximum is not None else 1000
    values = [low + (high - low) * fraction for fraction in (0.01, 0.1, 0.25, 0.5)]
    return [round(v) if spec.integer else v for v in values if v > low or not spec.exclusive_minimum]


def element_values(spec: FieldSpec) -> list[Any]:
    """Values one element of a field may take (its choices, a realistic table, or its examples)."""
    if spec.kind in ("enum", "bool"):
        return list(spec.choices)
    if spec.kind == "number":
        return number_values(spec)
    return STRING_VALUES.get(spec.path) or list(spec.examples) or ["example"]


def some_of(rng: random.Random, values: Sequence[Any], most: int = 3) -> list[Any]:
    """A non-empty random subset of values, in their original order."""
    count = rng.randint(1, min(most, len(values)))
    picked = set(rng.sample(range(len(values)), count))
    return [v for i, v in enumerate(values) if i in picked]


def leaf_for(rng: random.Random, spec: FieldSpec) -> dict[str, Any]:
    """One leaf condition on this field, with an operator that fits the field's type."""
    values = element_values(spec)
    if spec.many:
        op = rng.choices(["contains", "contains_any", "length_gte", "length_lte"], weights=[5, 3, 2, 1])[0]
        if op == "contains":
            return {spec.path: {op: rng.choice(values)}}
        if op == "contains_any":
            return {spec.path: {op: some_of(rng, values)}}
        return {spec.path: {op: rng.randint(2, 4) if op == "length_gte" else rng.randint(0, 1)}}
    if spec.kind == "number":
        return {spec.path: {rng.choice(["gt", "gte", "lt", "lte"]): rng.choice(values)}}
    op = rng.choices(["eq", "ne", "in", "not_in"], weights=[6, 1, 2, 1])[0]
    if op in ("in", "not_in"):
        return {spec.path: {op: some_of(rng, values, most=2)}}
    value = rng.choice(values)
    return {spec.path: value} if op == "eq" and rng.random() < 0.7 else {spec.path: {op: value}}


def condition_for(rng: random.Random, leaves: list[dict[str, Any]], depth: int = 0) -> dict[str, Any]:
    """Combine leaves into a condition: one leaf (sometimes negated), or all/any over nested groups."""
    if len(leaves) == 1:
        return {"not": leaves[0]} if rng.random() < 0.1 else leaves[0]
    if depth >= 1 or rng.random() < 0.6:
        children = [condition_for(rng, [leaf], depth + 1) for leaf in leaves]
    else:  # split into two nested groups
        cut = rng.randint(1, len(leaves) - 1)
        children = [condition_for(rng, leaves[:cut], depth + 1), condition_for(rng, leaves[cut:], depth + 1)]
    combined = {"any" if rng.random() < 0.2 else "all": children}
    return {"not": combined} if depth > 0 and rng.random() < 0.1 else combined


def effects_for(rng: random.Random) -> dict[str, Any]:
    """Score (usually), and now and then a forbid (of vm or container only), a suggestion or a note."""
    effects: dict[str, Any] = {}
    if rng.random() < 0.02:
        effects["forbid"] = [rng.choice(FORBIDDABLE)]
    if rng.random() < 0.1:
        name, role = rng.choice(SUGGESTIONS)
        effects["suggest"] = [{"name": name, "role": role, "platforms": some_of(rng, PLATFORMS)}]
    if rng.random() < 0.15:
        effects["note"] = "Check this with the team that runs the platform before relying on it."
    if rng.random() < 0.85 or not effects:
        effects["score"] = {p: rng.choice([-3, -2, -1, 1, 2, 3, 4, 5]) for p in some_of(rng, PLATFORMS)}
    return effects


def leaning(effects: dict[str, Any]) -> str:
    """Half a sentence saying which platform a rule's effects favour."""
    if effects.get("forbid"):
        return f"rule out {effects['forbid'][0]} for this workload"
    score = effects.get("score")
    if not score:
        return "deserve a note, whatever the platform"
    best = max(score, key=score.__getitem__)
    if score[best] > 0:
        return f"make {best} the better fit for this workload"
    return f"count against {min(score, key=score.__getitem__)} for this workload"


# An unset optional list (workload.command) matches no list operator yet: what it should match is being
# decided elsewhere (issue 13), so generated rules leave such fields out rather than crash on them.
GENERATED_FIELDS = sorted(path for path, spec in CATALOGUE.items() if not (spec.many and spec.optional))


def generate_rule(rng: random.Random, number: int) -> dict[str, Any]:
    """One valid rule: 1-4 leaves on real profile fields, its effects, a reason and a link."""
    count = rng.choices([1, 2, 3, 4], weights=[2, 3, 3, 2])[0]
    specs = [CATALOGUE[path] for path in rng.sample(GENERATED_FIELDS, count)]
    leaves = [leaf_for(rng, spec) for spec in specs]
    effects = effects_for(rng)
    fields = ", ".join(spec.path for spec in specs)
    return {
        "id": f"gen-{number:05d}",
        "title": f"Generated rule {number} on {fields}",
        "when": condition_for(rng, leaves),
        **effects,
        "because": f"Generated for the benchmark: {fields} {leaning(effects)}.",
        "links": [rng.choice(LINKS)],
    }


def write_rule_set(directory: Path, count: int, seed: int) -> None:
    """Write `count` generated rules into FILES_PER_SET YAML files in `directory`."""
    rng = random.Random(seed)
    rules = [generate_rule(rng, n) for n in range(count)]
    per_file = math.ceil(count / FILES_PER_SET)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for index in range(FILES_PER_SET):
        chunk = rules[index * per_file : (index + 1) * per_file]
        if not chunk:
            continue
        document = {"description": f"Generated benchmark rules, part {index + 1}.", "rules": chunk}
        text = yaml.dump(document, Dumper=dumper, sort_keys=False, width=120, allow_unicode=True)
        (directory / f"generated-{index:02d}.yaml").write_text(text, encoding="utf-8")


# --- Timing ---------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """What was measured for one rule set."""

    label: str
    rules: int
    load_ms: float
    load_runs: int
    eval_us: float
    matched: float
    recommend_us: float | None = None
    compiled: list[CompiledRule] = field(default_factory=list, repr=False)

    @property
    def us_per_rule(self) -> float:
        """Microseconds per rule per evaluation."""
        return self.eval_us / self.rules


def time_loads(load: Callable[[], RuleSet], runs: int) -> tuple[RuleSet, float]:
    """Time `runs` loads; return the last rule set (to evaluate) and the median CPU ms.

    The previous result is dropped before each load, so that, as in the CLI, no other rule set is alive:
    a second set of 10,000 rules would make every full garbage collection during the load slower.
    """
    ruleset: RuleSet | None = None
    times = []
    for _ in range(runs):
        ruleset = None
        gc.collect()
        start = time.process_time_ns()
        ruleset = load()
        times.append(time.process_time_ns() - start)
    if ruleset is None:
        raise ValueError("time_loads needs at least one run")
    return ruleset, statistics.median(times) / 1e6


def time_per_call(
    call: Callable[[WorkloadProfile], object],
    profiles: Sequence[WorkloadProfile],
    clock: Callable[[], int] = time.perf_counter_ns,
) -> float:
    """Median microseconds per call over BATCHES batches, each cycling through every profile many times."""
    start = clock()
    for profile in profiles:  # one round: warm-up and calibration
        call(profile)
    round_ns = max(clock() - start, 1)
    rounds = max(1, BATCH_TARGET_NS // round_ns)
    calls = rounds * len(profiles)
    per_call = []
    gc.collect()
    for _ in range(BATCHES):
        start = clock()
        for _ in range(rounds):
            for profile in profiles:
                call(profile)
        per_call.append((clock() - start) / calls)
    return statistics.median(per_call) / 1e3


def measure(
    label: str, load: Callable[[], RuleSet], runs: int, profiles: Sequence[WorkloadProfile], *, full: bool = False
) -> Figures:
    """Load-time, evaluation-time and (when `full`) recommend-time figures for one rule set."""
    ruleset, load_ms = time_loads(load, runs)
    evaluate = evaluator(ruleset.rules)
    matched = statistics.mean(len(evaluate(p)) for p in profiles)
    eval_us = time_per_call(evaluate, profiles)
    recommend_us = time_per_call(lambda p: recommend(p, ruleset), profiles) if full else None
    return Figures(label, len(ruleset.rules), load_ms, runs, eval_us, matched, recommend_us, ruleset.rules)


def evaluator(rules: list[CompiledRule]) -> Callable[[WorkloadProfile], list[CompiledRule]]:
    """One evaluation as the engine does it: flatten the profile, then find the matching rules with the rule
    set's network (compiled here, once; the zen-engine table also times checking every rule in turn)."""
    network = compile_network(rules)

    def evaluate(profile: WorkloadProfile) -> list[CompiledRule]:
        return network(facts_of(profile))

    return evaluate


# --- Report ---------------------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    """The words each target line ends with."""
    return "target met" if met else "target missed"


def print_environment(profile_source: str) -> None:
    """Python, library versions, the YAML loader in use, and the machine."""
    loader = getattr(yamlio, "_Loader", None)
    loader_name = loader.__name__ if loader is not None else "unknown"
    in_use = "yes" if yaml.__with_libyaml__ and loader_name.startswith("C") else "no"
    print(f"python {platform.python_version()} ({sys.implementation.name}), pydantic {pydantic.VERSION}")
    print(f"PyYAML {yaml.__version__}, yaml.__with_libyaml__ = {yaml.__with_libyaml__}")
    print(f"libyaml C loader in use: {in_use} (advisor.yamlio parses with {loader_name})")
    print(f"cpus: {os.cpu_count()}, profiles: {profile_source}, seed: {SEED}")
    print()


def print_table(figures: Sequence[Figures]) -> None:
    """One line per rule set."""
    print(f"{'rule set':<10} {'rules':>6} {'load ms':>9} {'runs':>4} {'eval µs':>9} {'µs/rule':>8} {'matched':>8}")
    for f in figures:
        print(
            f"{f.label:<10} {f.rules:>6} {f.load_ms:>9.1f} {f.load_runs:>4} {f.eval_us:>9.1f} "
            f"{f.us_per_rule:>8.3f} {f.matched:>8.1f}"
        )
    print("(load: median CPU ms to read, validate and compile; eval: median µs for facts_of + the rule network;")
    print(" matched: mean rules matched per evaluation)")
    print()


def print_targets(shipped: Figures, small: Figures, large: Figures) -> None:
    """Each target, its figure, and whether it was met."""
    rule_ratio = large.rules / small.rules
    limit = rule_ratio * LINEAR_SLACK
    eval_ratio = large.eval_us / small.eval_us
    load_ratio = large.load_ms / small.load_ms
    if shipped.recommend_us is not None:
        print(f"shipped rules, full recommend (with flips): {shipped.recommend_us:.1f} µs per profile (no target)")
    print(
        f"shipped rules, one evaluation: {shipped.eval_us:.1f} µs (target < {EVAL_TARGET_US:.0f} µs): "
        f"{verdict(shipped.eval_us < EVAL_TARGET_US)}"
    )
    print(
        f"evaluation growth {large.rules}/{small.rules} rules: {eval_ratio:.2f}x "
        f"(linear = {rule_ratio:.0f}x, target <= {limit:.0f}x): {verdict(eval_ratio <= limit)}"
    )
    print(
        f"load growth {large.rules}/{small.rules} rules: {load_ratio:.2f}x "
        f"(linear = {rule_ratio:.0f}x, target <= {limit:.0f}x): {verdict(load_ratio <= limit)}"
    )
    print(
        f"{large.rules} rules loaded in {large.load_ms:.0f} ms (target < {LOAD_10K_TARGET_MS:.0f} ms): "
        f"{verdict(large.load_ms < LOAD_10K_TARGET_MS)}"
    )


def print_diagnostics(small: Figures, large: Figures, profiles: Sequence[WorkloadProfile]) -> None:
    """Figures that tell algorithmic growth from memory effects."""
    times = large.rules // small.rules
    repeated = time_per_call(evaluator(small.compiled * times), profiles)
    print("diagnostics (no targets):")
    print(f"  the {small.rules} rules checked {times} times over ({large.rules} checks on the same objects):")
    print(
        f"    {repeated:.1f} µs per evaluation, {repeated / small.eval_us:.2f}x the {small.rules}-rule figure "
        f"(vs {large.eval_us / small.eval_us:.2f}x for {large.rules} distinct rules)"
    )


# --- Side by side with GoRules zen-engine ----------------------------------------------------------------


def _zen_literal(value: Any) -> str:
    """A value in ZEN's expression language (JSON's literals, lists in brackets)."""
    if isinstance(value, frozenset):
        return "[" + ", ".join(_zen_literal(v) for v in sorted(value, key=repr)) + "]"
    return json.dumps(value)


def _zen_leaf(leaf: Leaf) -> str:
    """One leaf as a ZEN expression with the engine's meaning: an unset number compares false and an unset
    list holds nothing (ZEN's own null handling differs, so it is spelled out)."""
    path, operand = leaf.path, _zen_literal(leaf.operand)
    listed = f"({path} ?? [])"
    return {
        "eq": f"({path} == {operand})",
        "ne": f"({path} != {operand})",
        "in": f"({path} in {operand})",
        "not_in": f"(not ({path} in {operand}))",
        "contains": f"contains({listed}, {operand})",
        "contains_any": f"some({listed}, # in {operand})",
        "length_gte": f"(len({listed}) >= {operand})",
        "length_lte": f"(len({listed}) <= {operand})",
        "gt": f"({path} != null and {path} > {operand})",
        "gte": f"({path} != null and {path} >= {operand})",
        "lt": f"({path} != null and {path} < {operand})",
        "lte": f"({path} != null and {path} <= {operand})",
    }[leaf.op]


def _zen_condition(node: Any, leaves: Any) -> str:
    if isinstance(node, (AllOf, AnyOf)):
        children = node.all if isinstance(node, AllOf) else node.any
        joined = " and " if isinstance(node, AllOf) else " or "
        return "(" + joined.join(_zen_condition(child, leaves) for child in children) + ")"
    if isinstance(node, NotOf):
        return f"(not {_zen_condition(node.not_, leaves)})"
    return _zen_leaf(next(leaves))


def zen_decision(rules: Sequence[CompiledRule]) -> Any:
    """The rules as one ZEN decision table (hit policy collect): a row per rule, its condition as the row's
    expression, its id as the row's output."""
    import zen  # a bench-only dependency: pip install -e '.[bench]'

    rows = [
        {"_id": f"row{n}", "when": _zen_condition(c.rule.when, iter(c.leaves)), "rule": json.dumps(c.rule.id)}
        for n, c in enumerate(rules)
    ]
    table = {
        "hitPolicy": "collect",
        "inputs": [{"id": "when", "name": "when", "field": ""}],  # no field: each cell is a whole expression
        "outputs": [{"id": "rule", "name": "rule", "field": "rule"}],
        "rules": rows,
    }
    at = {"x": 0, "y": 0}
    graph = {
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "request", "position": at},
            {"id": "rules", "type": "decisionTableNode", "name": "rules", "position": at, "content": table},
            {"id": "response", "type": "outputNode", "name": "response", "position": at},
        ],
        "edges": [
            {"id": "in", "sourceId": "request", "targetId": "rules", "type": "edge"},
            {"id": "out", "sourceId": "rules", "targetId": "response", "type": "edge"},
        ],
    }
    return zen.ZenEngine().create_decision(json.dumps(graph))


def zen_context(profile: WorkloadProfile) -> dict[str, Any]:
    """What ZEN is given for a profile: its sections as nested JSON data."""
    return profile.model_dump(mode="json", exclude={"name", "components"})


@dataclass
class ZenFigures:
    """One row of the side-by-side table."""

    rules: int
    linear_us: float
    network_us: float
    zen_us: float
    matched: float

    @property
    def ratio(self) -> float:
        """How many times faster the advisor's network evaluates than ZEN."""
        return self.zen_us / self.network_us


def measure_zen(size: int, profiles: Sequence[WorkloadProfile]) -> ZenFigures:
    """Evaluate the same generated rules on the same profiles three ways; the hits must agree."""
    with tempfile.TemporaryDirectory(prefix=f"advisor-zen-{size}-") as tmp:
        write_rule_set(Path(tmp), size, SEED + size)
        rules = load_rules([tmp], builtin=False, use_env=False).rules
    network = compile_network(rules)
    decision = zen_decision(rules)
    contexts = {id(p): zen_context(p) for p in profiles}
    for profile in profiles:
        ours = [c.rule.id for c in matching(rules, facts_of(profile))]
        fast = [c.rule.id for c in network(facts_of(profile))]
        theirs = sorted(row["rule"] for row in decision.evaluate(contexts[id(profile)])["result"])
        if fast != ours or sorted(ours) != theirs:
            raise AssertionError(f"{size} rules, profile {profile.name}: the engines' hits differ")
    # CPU time of the whole process (ZEN's threads too): on a shared machine it hardly moves, unlike wall time.
    clock = time.process_time_ns
    return ZenFigures(
        rules=size,
        linear_us=time_per_call(lambda p: matching(rules, facts_of(p)), profiles, clock),
        network_us=time_per_call(lambda p: network(facts_of(p)), profiles, clock),
        zen_us=time_per_call(lambda p: decision.evaluate(contexts[id(p)]), profiles, clock),
        matched=statistics.mean(len(network(facts_of(p))) for p in profiles),
    )


def print_zen(profiles: Sequence[WorkloadProfile]) -> None:
    """The side-by-side table: the same generated rules and profiles, the advisor's hits equal ZEN's."""
    try:
        import zen
    except ImportError:
        print("zen-engine is not installed (pip install -c constraints.txt -e '.[bench]'): no side-by-side table")
        return
    version = getattr(zen, "__version__", None) or _version("zen-engine")
    print(f"side by side with GoRules zen-engine {version} (one decision table, hit policy collect; hits agree)")
    print(f"{'rules':>6} {'matched':>8} {'linear µs':>10} {'network µs':>11} {'zen µs':>9} {'zen/network':>12}  target")
    for size in ZEN_SIZES:
        f = measure_zen(size, profiles)
        target = ZEN_TARGETS[size]
        print(
            f"{f.rules:>6} {f.matched:>8.1f} {f.linear_us:>10.1f} {f.network_us:>11.1f} {f.zen_us:>9.1f} "
            f"{f.ratio:>11.1f}x  >= {target:g}x: {verdict(f.ratio >= target)}"
        )
    print("(CPU µs per profile: facts_of + matching or the network for the advisor, evaluate for ZEN on the")
    print(" profile as JSON data; the network is what the engine uses, matching checks every rule in turn)")


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


# --- Side by side with another checkout --------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
BEFORE_LOADS = 9  # loads per side, taken in turn (a shared machine needs several to settle a median)

# Runs in a process of its own with the advisor of one checkout: says where the advisor package came from,
# then loads the rules in `argv[1]` once per line read, answering with the CPU seconds and the digest.
LOAD_WORKER = """
import gc, sys, time
import advisor
from advisor.engine.loader import load_rules
folder = sys.argv[1]
load_rules([folder], builtin=False, use_env=False)  # warm-up: one-off costs are no load's
print(advisor.__file__, flush=True)
for _ in sys.stdin:
    ruleset = None
    gc.collect()
    start = time.process_time()
    ruleset = load_rules([folder], builtin=False, use_env=False)
    print(time.process_time() - start, ruleset.digest, flush=True)
"""
# Writes a generated rule set with the bench of the checkout it runs in: argv = bench folder, target, count.
WRITE_RULES = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import bench_engine
bench_engine.write_rule_set(Path(sys.argv[2]), int(sys.argv[3]), bench_engine.SEED + int(sys.argv[3]))
"""


def print_before(before: Path, size: int) -> None:
    """Load `size` generated rules with the advisor of `before` and with this one, in turn; print both."""
    # Here, not at the top: the tests load this module by its file, without bench/ on the path, for its
    # generator; only the script, run from bench/, compares checkouts.
    from checkouts import importing_from

    print(f"loading {size:,} rules side by side with {before} (CPU s, median of {BEFORE_LOADS} loads each, in turn)")
    # Every process runs in the rules' folder: `python -c` puts its working directory first on sys.path, and
    # from a checkout's root that checkout's advisor would be imported whatever PYTHONPATH says.
    with tempfile.TemporaryDirectory(prefix="advisor-bench-before-") as tmp:
        command = [sys.executable, "-c", WRITE_RULES, str(before / "bench"), tmp, str(size)]
        written = subprocess.run(
            command, cwd=tmp, env=importing_from(before), capture_output=True, text=True, check=False
        )
        if written.returncode != 0:
            print(f"  {before}'s bench could not write the rules: {(written.stderr.strip().splitlines() or ['?'])[-1]}")
            return
        sides = {"before": before, "now": ROOT}
        workers = {
            name: subprocess.Popen(
                [sys.executable, "-c", LOAD_WORKER, tmp],
                cwd=tmp,
                env=importing_from(checkout),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, checkout in sides.items()
        }
        seconds: dict[str, list[float]] = {name: [] for name in sides}
        digests: dict[str, str] = {}
        packages: dict[str, Path] = {}
        try:
            for name, worker in workers.items():
                assert worker.stdout is not None
                answer = worker.stdout.readline().strip()
                if not answer:
                    problem = (worker.communicate()[1].strip().splitlines() or ["?"])[-1]
                    print(f"  {name} ({sides[name]}) could not load them: {problem}")
                    return
                packages[name] = Path(answer).resolve().parent
                if not packages[name].is_relative_to(sides[name].resolve()):
                    print(f"  {name} imports the advisor from {packages[name]}, not from {sides[name]}")
                    return
            for _ in range(BEFORE_LOADS):
                for name, worker in workers.items():
                    assert worker.stdin is not None and worker.stdout is not None
                    worker.stdin.write("load\n")
                    worker.stdin.flush()
                    answer = worker.stdout.readline().split()
                    if len(answer) != 2:
                        problem = (worker.communicate()[1].strip().splitlines() or ["?"])[-1]
                        print(f"  {name} ({sides[name]}) could not load them: {problem}")
                        return
                    seconds[name].append(float(answer[0]))
                    digests[name] = answer[1]
        finally:
            for worker in workers.values():
                worker.kill()
                worker.wait()
    medians = {name: statistics.median(times) for name, times in seconds.items()}
    for name, median in medians.items():
        print(f"  {name:<7} {median:6.3f} s  (fastest {min(seconds[name]):.3f} s)  {packages[name]}")
    same = "same digest" if digests["before"] == digests["now"] else "DIGESTS DIFFER"
    ratio = medians["now"] / medians["before"]
    print(f"  now/before: {ratio:.2f}x the CPU time ({same}); no slower: {verdict(ratio <= 1.0)}")


def smoke() -> None:
    """Shrink the plan so every step runs once, quickly (for `make test`, not for figures)."""
    global GENERATED_SIZES, ZEN_SIZES, BEFORE_LOADS, BATCHES, BATCH_TARGET_NS
    GENERATED_SIZES = (100, 1_000)
    ZEN_SIZES = (50,)
    BEFORE_LOADS = 1
    BATCHES = 2
    BATCH_TARGET_NS = 1_000_000
    LOAD_RUNS.update({"shipped": 1, 100: 1, 1_000: 1})


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the rule sets, measure all three, print the report; always 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run every step once, quickly; figures mean nothing")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="CHECKOUT",
        help="also load the largest generated set with the advisor of another checkout, side by side",
    )
    options = parser.parse_args(argv)
    if options.smoke:
        smoke()
    started = time.perf_counter()
    profiles, profile_source = bench_profiles()
    print_environment(profile_source)
    load_rules()  # warm-up: the loader's first call pays one-off costs that no rule set should be charged
    figures = [
        measure("shipped", load_rules, LOAD_RUNS["shipped"], profiles, full=True),
    ]
    for size in GENERATED_SIZES:
        with tempfile.TemporaryDirectory(prefix=f"advisor-bench-{size}-") as tmp:
            write_rule_set(Path(tmp), size, SEED + size)

            def load(directory: str = tmp) -> RuleSet:
                return load_rules([directory], builtin=False, use_env=False)

            figures.append(measure(f"gen-{size}", load, LOAD_RUNS[size], profiles))
    shipped, small, large = figures
    print_table(figures)
    print_targets(shipped, small, large)
    print()
    print_diagnostics(small, large, profiles)
    print()
    print_zen(profiles)
    print()
    if options.before is not None:
        print_before(options.before.resolve(), GENERATED_SIZES[-1])
        print()
    print(f"benchmark took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
