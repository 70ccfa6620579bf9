"""JSON and YAML: the canonical result shape, byte-identical for the same input."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from advisor.engine.loader import RuleSet
from advisor.models import Recommendation

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# `considered` appears only when an explanation was asked for; otherwise the shape is exactly the contract's.
_UNEXPLAINED: dict[str, Any] = {"considered": True, "components": {"__all__": {"considered": True}}}
# The long texts a brief answer leaves out; rule ids stay, so every reason can still be looked up.
_LONG_TEXTS: dict[str, Any] = {
    "rationale": {"__all__": {"title", "because", "links"}},
    "alternatives": {"__all__": {"why_not": {"__all__": {"because"}}}},
    "technologies": {"__all__": {"because"}},
    "capacity": {"explanation"},
}
_BRIEF = {**_LONG_TEXTS, "components": {"__all__": _LONG_TEXTS}}
# The same, by model: the API contract marks these optional, since a brief answer has none of them.
LONG_TEXT_FIELDS = {
    "Reason": ("title", "because", "links"),
    "WhyNot": ("because",),
    "Technology": ("because",),
    "Capacity": ("explanation",),
}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = dict(a)
    for key, value in b.items():
        merged[key] = _merge(merged[key], value) if isinstance(merged.get(key), dict) else value
    return merged


def to_data(result: Recommendation, *, brief: bool = False) -> dict[str, Any]:
    """The result as plain data, keys in the contract's order; `brief` leaves out the long texts."""
    exclude: dict[str, Any] = _UNEXPLAINED if result.considered is None else {}
    if brief:
        exclude = _merge(exclude, _BRIEF)
    return result.model_dump(mode="json", by_alias=True, exclude=exclude or None)


def rule_data(ruleset: RuleSet, rule_id: str) -> dict[str, Any]:
    """One rule in force as plain data, with its id first and the file it came from last."""
    compiled = ruleset.get(rule_id)
    if compiled is None:
        raise KeyError(rule_id)
    data = compiled.rule.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data["links"] = [str(link) for link in compiled.rule.links]
    return {"id": rule_id, **data, "file": ruleset.files[rule_id]}


def as_json(results: Sequence[Recommendation], color: bool = False) -> str:
    """One JSON object for one result, a JSON array for several; two-space indent, newline at the end."""
    data: Any = to_data(results[0]) if len(results) == 1 else [to_data(r) for r in results]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def as_yaml(results: Sequence[Recommendation], color: bool = False) -> str:
    """One YAML document per result, keys in the contract's order."""
    return yaml.dump_all([to_data(r) for r in results], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
