"""Schemathesis drives every operation of openapi.yaml against a real gunicorn on loopback.

It generates valid and invalid requests from the contract, and fails on any server error or any response
whose status, media type, headers or body the contract does not allow. Examples are bounded so the suite
stays quick.
"""

from __future__ import annotations

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from pydantic import ValidationError
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from advisor.errors import InvalidInput
from advisor.generators.libvirt import guest_os
from advisor.models import WorkloadProfile
from tests.support import ROOT

pytestmark = pytest.mark.live

schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")


# Every YAML media type schemathesis knows: its built-in deserializer (one document only) is found by family, so
# registering application/yaml alone leaves text/yaml's built-in first in line for an application/yaml answer.
@schemathesis.deserializer("text/yaml", "text/x-yaml", "application/x-yaml", "text/vnd.yaml", "application/yaml")
def yaml_stream(ctx, response):
    """A profile is one YAML document; a starter (Kubernetes manifests) is a stream of several, read as their list."""
    documents = list(yaml.safe_load_all(response.content))
    return documents[0] if len(documents) == 1 else documents


def schema_can_say(case) -> bool:
    """False for a request the contract's schemas allow but the service refuses for a reason JSON Schema cannot say.

    - component names must be unique;
    - the single-file artifact routes need `?component=` exactly when the profile has components;
    - a guest OS the libvirt generator has no facts for, or of another family than workload.os, is refused;
    - a batch job's schedule must be cron syntax (fields, names, ranges and steps), which the contract gives
      as text of at most 100 characters (its refusals: tests/test_schedule.py);
    - the pages' form fields are free text in the contract.
    Such requests still run and must keep the contract (no 5xx, a documented status and body); only the check
    that schema-valid data is accepted is left out for them. Each of these 400s is tested in tests/test_api.py.
    """
    if case.operation.path in ("/", "/download/{artifact}"):
        return False  # form fields are text the form reads; which texts are valid, JSON Schema cannot say
    if case.operation.path == "/v1/assessments":
        return False  # uploaded files are inventories and manifests; which bytes are valid, JSON Schema cannot say
    body = case.body
    if not isinstance(body, dict):
        return True
    components = body.get("components") if isinstance(body.get("components"), list) else []
    names = [c["name"] for c in components if isinstance(c, dict) and isinstance(c.get("name"), str)]
    if len(names) != len(set(names)):
        return False
    try:
        profile = WorkloadProfile.model_validate(body)
    except ValidationError as refused:
        # Invalid data: schemathesis expects it refused, and it is. But a guest OS of another family than
        # workload.os is a rule across fields (the schema lists the ids, not which family each is), and cron
        # syntax is a grammar the schema does not spell out.
        return not any(error["loc"][-1] in ("os_id", "schedule") for error in refused.errors())
    if case.operation.path == "/v1/artifacts/{kind}":
        chosen = (case.query or {}).get("component")
        if bool(profile.components) != (chosen is not None) or (chosen is not None and chosen not in names):
            return False
    if case.operation.path.startswith("/v1/artifacts/"):
        parts = [profile.component_profile(c) for c in profile.components] or [profile]
        try:
            for part in parts:
                guest_os(part)
        except InvalidInput:
            return False
    return True


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_the_contract(case, live_server):
    excluded = [] if schema_can_say(case) else [positive_data_acceptance]
    if case.operation.path == "/" and case.method == "GET":
        # A shared link may carry a tracker's parameters (utm_source=...): the page leaves what is not a form
        # field alone, by design, so a query the schema calls invalid may rightly get the blank form.
        excluded.append(negative_data_rejection)
    case.call_and_validate(base_url=live_server, timeout=10, excluded_checks=excluded)
