"""Fixtures, and nothing else: the shipped rule set, a CLI runner, rule files, the app, a live gunicorn, a browser.

Helpers the test modules share are in tests/support.py. Markers (registered in pyproject.toml): `browser`
tests drive chromium, `libvirt` tests drive libvirt and QEMU, `live` tests start gunicorn; `make test-fast`
leaves all three out.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from advisor.engine.loader import RuleSet, load_rules
from advisor.web import create_app
from tests.support import CHROMIUM_ARGS, ContractClient, serving, tool


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


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The base URL of a real gunicorn serving the app with the shipped rules, on loopback."""
    with serving() as server:
        yield server.url


@pytest.fixture
def log_lines():
    return io.StringIO()


@pytest.fixture
def app(log_lines):
    return create_app({"RELOAD_SECONDS": 0, "LOG_STREAM": log_lines})


@pytest.fixture
def api(app):
    """The app's test client; every answer must match openapi.yaml."""
    return ContractClient(app.test_client())


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium (Debian's, driven by playwright, which downloads no browser) for the whole session;
    each test opens its own contexts (cheap, isolated)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=tool("chromium"), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
