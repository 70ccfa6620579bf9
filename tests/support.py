"""Helpers the test modules share: paths, profiles, a live gunicorn, the contract-checking clients, tools.

Fixtures live in conftest.py; everything here is imported by name (`from tests.support import ROOT`). Heavy
imports (openapi-core, requests) happen when a helper that needs them is first used, so that collecting the
fast tests stays fast.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lxml.html
import pytest
import yaml
from hypothesis import assume
from hypothesis import strategies as st

from advisor.engine.catalogue import CATALOGUE
from advisor.guests import guest_oses
from advisor.models import WorkloadProfile

if TYPE_CHECKING:
    import requests
    from openapi_core import OpenAPI

ROOT = Path(__file__).resolve().parent.parent
CHECKOUT = yaml.safe_load((ROOT / "examples" / "checkout-api.yaml").read_text())  # a profile, as data


def make_profile(**sections: Any) -> WorkloadProfile:
    """A profile named `t` on a Linux host unless `host` is given; keyword arguments are sections."""
    data: dict[str, Any] = {"name": "t", "host": {"os": "linux"}}
    data.update(sections)
    return WorkloadProfile.model_validate(data)


def guest_profile(name: str, os_id: str, host: dict[str, Any], resources: dict | None = None) -> WorkloadProfile:
    """A one-VM profile for the guest OS `os_id` (of its own family) on `host`, sized by `resources` if given."""
    data: dict[str, Any] = {
        "name": name,
        "host": host,
        "workload": {"os": [guest_oses()[os_id].family], "os_id": os_id},
    }
    if resources is not None:
        data["resources"] = resources
    return WorkloadProfile.model_validate(data)


def assert_refused_on(exc: Exception, field: str) -> None:
    """The profile was refused for its own `field` alone (`name`, else `workload.FIELD`, items included)."""
    where = field if field == "name" else f"workload.{field}"
    errors = getattr(exc, "errors", [])
    assert errors and all(e.loc == where or e.loc.startswith(f"{where}[") for e in errors), errors


def tool(name: str) -> str:
    """The path of a command: the one this Python's environment installed (hadolint comes from PyPI), else the
    one on PATH. Fails, naming it, when there is none: the tests that call this need the real tool."""
    found = shutil.which(name, path=os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ.get("PATH", "")]))
    if found is None:
        pytest.fail(f"{name} is neither in {Path(sys.prefix) / 'bin'} nor on PATH")
    return found


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
    import requests

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
def serving_in_thread(server: socketserver.BaseServer) -> Iterator[str]:
    """Serve an in-process test server (http.server) on a daemon thread; yield its base URL, then stop it.

    It polls for shutdown every 10 ms instead of serve_forever's 0.5 s, so stopping it costs no wall time.
    """
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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


# --- Every answer checked against openapi.yaml ---


def _as_latin1(data: bytes) -> str:
    return data.decode("latin-1")


@functools.cache
def contract() -> OpenAPI:
    """openapi.yaml, ready to check responses against (read once, on first use)."""
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_file_path(
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
                "text/csv": bytes.decode,
                "text/html": bytes.decode,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _as_latin1,
            }
        ),
    )


@functools.cache
def _answered_request() -> type:
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest

    class AnsweredRequest(WerkzeugOpenAPIRequest):
        """The request a response answered; its body was read by the app, and checking a response needs none."""

        @property
        def body(self) -> bytes:
            return b""

    return AnsweredRequest


class ContractClient:
    """A test client whose every response must match the contract (status, media type, headers, body)."""

    def __init__(self, client) -> None:
        self.client = client

    def open(self, *args, **kwargs):
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse

        response = self.client.open(*args, **kwargs)
        contract().validate_response(_answered_request()(response.request), WerkzeugOpenAPIResponse(response))
        return response

    def get(self, path, **kwargs):
        return self.open(path, method="GET", **kwargs)

    def post(self, path, **kwargs):
        return self.open(path, method="POST", **kwargs)


def contract_session() -> requests.Session:
    """A requests session whose every answer from a live server must match openapi.yaml."""
    import requests
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    def check(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        contract().validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))

    session = requests.Session()
    session.hooks["response"].append(check)
    return session


# --- A real browser: Debian's chromium, driven by playwright (which downloads no browser) ---

# Headless as root, and nothing may reach the network: chromium's own background traffic is turned off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


# --- The form: pages parsed, and what a browser would send back ---


def page(response) -> lxml.html.HtmlElement:
    """The response's HTML, parsed."""
    return lxml.html.fromstring(response.get_data(as_text=True))


