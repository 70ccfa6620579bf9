"""The rules compiled into one discrimination network, so an evaluation does not check every rule leaf by leaf.

As in a Rete network's alpha memory, each distinct leaf (field, operator, value) is tested once per
evaluation, however many rules share it: generated rules and real ones repeat the same tests (`host.os is
linux`, `scale.instances at least 10`) across many rules. Rules are then filed under a guard, a leaf that
must hold for them to match (a leaf of a top-level `all`, or the whole condition), preferring equality leaves
that hold for few profiles: when the guard's test is false, the whole group of rules it files is passed over
without looking at any of them. A rule with no guard is looked at every time.

The network is one generated Python function: a line per distinct leaf, a block per guard, a line per rule
combining its leaves' results with `and`, `or` and `not`. Only local names and indexes are written into its
source: every value a rule compares with stays in a table the function reads, so no rule text is ever code.
It matches exactly what checking every rule with `evaluate.matching` matches, in the same (rule) order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any

from advisor.engine.catalogue import CATALOGUE
from advisor.engine.evaluate import CompiledRule, Facts, Leaf
from advisor.engine.loader import RuleSet
from advisor.engine.operators import OPERATORS
from advisor.engine.schema import AllOf, AnyOf, NotOf
from advisor.engine.scoring import TIE_INDEXES

# Leaves worth a guard, with roughly how often they hold: the fewer profiles, the more rules passed over.
GUARDING = frozenset({"eq", "in", "contains", "contains_any"})
# The common tests written out, as OPERATORS defines them (an unset number compares false, an unset list
# holds nothing); a test not listed here is called from the OPERATORS table.
INLINE = {
    "gt": "{v} is not None and {v} > operands[{n}]",
    "gte": "{v} is not None and {v} >= operands[{n}]",
    "lt": "{v} is not None and {v} < operands[{n}]",
    "lte": "{v} is not None and {v} <= operands[{n}]",
    "length_gte": "len({v} or ()) >= operands[{n}]",
    "length_lte": "len({v} or ()) <= operands[{n}]",
    "eq": "{v} == operands[{n}]",
    "ne": "{v} != operands[{n}]",
    "in": "{v} in operands[{n}]",
    "not_in": "{v} not in operands[{n}]",
    "contains": "operands[{n}] in ({v} or ())",
    "contains_any": "not operands[{n}].isdisjoint({v} or ())",
}
# A guard that holds for more than this share of profiles passes over too little to be worth a block.
WORTH_IT = 0.5


def _share(leaf: Leaf) -> float:
    """Roughly how often a leaf holds: one choice of five, one device of the many a list could hold..."""
    spec = CATALOGUE[leaf.path]
    values = len(leaf.operand) if isinstance(leaf.operand, frozenset) else 1
    if spec.many:
        return min(1.0, 0.2 * values)
    if spec.choices:
        return min(1.0, values / len(spec.choices))
    return min(1.0, 0.1 * values)


class _Writer:
    """Writes the network's source: leaves numbered as met, operands and tests kept in tables."""

    def __init__(self, local_facts: bool = False) -> None:
        # With local_facts, each fact is read once into a local (f0, f1...) that the leaf lines use: for one
        # function holding every leaf. Otherwise each leaf line reads its fact itself.
        self.local_facts = local_facts
        self.leaves: dict[tuple[str, str, Any], int] = {}  # (path, op, operand) -> leaf number
        self.values: dict[str, int] = {}  # path -> its index in `paths`
        self.lines: list[str] = []  # a line per leaf, numbered like the leaves
        self.tests: list[Callable[[Any, Any], bool]] = []
        self.operands: list[Any] = []
        # Per line of `lines`: the index in `paths` of the fact it reads, and whether it is a leaf's test (else
        # the line reading the fact into a local).
        self.line_reads: list[tuple[int, bool]] = []

    def leaf(self, leaf: Leaf, used: set[str]) -> str:
        """The local name of the leaf's result, writing its test the first time the leaf is met."""
        key = (leaf.path, leaf.op, leaf.operand)
        number = self.leaves.get(key)
        if number is None:
            path = self.values.get(leaf.path)
            if path is None:
                path = self.values[leaf.path] = len(self.values)
                if self.local_facts:
                    self.lines.append(f"    f{path} = facts[paths[{path}]]")
                    self.line_reads.append((path, False))
            number = self.leaves[key] = len(self.leaves)
            self.tests.append(OPERATORS[leaf.op].test)
            self.operands.append(leaf.operand)
            test = INLINE.get(leaf.op, "tests[{n}]({v}, operands[{n}])")
            fact = f"f{path}" if self.local_facts else f"facts[paths[{path}]]"
            if not self.local_facts and test.count("{v}") > 1:  # read the fact once
                line = test.format(v="value", n=number).replace("value", f"(value := {fact})", 1)
            else:
                line = test.format(v=fact, n=number)
            self.lines.append(f"    l{number} = {line}")
            self.line_reads.append((path, True))
        name = f"l{number}"
        used.add(name)
        return name

    def condition(self, node: Any, leaves: Any, used: set[str]) -> str:
        """The condition as a Python expression over leaf results (the leaves come in compile order)."""
        if isinstance(node, (AllOf, AnyOf)):
            children = node.all if isinstance(node, AllOf) else node.any
            joined = " and " if isinstance(node, AllOf) else " or "
            return "(" + joined.join(self.condition(child, leaves, used) for child in children) + ")"
        if isinstance(node, NotOf):
            return f"(not {self.condition(node.not_, leaves, used)})"
        return self.leaf(next(leaves), used)


