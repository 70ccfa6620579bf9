"""No profile text can add a YAML key, a document or a service to a Kubernetes, KubeVirt or Compose starter:
whatever it holds, the file has the shape a plain profile gives (the Dockerfile's own property test proves
the same for instructions, in tests/test_dockerfile.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from advisor.errors import InvalidInput
from advisor.generators import Verdict
from advisor.generators.compose import make_compose
from advisor.generators.kubernetes import SHAPES, make_kubernetes
from advisor.generators.kubevirt import make_kubevirt
from advisor.models import DNS_LABEL, WorkloadProfile
from advisor.profiles import validate_profile
from tests.support import assert_refused_on

SANDBOX = Verdict("hybrid", ("gVisor",), ("hybrid",))
BENIGN = {
    "name": "t",
    "health_path": "/",
    "command": ["app"],
    "packages": ["curl"],
    "os_id": "debian12",
    "schedule": None,
}
SCHEDULED = {**BENIGN, "schedule": "0 2 * * *"}  # a batch job's schedule: the CronJob's and a comment in compose.yaml
any_text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\n", "x\n---\nkind: Pod", "a: b", "/x\n  hostPID: true", "/'\"", "/\u2028x: y", "{a: 1}", "/#", "- x",
     "&a", "*a", "!!python/object:os.system", "/\r\nprivileged: true", "%YAML 1.2"]
)  # fmt: skip
FIELDS = {
    "name": any_text | st.from_regex(DNS_LABEL, fullmatch=True),
    "health_path": st.none() | any_text.map(lambda text: "/" + text) | any_text,
    "command": st.none() | st.lists(any_text, max_size=3),
    "packages": st.lists(any_text, max_size=3),
    "os_id": any_text,
    # Cron-like text (the characters a schedule may hold, in any order) besides any text at all.
    "schedule": st.none()
    | any_text
    | st.text(st.sampled_from("0123456789*?,/-@ abcdefghijklmnopqrstuvwxyz\n#:"), min_size=1, max_size=30)
    | st.sampled_from(["0 2 * * *\n---\nkind: Pod", "0 2 * * * # x", "@daily\nx: y", "0 2 * * *: x", "*/5 * * * *"]),
}


def outline(value: Any, name: str) -> Any:
    """The shape of parsed YAML: keys and list lengths kept, every scalar replaced by its type's name, and the
    profile's name where it is a key (Compose names a service after it)."""
    if isinstance(value, dict):
        return {("<name>" if key == name else key): outline(item, name) for key, item in value.items()}
    if isinstance(value, list):
        return [outline(item, name) for item in value]
    return type(value).__name__


def shapes(profile: WorkloadProfile) -> dict[str, Any]:
    """Every YAML starter's outline for the profile: each Kubernetes shape plain and sandboxed, KubeVirt, Compose."""
    found = {
        f"{shape}-{bool(verdict)}": make_kubernetes(profile, verdict, shape).content
        for shape in SHAPES
        for verdict in (None, SANDBOX)
    }
    found["compose"] = make_compose(profile).content
    found["kubevirt"] = make_kubevirt(profile).content
    return {kind: [outline(doc, profile.name) for doc in yaml.safe_load_all(text)] for kind, text in found.items()}


def document(values: dict[str, Any]) -> dict[str, Any]:
    workload = {key: values[key] for key in ("health_path", "command", "packages", "os_id", "schedule")}
    if values["schedule"] is not None:  # only a batch job has a schedule
        workload["architecture"] = "batch"
    return {"name": values["name"], "host": {"os": "linux"}, "workload": {"os": ["linux"], **workload}}


@pytest.mark.slow
@pytest.mark.parametrize("field", list(FIELDS), ids=list(FIELDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_profile_value_adds_a_key_or_a_document(field, data):
    value = data.draw(FIELDS[field], label=field)
    benign = SCHEDULED if field == "schedule" else BENIGN
    try:
        profile = validate_profile(document({**benign, field: value}))
        expected = shapes(validate_profile(document(benign)))
        if field == "health_path" and value is None:  # no health_path: the probes fetch / instead
            expected = shapes(validate_profile(document({**BENIGN, "health_path": None})))
        if field == "schedule" and value is None:  # no schedule: a Job that runs once, not a CronJob
            expected = shapes(validate_profile(document({**BENIGN, "schedule": None})))
        got = shapes(profile)
    except InvalidInput as exc:
        event("refused")
        assert_refused_on(exc, field)
        return
    event("accepted")
    assert got == expected
