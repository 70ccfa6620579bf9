"""JSON and YAML: the canonical result shape, byte-identical for the same input."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel

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


def to_json(result: Recommendation, *, brief: bool = False, ruleset: RuleSet | None = None) -> str:
    """The result as compact JSON text (the API's answer): exactly `json.dumps(to_data(result, brief=brief))`.

    Given the rule set the result came from, each rule's part of it (a reason, a why-not, a suggestion, a note),
    which the engine builds once per rule, is also written once and kept beside it: most of an answer is
    these texts, so most of it is not encoded again for every request.
    """
    if ruleset is None:
        return json.dumps(to_data(result, brief=brief), ensure_ascii=False)
    return _object_json(result, brief, ruleset, unexplained=result.considered is None)


# Fields whose items are rules' parts of a result; alternatives hold some (why_not) and components are results.
_PART_LISTS = frozenset({"rationale", "against", "technologies", "notes"})


def _compact_encoder() -> Any:
    """What json.dumps(..., ensure_ascii=False) does, made once: json.dumps builds CPython's C encoder afresh
    for every call, which costs more than encoding most of the small objects written here."""
    python = json.JSONEncoder(ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it; another Python keeps the plain encoder
        return python.encode
    # No circular check (markers None): results are trees; the separators and float text are json.dumps' own.
    encoder = make(None, python.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)

    def encode(value: Any) -> str:
        return "".join(encoder(value, 0))

    return encode


_encode = _compact_encoder()


def _object_json(result: Any, brief: bool, ruleset: RuleSet, unexplained: bool) -> str:
    fields: list[str] = []
    plain: dict[str, Any] = {}  # fields in a row that are not lists of parts, encoded together

    def flush() -> None:
        if plain:
            fields.append(_encode(plain)[1:-1])
            plain.clear()

    values = result.__dict__
    for name in type(result).__pydantic_fields__:  # the order model_dump writes them in
        if name in _PART_LISTS:
            items = _list_json(values[name], brief, ruleset, _part_json)
        elif name == "alternatives":
            items = _list_json(values[name], brief, ruleset, _alternative_json)
        elif name == "components":
            items = [_object_json(component, brief, ruleset, unexplained) for component in values[name]]
        elif name in _SHARED_FIELDS and values[name] is not None:
            flush()
            fields.append(f'"{name}": {_shared_json(values[name], brief and name == "capacity")}')
            continue
        else:
            if name != "considered" or not unexplained:
                plain[name] = _plain(values[name], brief and name == "capacity")
            continue
        flush()
        fields.append(f'"{name}": [{", ".join(items)}]')
    flush()
    return "{" + ", ".join(fields) + "}"


# Fields whose values are often one object shared by many results: the rule set's summary (one per rule set)
# and the capacity (remembered for the fields it reads).
_SHARED_FIELDS = frozenset({"capacity", "ruleset"})
SHARED_ENTRIES = 1024
# JSON written from objects many results share (those fields' values; the items of a list of parts, which
# profiles matching the same rules get in the same order), kept by the objects' identities. Each entry holds
# its objects, so none of those ids can be another object's while it lives; a bounded number of them.
_written: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}


def _by_identity(kind: str, objects: tuple[Any, ...], brief: bool, write: Any) -> Any:
    """What write() makes of `objects` (as a `kind`), made once for the same objects and the same `brief`."""
    key = (kind, brief, *map(id, objects))
    kept = _written.get(key)
    if kept is not None:
        return kept[1]
    text = write()
    if len(_written) >= SHARED_ENTRIES:
        _written.clear()
    _written[key] = (objects, text)
    return text


def _shared_json(value: Any, brief: bool) -> str:
    return _by_identity("field", (value,), brief, lambda: _encode(_plain(value, brief)))


def _list_json(items: list[Any], brief: bool, ruleset: RuleSet, write: Any) -> list[str]:
    if not items:
        return []
    return _by_identity("items", tuple(items), brief, lambda: [write(item, brief, ruleset) for item in items])


# Values model_dump(mode="json") gives back unchanged: written as they are, with no call into pydantic.
_AS_IS = (str, int, float, bool, type(None))


def _plain(value: Any, brief_capacity: bool) -> Any:
    """A field's value as model_dump(mode="json", by_alias=True) writes it inside its result."""
    if isinstance(value, _AS_IS):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude={"explanation"} if brief_capacity else None)
    if type(value) is dict and all(type(k) is str and type(v) is int for k, v in value.items()):  # scores
        return value
    if type(value) is list and all(isinstance(item, BaseModel) for item in value):
        return [item.model_dump(mode="json", by_alias=True) for item in value]
    raise TypeError(f"no JSON form for a result field holding {type(value).__name__}")  # pragma: no cover


def _alternative_json(alternative: Any, brief: bool, ruleset: RuleSet) -> str:
    why_not = ", ".join(_part_json(part, brief, ruleset) for part in alternative.why_not)
    head = _encode({"platform": alternative.platform, "score": alternative.score, "forbidden": alternative.forbidden})
    return f'{head[:-1]}, "why_not": [{why_not}]}}'


def _part_json(part: Any, brief: bool, ruleset: RuleSet) -> str:
    """One rule's part of a result as JSON; written once when it is the part the engine keeps on the rule."""
    compiled = ruleset.get(part.rule)
    if compiled is None:
        return _dump_part(part, brief)
    written = compiled.memo.get("json")
    if written is None:
        written = compiled.memo["json"] = {}
    key = (id(part), brief)  # a kept part lives as long as the rule, so no other object has its id
    text = written.get(key)
    if text is None:
        text = _dump_part(part, brief)
        if _kept(part, compiled.memo):
            written[key] = text
    return text


def _kept(part: Any, memo: dict[str, Any]) -> bool:
    """Whether `part` is one the engine keeps on the rule (not one made for a single result)."""
    return any(
        value is part or (type(value) is list and any(item is part for item in value)) for value in memo.values()
    )


def _dump_part(part: Any, brief: bool) -> str:
    left_out = set(LONG_TEXT_FIELDS.get(type(part).__name__, ())) if brief else None
    return _encode(part.model_dump(mode="json", by_alias=True, exclude=left_out))


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
