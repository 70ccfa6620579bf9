"""Shared fixtures: the shipped rule set, a CLI runner, rule files and profiles, and a live gunicorn."""

from __future__ import annotations

import io
import json
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
import yaml
from click.testing import CliRunner
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from playwright.sync_api import Browser, sync_playwright

from advisor.engine.loader import RuleSet, load_rules
from advisor.models import WorkloadProfile
from advisor.web import create_app

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
        """The complete lines the server has written so far (one may be half written while we read)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text[: text.rfind("\n") + 1].splitlines()


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


@contextmanager
def immutable(path):
    """Make path immutable (chattr +i: even root cannot replace it or write in it) for the block.

    Skips where chattr cannot (some file systems do not support the flag).
    """
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +i does not work here")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The base URL of a real gunicorn serving the app with the shipped rules, on loopback."""
    with serving() as server:
        yield server.url


# --- The app in-process, every answer checked against openapi.yaml ---

CONTRACT = OpenAPI.from_file_path(
    str(ROOT / "openapi.yaml"),
    config=Config(
        extra_media_type_deserializers={
            "application/problem+json": json.loads,
            # A profile is one document; a starter's stream (Kubernetes manifests) is read as their list.
            "application/yaml": lambda text: (lambda docs: docs[0] if len(docs) == 1 else docs)(
                list(yaml.safe_load_all(text))
            ),
            # Files are checked as text here; their content is checked by the tests that parse them.
            "application/xml": bytes.decode,
            "text/markdown": bytes.decode,
            "application/zip": lambda data: data.decode("latin-1"),
        }
    ),
)
CHECKOUT = yaml.safe_load((ROOT / "examples" / "checkout-api.yaml").read_text())  # a profile, as data


class AnsweredRequest(WerkzeugOpenAPIRequest):
    """The request a response answered; its body was read by the app, and checking a response needs none."""

    @property
    def body(self) -> bytes:
        return b""


class ContractClient:
    """A test client whose every response must match the contract (status, media type, headers, body)."""

    def __init__(self, client) -> None:
        self.client = client

    def open(self, *args, **kwargs):
        response = self.client.open(*args, **kwargs)
        CONTRACT.validate_response(AnsweredRequest(response.request), WerkzeugOpenAPIResponse(response))
        return response

    def get(self, path, **kwargs):
        return self.open(path, method="GET", **kwargs)

    def post(self, path, **kwargs):
        return self.open(path, method="POST", **kwargs)


@pytest.fixture
def log_lines():
    return io.StringIO()


@pytest.fixture
def app(log_lines):
    return create_app({"RELOAD_SECONDS": 0, "LOG_STREAM": log_lines})


@pytest.fixture
def api(app):
    return ContractClient(app.test_client())


def contract_session() -> requests.Session:
    """A requests session whose every answer from a live server must match openapi.yaml."""

    def check(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        CONTRACT.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))

    session = requests.Session()
    session.hooks["response"].append(check)
    return session


# --- A real browser: Debian's chromium, driven by playwright (which downloads no browser) ---

CHROMIUM = "/usr/bin/chromium"
# Headless as root, and nothing may reach the network: chromium's own background traffic is turned off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole session; each test opens its own contexts (cheap, isolated)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
