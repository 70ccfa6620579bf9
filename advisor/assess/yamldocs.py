"""YAML inputs (Compose files, Kubernetes manifests) read with the project's bounded YAML loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.assess.limits import refuse
from advisor.errors import FieldError, InvalidInput
from advisor.yamlio import Lines, Unreadable, YAMLSyntaxError, load_all, read_text


def documents(path: Path, shown: str) -> tuple[list[Any], Lines]:
    """Every document of a YAML file, or InvalidInput naming the file and line (aliases and depth bounded)."""
    try:
        text = read_text(path)
    except Unreadable as exc:
        raise refuse(shown, str(exc)) from None
    try:
        return load_all(text)
    except YAMLSyntaxError as exc:
        raise InvalidInput([FieldError("", str(exc), file=shown, line=exc.line)]) from None


def dotted(*steps: Any) -> str:
    """A path in a document as people write it: services.web.deploy.replicas, spec.containers[0].image."""
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text
