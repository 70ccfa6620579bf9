"""Read rule files, keep line numbers, validate, compile, and layer rule directories into one RuleSet.

Layers, in order: the shipped rules, each directory of ADVISOR_RULES, each --rules directory. A rule of a
later layer replaces the rule of an earlier layer with the same id; `{id, disabled: true}` switches one
off. Within one layer an id may appear once. Any problem refuses the whole set: a broken rule never
loads silently.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from advisor.engine.evaluate import CompiledLeaves, CompiledRule, ConditionProblem, compile_rule
from advisor.engine.schema import COMBINATORS, DisabledRule, Rule, RuleEntry, RuleFile
from advisor.errors import RuleError, RuleProblem
from advisor.validation import describe, display_loc, locate
from advisor.yamlio import Lines, Unreadable, YAMLSyntaxError, load_all, read_text

RULE_SUFFIXES = (".yaml", ".yml")
_RULE_FILE = TypeAdapter(RuleFile)
_RULE_ENTRY = TypeAdapter(RuleEntry)
_RULE_LIST = TypeAdapter(list[Rule])


def builtin_rules_dir() -> Path:
    """Where the shipped rules are: the top-level rules/ folder, installed as advisor.shipped_rules."""
    return Path(str(files("advisor.shipped_rules")))


def builtin_rules_version() -> str:
    """The shipped rule set's version, kept beside the rules."""
    from advisor.shipped_rules import VERSION

    return VERSION


def env_rule_dirs() -> list[str]:
    """Directories named by ADVISOR_RULES (an os.pathsep-separated list); blanks around entries are ignored."""
    return [entry.strip() for entry in os.environ.get("ADVISOR_RULES", "").split(os.pathsep) if entry.strip()]


Layer = tuple[Path, str]  # a rule directory, and where it was named (for messages)


@dataclass
class RuleSet:
    """The rules in force, with the version and content digest every result reports."""

    rules: list[CompiledRule]
    version: str
    digest: str
    sources: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # rule id -> file it came from
    # What the engine works out once per rule set, on first use (the what-if search's field order, the index).
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def readers(self) -> dict[str, list[CompiledRule]]:
        """For each field path some rule reads, the rules that read it (for the what-if search)."""
        found: dict[str, list[CompiledRule]] = {}
        for compiled in self.rules:
            for path in sorted(compiled.fields):
                found.setdefault(path, []).append(compiled)
        return found

    @cached_property
    def constants(self) -> dict[str, list[Any]]:
        """For each field path, the distinct values rules compare it with, in a stable order."""
        found: dict[str, set[Any]] = {}
        for compiled in self.rules:
            for leaf in compiled.leaves:
                values = leaf.operand if isinstance(leaf.operand, frozenset) else [leaf.operand]
                found.setdefault(leaf.path, set()).update(v for v in values if v is not None)
        return {path: sorted(values, key=repr) for path, values in found.items()}

    @cached_property
    def by_id(self) -> dict[str, CompiledRule]:
        """The active rules by id."""
        return {compiled.rule.id: compiled for compiled in self.rules}

    def get(self, rule_id: str) -> CompiledRule | None:
        """The active rule with this id, if any."""
        return self.by_id.get(rule_id)

    def summary(self) -> dict[str, Any]:
        """{version, digest, rules}: what a result reports so a decision can be reproduced."""
        return {"version": self.version, "digest": self.digest, "rules": len(self.rules)}


def rule_files(directory: Path, origin: str = "") -> list[Path]:
    """The rule files directly inside a directory, in name order (tests/ is not rules).

    `origin` says where the directory was named (such as "from ADVISOR_RULES"), for the error message.
    """
    if not directory.is_dir():
        where = f" ({origin})" if origin else ""
        raise RuleError([RuleProblem(str(directory), None, None, f"not a directory of rule files{where}")])
    # A rule file that is a dangling or looping link is kept, so that reading it reports it by name
    # (a ConfigMap mount is all links): a rule that silently disappears is worse than a refused set.
    return sorted(p for p in directory.iterdir() if p.suffix in RULE_SUFFIXES and (p.is_symlink() or not p.is_dir()))


