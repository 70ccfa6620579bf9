"""Schemathesis drives every operation of openapi.yaml against a real gunicorn on loopback.

It generates valid and invalid requests from the contract, and fails on any server error or any response
whose status, media type, headers or body the contract does not allow. Examples are bounded so the suite
stays quick.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")


@schema.hook
def filter_case(context, case):
    """Drop generated profiles that repeat a component name: JSON Schema cannot say names are unique.

    The model refuses them with a 400 naming `components`; tests/test_api.py checks that answer.
    """
    body = case.body
    if not isinstance(body, dict) or not isinstance(body.get("components"), list):
        return True
    names = [c["name"] for c in body["components"] if isinstance(c, dict) and isinstance(c.get("name"), str)]
    return len(names) == len(set(names))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_the_contract(case, live_server):
    case.call_and_validate(base_url=live_server, timeout=10)