def _guard(compiled: CompiledRule) -> Leaf | None:
    """The leaf a rule cannot match without, that holds for the fewest profiles, if it is worth a block."""
    usable = [leaf for leaf in compiled.required_leaves() if leaf.op in GUARDING and _share(leaf) <= WORTH_IT]
    return min(usable, key=_share, default=None)


Network = Callable[[Facts], list[CompiledRule]]
# Rules (and leaves) per generated function: Python compiles many small functions much faster than one large.
CHUNK = 256


def compile_network(rules: Sequence[CompiledRule]) -> Network:
    """One function from facts to the rules that match them, in rule order."""
    collecting = gc.isenabled()
    gc.disable()  # thousands of lines of source make many objects that all stay alive: nothing to collect
    try:
        return _compile(rules)
    finally:
        if collecting:
            gc.enable()


def _compile(rules: Sequence[CompiledRule]) -> Network:
    if len(rules) <= CHUNK:
        return _compile_small(rules)
    writer = _Writer()
    chunks: list[str] = []
    for start in range(0, len(rules), CHUNK):
        blocks: dict[str, list[str]] = {}  # guard leaf name -> the rule lines it files
        unguarded: list[str] = []
        used: set[str] = set()
        for position in range(start, min(start + CHUNK, len(rules))):
            compiled = rules[position]
            condition = writer.condition(compiled.rule.when, iter(compiled.leaves), used)
            line = f"if {condition}: found.append({position})"
            guard = _guard(compiled)
            if guard is None:
                unguarded.append(line)
            else:
                name = writer.leaf(guard, used)
                blocks.setdefault(name, []).append(line)
        body = [f"    {name} = results[{name[1:]}]" for name in sorted(used, key=lambda n: int(n[1:]))]
        body += [f"    {line}" for line in unguarded]
        for name, lines in blocks.items():
            body.append(f"    if {name}:")
            body.extend(f"        {line}" for line in lines)
        chunks.append(f"def rules_{len(chunks)}(results, found):\n" + "\n".join(body or ["    pass"]) + "\n")
    leaf_parts = [
        "def leaves_{}(facts):\n{}\n    return ({},)\n".format(
            start // CHUNK,
            "\n".join(writer.lines[start : start + CHUNK]),
            ", ".join(f"l{n}" for n in range(start, min(start + CHUNK, len(writer.lines)))),
        )
        for start in range(0, len(writer.lines), CHUNK)
    ]
    scope: dict[str, Any] = {
        "paths": tuple(writer.values),
        "tests": tuple(writer.tests),
        "operands": tuple(writer.operands),
    }
    # Our own source: local names and table indexes only, no text from any rule file.
    exec(compile("\n".join([*leaf_parts, *chunks]), "<advisor rule network>", "exec"), scope)
    leaf_functions = [scope[f"leaves_{n}"] for n in range(len(leaf_parts))]
    rule_functions = [scope[f"rules_{n}"] for n in range(len(chunks))]
    table = tuple(rules)

    def network(facts: Facts) -> list[CompiledRule]:
        results: tuple[bool, ...] = ()
        for leaves in leaf_functions:
            results += leaves(facts)
        found: list[int] = []
        for check in rule_functions:
            check(results, found)
        found.sort()  # a guard's block files its rules apart from the others
        return [table[i] for i in found]

    return network


