"""What changed between two reports: items new and gone, verdicts that changed and profiles that did, with why.

The previous report is the JSON one (kept in git beside the inventory). An item is the same item when its
id is; for each changed one, the why names the profile fields whose values changed, the reasons that came
or went, and a change of rule set when nothing in the item itself changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor.assess.limits import refuse
from advisor.errors import FieldError, InvalidInput
from advisor.profiles import load_json

COMPARED = ("verdict", "platform", "confidence", "wave")


def load_previous(path: Path, shown: str, limit: int) -> dict[str, Any]:
    """A previous JSON report, or InvalidInput naming the file and what is wrong with it."""
    from advisor.assess.limits import check_size

    check_size(path, shown, limit)
    try:
        data = load_json(path.read_bytes(), shown)
    except OSError as exc:
        raise refuse(shown, f"cannot read: {exc.strerror or exc}") from None
    if not isinstance(data, dict) or data.get("report") != "advisor assessment":
        raise refuse(shown, "is not an advisor assessment report in JSON (`advisor assess --format json`)")
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        raise InvalidInput([FieldError("items", "each item needs an id", file=shown)])
    return data


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        found: dict[str, Any] = {}
        for key, value in data.items():
            found.update(_flat(value, f"{prefix}{key}."))
        return found
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):  # components, by name
        return {k: v for item in data for k, v in _flat(item, f"{prefix}{item.get('name', '?')}.").items()}
    return {prefix.rstrip("."): data}


def _shown(value: Any) -> str:
    return "unset" if value is None else json.dumps(value, ensure_ascii=False)


def _why(before: dict[str, Any], after: dict[str, Any], rules_changed: bool) -> list[str]:
    why = []
    old, new = _flat(before.get("profile") or {}), _flat(after.get("profile") or {})
    for field in sorted(old.keys() | new.keys()):
        if old.get(field) != new.get(field):
            why.append(f"{field}: {_shown(old.get(field))} → {_shown(new.get(field))}")
    old_reasons = [r.get("rule") for r in before.get("reasons") or [] if isinstance(r, dict)]
    new_reasons = [r.get("rule") for r in after.get("reasons") or []]
    why += [f"reason {rule} now counts" for rule in new_reasons if rule not in old_reasons]
    why += [f"reason {rule} no longer counts" for rule in old_reasons if rule not in new_reasons]
    if not why and rules_changed:
        why.append("the rules changed; the item did not")
    return why


def compare(previous: dict[str, Any], current: dict[str, Any], previous_name: str) -> dict[str, Any]:
    """The changes from the previous report to the current one, in a fixed order."""
    before = {item["id"]: item for item in previous["items"]}
    after = {item["id"]: item for item in current["items"]}
    old_rules, new_rules = previous.get("ruleset") or {}, current["ruleset"]
    rules_changed = old_rules.get("digest") != new_rules["digest"]
    changed, updated = [], []
    for item_id in sorted(before.keys() & after.keys()):
        old, new = before[item_id], after[item_id]
        if all(old.get(key) == new.get(key) for key in COMPARED):
            why = _why(old, new, rules_changed=False)
            if why:  # the same verdict from a changed profile: worth a look, not a change of plan
                updated.append({"id": item_id, "why": why})
        else:
            changed.append(
                {
                    "id": item_id,
                    "from": {key: old.get(key) for key in COMPARED},
                    "to": {key: new.get(key) for key in COMPARED},
                    "why": _why(old, new, rules_changed),
                }
            )
    return {
        "previous": previous_name,
        "previous_ruleset": old_rules.get("digest"),
        "rules_changed": rules_changed,
        "new": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": changed,
        "updated": updated,
    }
