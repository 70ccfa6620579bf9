"""Shared fixtures: the shipped rule set, a CLI runner, rule files and profiles, and a live gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
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


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its base URL and the file its output (gunicorn's and the app's log lines) goes to."""

    url: str
    log: Path

    def log_lines(self) -> list[str]:
        """Everything the server has written so far, line by line."""
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()


@contextmanager
def serving(env: dict[str, str] | None = None, *, workers: int = 2) -> Iterator[Server]:
    """Run the real service under gunicorn on a free loopback port with the shipped settings.

    `env` adds environment variables (ADVISOR_RULES, ADVISOR_RELOAD_SECONDS...). The server's stderr
    (gunicorn's messages and the app's JSON log lines) is kept and shown if it fails to start.
    """
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("ADVISOR_RULES", "PROMETHEUS_MULTIPROC_DIR")}
    environment.update(ADVISOR_PORT=str(port), ADVISOR_WORKERS=str(workers), **(env or {}))
    log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"gunicorn did not start:\n{log.read()}")
            try:
                if requests.get(url + "/healthz", timeout=2).ok:
                    break
            except requests.RequestException:  # not listening yet, or a worker still booting
                time.sleep(0.05)
        yield Server(url, Path(log.name))
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        os.unlink(log.name)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The base URL of a real gunicorn serving the app with the shipped rules, on loopback."""
    with serving() as server:
        yield server.url