def _compile_small(rules: Sequence[CompiledRule]) -> Network:
    """A few rules: one function, every leaf a local, each rule matched appended in order (no guards: passing
    over a handful of rules saves less than putting them back in order costs)."""
    writer = _Writer(local_facts=True)
    lines = []
    for position, compiled in enumerate(rules):
        condition = writer.condition(compiled.rule.when, iter(compiled.leaves), set())
        lines.append(f"    if {condition}: found.append(rules[{position}])")
    source = "def network(facts):\n" + "\n".join([*writer.lines, "    found = []", *lines, "    return found"]) + "\n"
    scope: dict[str, Any] = {
        "paths": tuple(writer.values),
        "tests": tuple(writer.tests),
        "operands": tuple(writer.operands),
        "rules": tuple(rules),
    }
    exec(compile(source, "<advisor rule network>", "exec"), scope)  # our own source, as above
    return scope["network"]


def network_of(ruleset: RuleSet) -> Network:
    """The rule set's network, compiled on first use (loading stays as fast; the CLI's check may never ask)."""
    network = ruleset.memo.get("network")
    if network is None:
        network = ruleset.memo["network"] = compile_network(ruleset.rules)
    return network


# (cost, value) pairs to try -> the (cost, value, index of the platform it makes win) of those that change it.
Search = Callable[[Facts, list[tuple[float, Any]], tuple[int, ...], int], list[tuple[float, Any, int]]]
# The most rules compile_search writes into one function: past this many readers of a field, the what-if search
# is better off narrowing them to the few its value decides (whatif.py does).
SEARCH_RULES = 64


def compile_search(rules: Sequence[CompiledRule], path: str) -> Search:
    """One function for the what-if search over the field `path`, which every one of `rules` reads.

    search(facts, candidates, rest, chosen) tries each (cost, value) of `candidates` as the value of `path`,
    the other facts as given: it adds up the points and forbids of the `rules` that match then to `rest` (the
    tally without them: vm, container, hybrid points, then forbids), picks the winner as
    scoring.winning_index does, and returns (cost, value, winner) for each value whose winner is not `chosen`.
    What is the same for every value (the other facts, the leaves that do not read `path`) is worked out once,
    before the loop, and when those leaves leave no rule able to match, no value is tried. Written like the
    network: only local names, indexes and table reads are code.
    """
    writer = _Writer(local_facts=True)
    checks = []
    weights = []
    for position, compiled in enumerate(rules):
        condition = writer.condition(compiled.rule.when, iter(compiled.leaves), set())
        weight = (*compiled.points, *compiled.bans)
        weights.append(weight)
        adds = [f"{name} += weights[{position}][{i}]" for i, name in enumerate(_TALLIES) if weight[i]]
        checks.append(f"        if {condition}: {'; '.join(adds) or 'pass'}")
    varied = writer.values[path]
    # A rule cannot match, whatever the value, once a leaf it requires (itself, or a leaf of its top-level all)
    # that reads another field is false. When that is so of every rule, no value changes the tally (none of them
    # matched, so `rest` is the whole tally, whose winner is `chosen`): the search is over before it starts.
    possible: list[str] = []
    for compiled in rules:
        required = [writer.leaf(leaf, set()) for leaf in compiled.required_leaves() if leaf.path != path]
        if not required:
            possible = []
            break
        possible.append("(" + " and ".join(required) + ")")
    fixed, per_value = [], []
    for line, (reads, is_test) in zip(writer.lines, writer.line_reads, strict=True):
        if reads != varied:
            fixed.append(line)
        elif is_test:  # the fact itself comes from the loop
            per_value.append("    " + line)
    first, second, third = TIE_INDEXES
    source = "\n".join(
        [
            "def search(facts, candidates, rest, chosen):",
            *fixed,
            *([f"    if not ({' or '.join(possible)}): return []"] if possible else []),
            "    r0, r1, r2, r3, r4, r5 = rest",
            "    found = []",
            "    for cost, value in candidates:",
            f"        f{varied} = value",
            *per_value,
            "        p0, p1, p2, b0, b1, b2 = r0, r1, r2, r3, r4, r5",
            *checks,
            # scoring.winning_index, written out: the highest points among the platforms not forbidden, ties
            # going to the earlier in TIE_ORDER.
            "        best = -1",
            f"        if not b{first}: best = {first}; top = p{first}",
            f"        if not b{second} and (best < 0 or p{second} > top): best = {second}; top = p{second}",
            f"        if not b{third} and (best < 0 or p{third} > top): best = {third}",
            "        if best >= 0 and best != chosen: found.append((cost, value, best))",
            "    return found",
        ]
    )
    scope: dict[str, Any] = {
        "paths": tuple(writer.values),
        "tests": tuple(writer.tests),
        "operands": tuple(writer.operands),
        "weights": tuple(weights),
    }
    exec(compile(source + "\n", "<advisor what-if search>", "exec"), scope)  # our own source, as above
    return scope["search"]


_TALLIES = ("p0", "p1", "p2", "b0", "b1", "b2")