def _without_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's discriminated-union tags from an error location (`when.all.all[0]` -> `when.all[0]`).

    The tags are: `rule` or `disabled` right after `rules[i]`, `leaf`, and a combinator name before the
    field of the same name. A field really called `disabled` is kept.
    """
    kept: list[Any] = []
    for index, step in enumerate(loc):
        following = loc[index + 1] if index + 1 < len(loc) else None
        rule_tag = index == 2 and loc[0] == "rules" and step in ("rule", "disabled")
        if rule_tag or step == "leaf" or (step in COMBINATORS and following == step):
            continue
        kept.append(step)
    return tuple(kept)


def _problems_from_validation(
    errors: list[Any], data: Any, lines: Lines, file: str, prefix: tuple[Any, ...] = ()
) -> list[RuleProblem]:
    problems = []
    for error in errors:
        loc = _without_tags(prefix + tuple(error["loc"]))
        rule_id = None
        if _in_a_rule(loc):
            raw = data.get("rules", [])[loc[1]] if isinstance(data, dict) else None
            rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        kept, line = locate(data, loc, lines)
        inner = kept[2:] if rule_id is not None else kept
        where = display_loc(inner)
        model = Rule if rule_id is not None else RuleFile
        message = describe({**error, "loc": loc[2:] if rule_id else loc}, model)
        problems.append(RuleProblem(file, line, rule_id, f"{where}: {message}" if where else message))
    return problems


@dataclass
class Entry:
    """One rule as read from a file: the rule, its compiled form (None when it disables), and where it is."""

    rule: Rule | DisabledRule
    compiled: CompiledRule | None
    file: str
    index: int
    lines: Lines

    @property
    def line(self) -> int | None:
        """The line of the rule's id (found only when an error needs it)."""
        return self.lines.at(0, ("rules", self.index, "id"))


def _in_a_rule(loc: tuple[Any, ...]) -> bool:
    return len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int)


def _validate_each(data: dict[str, Any], lines: Lines, name: str, exc: ValidationError) -> tuple[list, list]:
    """After the whole file failed validation: validate rule by rule, so every problem is reported."""
    about_the_file = [e for e in exc.errors(include_url=False) if not _in_a_rule(tuple(e["loc"]))]
    problems = _problems_from_validation(about_the_file, data, lines, name)
    parsed = []
    raw_rules = data.get("rules")
    for index, raw in enumerate(raw_rules if isinstance(raw_rules, list) else []):
        try:
            parsed.append((index, _RULE_ENTRY.validate_python(raw)))
        except ValidationError as rule_exc:
            errors = rule_exc.errors(include_url=False)
            problems += _problems_from_validation(errors, data, lines, name, prefix=("rules", index))
    return parsed, problems


def load_file(path: Path, known: CompiledLeaves | None = None) -> list[Entry]:
    """Read and check one rule file; raise RuleError listing every problem in it.

    `known`: the leaves compiled so far in this load (see `compile_rule`).
    """
    name = str(path)
    try:
        documents, lines = load_all(read_text(path))
    except Unreadable as exc:
        raise RuleError([RuleProblem(name, None, None, str(exc))]) from None
    except YAMLSyntaxError as exc:
        raise RuleError([RuleProblem(name, exc.line, None, str(exc))]) from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise RuleError([RuleProblem(name, 1, None, "a rule file is one YAML mapping with a 'rules' list")])
    data = documents[0]
    problems: list[RuleProblem] = []
    try:
        parsed = list(enumerate(_RULE_FILE.validate_python(data).rules))
    except ValidationError as exc:
        parsed, problems = _validate_each(data, lines, name, exc)
    loaded: list[Entry] = []
    seen: dict[str, Entry] = {}
    for index, rule in parsed:
        entry = Entry(rule, None, name, index, lines)
        if rule.id in seen:
            message = f"duplicate id: already defined on line {seen[rule.id].line}"
            problems.append(RuleProblem(name, entry.line, rule.id, message))
            continue
        seen[rule.id] = entry
        if isinstance(rule, Rule):
            try:
                entry.compiled = compile_rule(rule, known)
            except ConditionProblem as problem:
                _, line = locate(data, ("rules", index, *problem.loc), lines)
                problems.append(RuleProblem(name, line, rule.id, f"{display_loc(problem.loc[:-1])}: {problem.msg}"))
                continue
        loaded.append(entry)
    if problems:
        raise RuleError(sorted(problems, key=lambda p: p.line or 0))
    return loaded


def _layer(directory: Path, origin: str, known: CompiledLeaves) -> dict[str, Entry]:
    """The rules of one directory, by id; an id may appear once in a layer."""
    found: dict[str, Entry] = {}
    problems: list[RuleProblem] = []
    for path in rule_files(directory, origin):
        try:
            entries = load_file(path, known)
        except RuleError as exc:
            problems.extend(exc.problems)
            continue
        for entry in entries:
            if entry.rule.id in found:
                first = found[entry.rule.id]
                message = f"duplicate id: also defined in {first.file}:{first.line}"
                problems.append(RuleProblem(entry.file, entry.line, entry.rule.id, message))
                continue
            found[entry.rule.id] = entry
    if problems:
        raise RuleError(problems)
    return found


