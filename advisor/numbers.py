"""How numbers are written: a whole float is an int (16, not 16.0), in data and in text alike.

JSON's 1e1 and YAML's 10.0 are floats; people and golden files expect 10. One home for the rule, so the
profile, the messages, the form and the capacity estimate agree.
"""

from __future__ import annotations

from typing import Any


def whole(value: Any) -> Any:
    """16.0 -> 16; any other value, floats with a fraction included, unchanged."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def whole_all(data: Any) -> Any:
    """`whole` applied to every number in JSON-like data (dicts and lists, nested)."""
    if isinstance(data, dict):
        return {key: whole_all(value) for key, value in data.items()}
    if isinstance(data, list):
        return [whole_all(value) for value in data]
    return whole(data)


def number_text(value: Any) -> str:
    """A number as text: '16' for 16 and 16.0, '0.5' for 0.5."""
    return str(whole(value))


def grouped_text(value: float) -> str:
    """A bound as text, thousands grouped: '1,000,000', '0.001'."""
    return f"{int(value):,}" if float(value).is_integer() else str(value)


def rounded(value: float) -> float | int:
    """A whole number as an int, anything else rounded to three places, so output reads 16 rather than 16.0."""
    return int(value) if float(value).is_integer() else round(value, 3)