def form_values(tree) -> dict[str, object]:
    """What each input of the profile form holds, as the browser would send it (checkbox groups as lists)."""
    form = tree.get_element_by_id("profile")
    values: dict[str, object] = {}
    for element in form.cssselect("input, select"):
        name = element.get("name")
        if not name or element.get("type") in ("hidden", "submit") or name == "action":
            continue
        if element.get("type") == "checkbox":
            if element.getparent().tag == "label":  # one of a group
                values.setdefault(name, [])
                if element.get("checked") is not None:
                    values[name].append(element.get("value"))
            else:
                values[name] = element.get("checked") is not None
        elif element.tag == "select":
            chosen = element.cssselect("option[selected]")
            values[name] = chosen[0].get("value", chosen[0].text) if chosen else element.cssselect("option")[0].text
        else:
            values[name] = element.get("value", "")
    return values


def sent(value):
    """What the browser sends for an input's value: a checkbox group with its empty marker, a ticked box as yes."""
    if isinstance(value, list):
        return ["", *value]  # the empty marker the form sends with a checkbox group
    if isinstance(value, bool):
        return ["yes"] if value else []
    return [value]


def answer_of(result):
    """What a result says, without the defaults it rests on (a re-submitted form counts defaults as left alone)."""
    parts = [result, *result.components]
    return [(r.platform, r.confidence, r.scores, [reason.rule for reason in r.rationale]) for r in parts]


def as_submitted(values):
    """A form's values as the pairs a browser posts, asking for a recommendation."""
    return [(k, v) for k, vs in values.items() for v in sent(vs)] + [("action", "recommend")]


# --- Profiles generated by hypothesis ---


def profile_value(spec):
    """A strategy for any value one field of the catalogue can hold (None too, where it may be null)."""
    if spec.kind in ("enum", "bool"):
        element = st.sampled_from(spec.choices)
    elif spec.kind == "number":
        low = spec.minimum if spec.minimum is not None else 0
        low = low + (1 if spec.integer else 0.25) if spec.exclusive_minimum else low
        high = max(low, min(spec.maximum or 1000, 1000))
        element = (
            st.integers(int(low), int(high))
            if spec.integer
            else st.floats(low, high).map(lambda x, low=low: max(low, round(x, 3)))
        )
    else:
        element = st.sampled_from(list(spec.examples) or ["ubuntu24.04", "win2k22", "debian12"])
    if spec.many:
        lists = st.lists(element, min_size=1 if spec.kind == "enum" or spec.optional else 0, max_size=3, unique=True)
        return st.none() | lists if spec.optional else lists
    return st.none() | element if spec.optional else element


def fit_shape(section: dict | None) -> None:
    """Drop a drawn schedule or load balancer the workload's shape cannot have, as the profile model requires: a
    schedule only for a batch job that is no node agent, a load balancer only in front of a service's ports."""
    if not section:
        return
    batch, agent = section.get("architecture") == "batch", section.get("node_agent")
    if section.get("schedule") is not None and (not batch or agent):
        del section["schedule"]
    if section.get("exposure", "cluster") != "cluster" and (batch or agent or section.get("ports") == []):
        del section["exposure"]


def fit_guest_os(section: dict | None) -> None:
    """Add the family of a drawn guest OS to the workload's OSes, as the profile model requires."""
    if section and section.get("os_id"):
        families = section.get("os", ["linux"])
        family = guest_oses()[section["os_id"]].family
        section["os"] = families if family in families else [*families, family]


@st.composite
def profiles(draw):
    """Any valid profile: each field set or left to its default at random."""
    data: dict = {"name": "p", "host": {"os": draw(st.sampled_from(["linux", "windows", "macos"]))}}
    for path, spec in CATALOGUE.items():
        if path == "host.os" or path == "workload.ports" or not draw(st.booleans()):
            continue
        section, field = path.split(".")
        data.setdefault(section, {})[field] = draw(profile_value(spec))
    assume(not (data["host"]["os"] == "macos" and data["host"].get("cloud") in ("azure", "gcp")))
    fit_guest_os(data.get("workload"))
    data["host"] = consistent_host(data["host"])
    if "workload" in data:
        data["workload"] = macos_only_on_a_mac(data["workload"], data["host"]["os"])
    fit_shape(data.get("workload"))
    if data.get("hardware", {}).get("gpus") is not None and data["hardware"].get("gpu") is False:
        del data["hardware"]["gpus"]
    profile = WorkloadProfile.model_validate(data)
    assume(answerable(profile))
    return profile


def answerable(profile: WorkloadProfile) -> bool:
    """False when blockers rule out every platform (vendor support for containers only, and a Mac's GPU):
    such a profile is refused by design, and tests of answers leave it out."""
    from advisor.engine.catalogue import facts_of
    from advisor.engine.evaluate import matching
    from advisor.engine.scoring import outcome_of
    from advisor.errors import NoPlatformFits

    rules = _shipped_rules()
    for part in [profile.component_profile(c) for c in profile.components] or [profile]:
        try:
            outcome_of(matching(rules.rules, facts_of(part)))
        except NoPlatformFits:
            return False
    return True


