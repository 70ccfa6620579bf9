"""The model-made part of openapi.yaml: the profile and result schemas, exported from the pydantic models.

The routes in openapi.yaml are written by hand; the schemas between its two GENERATED markers come from
here, so the contract cannot drift from the model (tests/test_contract.py checks they agree).
Regenerate with `python -m advisor.web.contract openapi.yaml`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from advisor.models import Recommendation, WorkloadProfile
from advisor.output.data import LONG_TEXT_FIELDS

BEGIN = "    # BEGIN GENERATED from the models by `python -m advisor.web.contract openapi.yaml`; do not edit\n"
END = "    # END GENERATED\n"
REF = "#/components/schemas/{model}"


def _lift(schema: dict[str, Any]) -> dict[str, Any]:
    """A model schema and its $defs as named component schemas."""
    schema = dict(schema)
    found = schema.pop("$defs", {})
    found[schema["title"]] = schema
    return found


def model_schemas() -> dict[str, Any]:
    """Every schema the models define, by name, as OpenAPI component schemas.

    The long texts of a result are optional here, because `?explain=false` leaves them out.
    """
    schemas = _lift(WorkloadProfile.model_json_schema(ref_template=REF))
    schemas |= _lift(Recommendation.model_json_schema(mode="serialization", by_alias=True, ref_template=REF))
    for name, fields in LONG_TEXT_FIELDS.items():
        schemas[name]["required"] = [f for f in schemas[name]["required"] if f not in fields]
    return dict(sorted(schemas.items()))


def generated_block() -> str:
    """The YAML text that goes between the markers in openapi.yaml."""
    text = yaml.safe_dump(model_schemas(), sort_keys=False, allow_unicode=True, width=110)
    return "".join("    " + line if line.strip() else line for line in text.splitlines(keepends=True))


def rewrite(path: Path) -> bool:
    """Replace the generated block of the contract at `path`; True if it changed."""
    text = path.read_text(encoding="utf-8")
    head, found, rest = text.partition(BEGIN)
    _, ended, tail = rest.partition(END)
    if not found or not ended:
        raise SystemExit(f"{path}: the GENERATED markers are missing")
    updated = head + BEGIN + generated_block() + END + tail
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":  # pragma: no cover - a maintainer's command, checked by the contract test
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "openapi.yaml")
    print(f"{target}: {'updated' if rewrite(target) else 'already up to date'}")