def digest_of(rules: Iterable[Rule]) -> str:
    """sha256 over the canonical JSON of the active rules, sorted by id (pydantic writes it, in field order)."""
    canonical = _RULE_LIST.dump_json(sorted(rules, key=lambda r: r.id), by_alias=True)
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def snapshot_of(ruleset: RuleSet) -> bytes:
    """The rule set as JSON: every active rule (validated already), with its version, digest and origins.

    A server writes it after each successful load so that a worker started while the files on disk are
    refused can still serve the last good set (see `from_snapshot`).
    """
    data = {
        "version": ruleset.version,
        "digest": ruleset.digest,
        "sources": ruleset.sources,
        "replaced": ruleset.replaced,
        "disabled": ruleset.disabled,
        "files": ruleset.files,
        "rules": _RULE_LIST.dump_python(
            [c.rule for c in ruleset.rules], by_alias=True, mode="json", exclude_unset=True
        ),
    }
    return json.dumps(data, ensure_ascii=False).encode()


def from_snapshot(data: bytes) -> RuleSet:
    """The rule set a snapshot holds, each rule validated and compiled again; ValueError if it is not one.

    The digest is worked out again and must be the one recorded, so a damaged snapshot is never served.
    """
    try:
        saved = json.loads(data)
        known: CompiledLeaves = {}
        rules = [compile_rule(rule, known) for rule in _RULE_LIST.validate_python(saved["rules"], strict=False)]
        ruleset = RuleSet(
            rules=sorted(rules, key=lambda c: c.rule.id),
            version=saved["version"],
            digest=digest_of(c.rule for c in rules),
            sources=saved["sources"],
            replaced=saved["replaced"],
            disabled=saved["disabled"],
            files=saved["files"],
        )
    except (ValueError, KeyError, TypeError, ConditionProblem) as exc:
        raise ValueError(f"not a rule set snapshot: {exc.__class__.__name__}") from None
    if ruleset.digest != saved["digest"] or not rules:
        raise ValueError("not a rule set snapshot: its rules do not match its digest")
    return ruleset


def load_rules(extra_dirs: Sequence[str | Path] = (), *, builtin: bool = True, use_env: bool = True) -> RuleSet:
    """Load the shipped rules (unless `builtin` is False), then ADVISOR_RULES, then `extra_dirs`."""
    # Loading allocates many small objects that all stay alive; the cyclic garbage collector would scan
    # them again and again for nothing (it took two thirds of the time for 10,000 rules), so pause it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_rules(extra_dirs, builtin=builtin, use_env=use_env)
    finally:
        if collecting:
            gc.enable()


def rule_layers(extra_dirs: Sequence[str | Path] = (), *, builtin: bool = True, use_env: bool = True) -> list[Layer]:
    """The rule directories in layer order, each with where it was named: shipped, ADVISOR_RULES, extra."""
    layers: list[Layer] = [(builtin_rules_dir(), "the shipped rules")] if builtin else []
    layers += [(Path(d), "from ADVISOR_RULES") for d in (env_rule_dirs() if use_env else [])]
    return layers + [(Path(d), "") for d in extra_dirs]


def _load_rules(extra_dirs: Sequence[str | Path], *, builtin: bool, use_env: bool) -> RuleSet:
    layers = rule_layers(extra_dirs, builtin=builtin, use_env=use_env)
    active: dict[str, CompiledRule] = {}
    origin: dict[str, str] = {}
    replaced: list[str] = []
    disabled: list[str] = []
    problems: list[RuleProblem] = []
    known: CompiledLeaves = {}
    for directory, named in layers:
        try:
            layer = _layer(directory, named, known)
        except RuleError as exc:
            problems.extend(exc.problems)
            continue
        for rule_id, entry in layer.items():
            if entry.compiled is None:
                if active.pop(rule_id, None) is None and rule_id not in disabled:
                    message = "disabled: no earlier rule has this id"
                    problems.append(RuleProblem(entry.file, entry.line, rule_id, message))
                disabled.append(rule_id)
                continue
            if rule_id in active:
                replaced.append(rule_id)
            active[rule_id] = entry.compiled
            origin[rule_id] = entry.file
    if problems:
        raise RuleError(problems)
    if not active:
        where = ", ".join(str(directory) for directory, _ in layers) or "(no rule directories)"
        raise RuleError([RuleProblem(where, None, None, "no rules")])
    rules = sorted(active.values(), key=lambda c: c.rule.id)
    version = builtin_rules_version() + ("+local" if len(layers) > 1 else "") if builtin else "local"
    return RuleSet(
        rules=rules,
        version=version,
        digest=digest_of(c.rule for c in rules),
        sources=[str(directory) for directory, _ in layers],
        replaced=sorted(set(replaced)),
        disabled=sorted(set(disabled)),
        files={rule_id: origin[rule_id] for rule_id in sorted(active)},
    )