@functools.cache
def _shipped_rules() -> Any:
    from advisor.engine.loader import load_rules

    return load_rules(use_env=False)


def macos_only_on_a_mac(workload: dict, host_os: str) -> dict:
    """macOS guests run only on Apple hardware (every platform is forbidden elsewhere): keep them to Macs."""
    if host_os == "macos" or "macos" not in workload.get("os", []):
        return workload
    return {**workload, "os": [os for os in workload["os"] if os != "macos"] or ["linux"]}


HOST_KIND_OS = {"hyper-v-server": "windows", "proxmox-ve": "linux", "xcp-ng": "linux"}


def consistent_host(host: dict) -> dict:
    """Drop what a host of its OS cannot have (a Windows build on Linux, Proxmox VE on Windows)."""
    host = dict(host)
    if host["os"] != "windows":
        host.pop("windows_edition", None)
        host.pop("windows_build", None)
    kind = host.get("kind")
    if (kind in HOST_KIND_OS and HOST_KIND_OS[kind] != host["os"]) or (kind == "esxi" and host["os"] == "macos"):
        host.pop("kind")
    return host


# --- The three teams of issue 16, typed into the form in a browser ---


def _example(file: str, **sections: Any) -> dict[str, Any]:
    """An example profile as data, with the sections given in `sections` merged over its own."""
    data = yaml.safe_load((ROOT / "examples" / file).read_text(encoding="utf-8"))
    for section, values in sections.items():
        data[section] = {**data.get(section, {}), **values} if isinstance(values, dict) else values
    return data


def _component(name: str, example: str, component: str | None = None) -> dict[str, Any]:
    """A component named `name` with the sections of an example's component (or of a whole example), its host
    left out: the estate's host is the profile's."""
    data = _example(example)
    if component is not None:
        data = next(c for c in data["components"] if c["name"] == component)
    return {"name": name, **{k: v for k, v in data.items() if isinstance(v, dict) and k != "host"}}


# Issue 16's teams, from the examples: the Windows ERP on a Linux host is examples/legacy-erp.yaml; the 30
# Linux microservices on AWS are examples/checkout-api.yaml, on AWS and thirty; the mixed estate is
# examples/retail-estate.yaml's storefront and back office beside examples/ml-training.yaml's GPU training job.
TEAMS: dict[str, dict[str, Any]] = {
    "windows-erp": _example("legacy-erp.yaml"),
    "microservices": _example(
        "checkout-api.yaml", name="shop-services", host={"cloud": "aws"}, scale={"instances": 30}
    ),
    "estate": {
        **{k: v for k, v in _example("retail-estate.yaml").items() if k != "components"},
        "components": [
            _component("storefront", "retail-estate.yaml", "storefront"),
            _component("back-office", "retail-estate.yaml", "pos-back-office"),
            _component("training", "ml-training.yaml"),
        ],
    },
}


def typed_text(value: Any, key: str) -> str:
    """What a person types for a value: numbers as written, lists with commas, a command as in a shell."""
    if isinstance(value, str):
        return value
    if key.endswith("workload.command"):
        return shlex.join(value)
    if isinstance(value, list):
        return ", ".join(typed_text(v, key) for v in value)
    return str(value)


def open_folds(page: Any, input_id: str) -> None:
    """Open every fold an input sits in (More detail, a component's section), outermost first, by its summary."""
    for fold in page.locator(f"details:has(#{input_id})").all():
        if fold.get_attribute("open") is None:
            fold.locator(":scope > summary").click()


def type_field(page: Any, key: str, value: Any) -> None:
    """Set one input as a person does, by its profile key (`components.1.scale.instances`): pick in a list,
    tick boxes, or type."""
    input_id = "f-" + key.replace(".", "-")
    open_folds(page, input_id)
    element = page.locator(f"#{input_id}")
    kind = element.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
    if kind.startswith("fieldset:"):  # one checkbox per choice
        for box in element.locator("input[type=checkbox]").all():
            box.set_checked(box.get_attribute("value") in value)
    elif kind == "input:checkbox":
        element.set_checked(value)
    elif kind.startswith("select:"):
        element.select_option(("yes" if value else "no") if isinstance(value, bool) else str(value))
    else:
        element.fill(typed_text(value, key))


def _type_sections(page: Any, data: dict[str, Any], prefix: str = "") -> None:
    type_field(page, prefix + "name", data["name"])
    for section, fields in data.items():
        if isinstance(fields, dict):
            for name, value in fields.items():
                type_field(page, f"{prefix}{section}.{name}", value)


def type_profile(page: Any, data: dict[str, Any]) -> None:
    """Type a whole profile into the blank form field by field, adding each component with its button first."""
    _type_sections(page, data)
    for index, component in enumerate(data.get("components", [])):
        with page.expect_navigation():
            page.get_by_role("button", name="Add a component", exact=True).click()
        _type_sections(page, component, f"components.{index}.")
