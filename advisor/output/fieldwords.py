"""A profile field in words, from the model's own title and description (the help beside each field), and a
what-if flip said in those words, so the page, the text, the Markdown and the form say one thing.

"if it also had to run bsd guests → Virtual machines", "if kernel were modules (loads its own kernel modules)
instead of shared → Virtual machines", rather than `workload.kernel: shared -> modules`.
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from advisor.engine.catalogue import CATALOGUE
from advisor.models import ComponentResult, Flip, Recommendation, WorkloadProfile
from advisor.validation import plain
from advisor.wording import PLATFORM_TITLES

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def model_field(path: str) -> FieldInfo:
    """The pydantic field a dotted profile path ("workload.kernel") names."""
    section, name = path.split(".")
    model = WorkloadProfile.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model.model_fields[name]


def glosses(description: str, choices: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (choices, short gloss) a description opens with, one sentence each ("single: one team. multi-trusted:
    teams of one organisation, who ..." -> ("single", "one team"), ("multi-trusted", "teams of one organisation")):
    each gloss up to its first comma. None unless it glosses two or more."""
    found = []
    for sentence in SENTENCE_END.split(" ".join(description.split())):
        named = re.match(r"^([a-z0-9, -]+): (.*)$", sentence)
        if not (named and choices and all(c.strip() in choices for c in named.group(1).split(","))):
            break
        found.append((named.group(1), re.split(r"[,;(.]", named.group(2))[0].strip()))
    return found if len(found) > 1 else []


@cache
def _words(path: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A field's label (its title, lower case) and the glosses of its choices."""
    spec = CATALOGUE.get(path)
    if spec is None:  # not a profile field the engine knows: its path is all there is to say
        return path, ()
    info = model_field(path)
    choices = tuple(spec.choices) if spec.kind == "enum" else ()
    return (info.title or path).lower(), tuple(glosses(info.description or "", choices))


def meaning(path: str, choice: object) -> str:
    """What one choice of a field means in a few words ("loads its own kernel modules"), or ""."""
    return next((gloss for named, gloss in _words(path)[1] if choice in named.split(", ")), "")


def flip_sentence(flip: Flip) -> str:
    """One flip as a sentence a person reads; for a flip with no change, that nothing one could change would."""
    change = flip.change
    if change is None:
        return "nothing you could change in one field would change the answer"
    label = _words(change.field)[0]
    before, after = change.from_, change.to
    if isinstance(before, list) and isinstance(after, list) and set(before) < set(after):
        added = ", ".join(str(v) for v in after if v not in before)
        text = f"if it also had {label} {added}"
        if change.field == "workload.os":
            text = f"if it also had to run {added} guests"
    elif isinstance(after, bool):
        text = f"if “{label}” were {'yes' if after else 'no'}"
    else:
        gloss = meaning(change.field, after)  # "modules (loads its own kernel modules)"
        text = f"if {label} were {plain(after)}{f' ({gloss})' if gloss else ''} instead of {plain(before)}"
    return f"{text} → {PLATFORM_TITLES[flip.platform]}"


def flip_words(result: Recommendation | ComponentResult) -> list[str]:
    """Each flip that changes something, as a sentence ("if it also had to run bsd guests → Virtual machines")."""
    return [flip_sentence(flip) for flip in result.flips if flip.change is not None]
