"""JSON and YAML: the canonical result shape, byte-identical for the same input."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from advisor.models import Recommendation

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# `considered` appears only when an explanation was asked for; otherwise the shape is exactly the contract's.
_UNEXPLAINED = {"considered": True, "components": {"__all__": {"considered"}}}


def to_data(result: Recommendation) -> dict[str, Any]:
    """The result as plain data, keys in the contract's order."""
    return result.model_dump(mode="json", by_alias=True, exclude=_UNEXPLAINED if result.considered is None else None)


def as_json(results: Sequence[Recommendation], color: bool = False) -> str:
    """One JSON object for one result, a JSON array for several; two-space indent, newline at the end."""
    data: Any = to_data(results[0]) if len(results) == 1 else [to_data(r) for r in results]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def as_yaml(results: Sequence[Recommendation], color: bool = False) -> str:
    """One YAML document per result, keys in the contract's order."""
    return yaml.dump_all([to_data(r) for r in results], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
