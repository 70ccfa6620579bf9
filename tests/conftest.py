"""Shared fixtures: the shipped rule set, a CLI runner, and helpers to write rule files and profiles."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from advisor.engine.loader import RuleSet, load_rules
from advisor.models import WorkloadProfile

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_env_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide their own rule layers; a developer's ADVISOR_RULES must not leak in."""
    monkeypatch.delenv("ADVISOR_RULES", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_rules(use_env=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_rules(tmp_path: Path):
    """Write a rule file (dedented YAML) into a fresh directory and return the directory."""

    def write(text: str, name: str = "org.yaml", directory: str = "org-rules") -> Path:
        folder = tmp_path / directory
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return folder

    return write


def make_profile(**sections: Any) -> WorkloadProfile:
    """A profile named `t` on a Linux host unless `host` is given; keyword arguments are sections."""
    data: dict[str, Any] = {"name": "t", "host": {"os": "linux"}}
    data.update(sections)
    return WorkloadProfile.model_validate(data)
