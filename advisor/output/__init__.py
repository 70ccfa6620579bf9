"""Formatters: one function per output format, all behind one signature, registered in FORMATTERS.

A formatter takes the results (one per profile) and whether colour is wanted, and returns the text.
Adding a format is one function and one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from advisor.models import Recommendation
from advisor.output.data import as_json, as_yaml
from advisor.output.markdown import as_markdown
from advisor.output.text import as_text

Formatter = Callable[[Sequence[Recommendation], bool], str]

FORMATTERS: dict[str, Formatter] = {
    "text": as_text,
    "json": as_json,
    "yaml": as_yaml,
    "markdown": as_markdown,
}
