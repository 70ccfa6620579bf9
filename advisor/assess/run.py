"""One assessment from start to end: what the CLI and the API both call."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from advisor.assess.compare import compare, load_previous
from advisor.assess.infer import with_unknowns
from advisor.assess.portfolio import Assessed, assess_items, report
from advisor.assess.readers import read_inputs
from advisor.engine.loader import RuleSet

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def assess_files(
    inputs: list[tuple[Path, str]],
    ruleset: RuleSet,
    *,
    limit: int,
    host_os: str = "linux",
    previous: tuple[Path, str] | None = None,
) -> tuple[dict[str, Any], list[Assessed]]:
    """Read the inputs, infer and recommend, and build the report (with the changes since `previous`)."""
    earlier = load_previous(*previous, limit) if previous else None
    inventories = read_inputs(inputs, limit)
    assessed = assess_items(inventories, ruleset, host_os, keep=False)
    data = report(inventories, assessed, ruleset, host_os=host_os, paths={shown: path for path, shown in inputs})
    if earlier is not None and previous is not None:
        data["changes"] = compare(earlier, data, previous[1])
    return data, assessed


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("...").strip()


def _comment(text: str) -> str:
    """Text for one comment line: line breaks and other control characters (from an input) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", " ", text)


def profile_file(item: Assessed) -> str:
    """An item's profile as YAML to correct and assess again, with what each field rests on as comments."""
    lines = [
        f"{item.id}: inferred by `advisor assess` from {item.observed.where}.",
        "Correct what is wrong, fill in what is unknown, then run `advisor assess` on this file again.",
    ]
    for part, sources in item.sources.items():
        if part:
            lines.append(f"component {part}:")
        if item.observed.profile is None and (part or not item.profile.components):
            sources = with_unknowns(sources)
        for source in sources:
            where = f" [{'; '.join(source.where)}]" if source.where else ""
            value = "" if source.value is None else f" = {_flow(source.value)}"
            lines.append(f"  {source.field}{value}: {source.how}, {source.because}{where}")
    body = yaml.dump(item.profile.given(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {_comment(line)}\n" for line in lines) + body


def profile_files(assessed: list[Assessed]) -> dict[str, str]:
    """Every item's profile file, by file name (the item's id: unique, a DNS label)."""
    return {f"{item.id}.yaml": profile_file(item) for item in assessed}
