"""The service under a real gunicorn: rule changes without downtime, shared metrics, JSON log lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import requests
import yaml

from tests.support import ROOT, contract_session, free_port, serving

http = contract_session()  # every answer a test here receives is checked against openapi.yaml
CHECKOUT = yaml.safe_load((ROOT / "examples" / "checkout-api.yaml").read_text())

ORG_RULE = """\
rules:
  - id: org-prefers-vms
    title: Our estate prefers VMs
    when: {{host.os: linux}}
    score: {{vm: {points}}}
    because: The platform team runs VMs today; containers need a case.
    links: [https://example.org/platform-policy]
"""


def answers(url: str, workers: int = 2, tries: int = 50) -> list[dict]:
    """/readyz answers until every worker has answered at least once (each holds its own rules)."""
    found: list[dict] = []
    for _ in range(tries):
        found.append(http.get(url + "/readyz", timeout=5).json())
        if len({answer["worker"] for answer in found}) == workers:
            break
    return found


def wait_for(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


@pytest.fixture
def org_rules(tmp_path):
    folder = tmp_path / "org-rules"
    folder.mkdir()
    (folder / "org.yaml").write_text(ORG_RULE.format(points=1))
    return folder


@pytest.mark.live
def test_a_rule_change_goes_live_and_an_invalid_one_is_refused(org_rules):
    env = {"ADVISOR_RULES": str(org_rules), "ADVISOR_RELOAD_SECONDS": "0.2"}
    with serving(env, workers=2) as server:
        first = http.get(server.url + "/readyz", timeout=5).json()["ruleset"]
        assert first["version"].endswith("+local") and first["rules"] == 53

        (org_rules / "org.yaml").write_text(ORG_RULE.format(points=30))
        changed = wait_for(lambda: all(a["ruleset"]["digest"] != first["digest"] for a in answers(server.url)))
        assert changed, "the changed rule was not picked up by every worker"
        second = http.get(server.url + "/readyz", timeout=5).json()["ruleset"]
        profile = http.post(server.url + "/v1/recommendations", json=CHECKOUT, timeout=5).json()
        assert profile["ruleset"]["digest"] == second["digest"]
        assert any(r["rule"] == "org-prefers-vms" for a in profile["alternatives"] for r in a["why_not"]) or (
            profile["platform"] == "vm"
        )

        (org_rules / "org.yaml").write_text(ORG_RULE.format(points=30).replace("score:", "scroe:"))
        refused = wait_for(lambda: all("last_refused_change" in a for a in answers(server.url)))
        assert refused, "the invalid change was not seen by every worker"
        for answer in answers(server.url):
            assert answer["status"] == "ready" and answer["ruleset"] == second
            assert "scroe" in " ".join(answer["last_refused_change"]["problems"])
        kept = http.post(server.url + "/v1/recommendations", json=CHECKOUT, timeout=5)
        assert kept.status_code == 200 and kept.json()["ruleset"]["digest"] == second["digest"]

        metrics = http.get(server.url + "/metrics", timeout=5).text
        assert f'advisor_ruleset_info{{digest="{second["digest"]}",version="{second["version"]}"}} 1.0' in metrics
        assert f'advisor_ruleset_info{{digest="{first["digest"]}",version="{first["version"]}"}} 0.0' in metrics
        assert 'advisor_rule_reloads_total{result="refused"}' in metrics

        logged = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
        refusals = [line for line in logged if line["message"].startswith("rule change refused")]
        assert refusals and all(line["level"] == "error" for line in refusals)
        assert any("scroe" in problem for line in refusals for problem in line["problems"])


@pytest.mark.live
def test_an_invalid_first_load_is_alive_but_not_ready_until_fixed(org_rules):
    (org_rules / "org.yaml").write_text("rules: [{id: broken}]\n")
    env = {"ADVISOR_RULES": str(org_rules), "ADVISOR_RELOAD_SECONDS": "0.2"}
    with serving(env, workers=1) as server:
        assert http.get(server.url + "/healthz", timeout=5).status_code == 200
        ready = http.get(server.url + "/readyz", timeout=5)
        assert ready.status_code == 503 and "broken" in " ".join(ready.json()["last_refused_change"]["problems"])
        refused = http.post(server.url + "/v1/recommendations", json=CHECKOUT, timeout=5)
        assert refused.status_code == 503 and refused.headers["Content-Type"] == "application/problem+json"

        (org_rules / "org.yaml").write_text(ORG_RULE.format(points=1))
        assert wait_for(lambda: http.get(server.url + "/readyz", timeout=5).status_code == 200)
        assert http.post(server.url + "/v1/recommendations", json=CHECKOUT, timeout=5).status_code == 200


@pytest.mark.live
def test_metrics_add_up_over_workers_and_every_request_is_logged(live_server):
    before = _count(http.get(live_server + "/metrics", timeout=5).text)
    ids = [f"sum-{i}" for i in range(12)]
    for request_id in ids:
        http.post(live_server + "/v1/recommendations", json=CHECKOUT, headers={"X-Request-ID": request_id})
    after = _count(http.get(live_server + "/metrics", timeout=5).text)
    assert after - before == len(ids)


@pytest.mark.live
def test_every_log_line_is_json_and_requests_have_id_route_status_and_duration(org_rules):
    with serving({"ADVISOR_RULES": str(org_rules)}, workers=2) as server:
        http.post(server.url + "/v1/recommendations", json=CHECKOUT, headers={"X-Request-ID": "line-1"})
        http.get(server.url + "/v1/rules/nope", headers={"X-Request-ID": "line-2"})
        time.sleep(0.2)
        logged = [json.loads(line) for line in server.log_lines()]  # gunicorn's own lines are JSON too
        assert any(line["logger"] == "gunicorn.error" for line in logged)
        by_id = {line.get("request_id"): line for line in logged if line["message"] == "request"}
        assert by_id["line-1"]["route"] == "/v1/recommendations" and by_id["line-1"]["status"] == 200
        assert by_id["line-2"]["route"] == "/v1/rules/<rule_id>" and by_id["line-2"]["status"] == 404
        assert all(isinstance(by_id[i]["duration_ms"], float) for i in ("line-1", "line-2"))


def _count(metrics: str) -> float:
    prefix = 'advisor_http_requests_total{method="POST",route="/v1/recommendations",status="200"} '
    return sum(float(line[len(prefix) :]) for line in metrics.splitlines() if line.startswith(prefix))


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ADVISOR_MAX_BODY_BYTES", "lots", "a whole number from 1 to"),
        ("ADVISOR_RELOAD_SECONDS", "-1", "a number from 0 to 86400"),
        ("ADVISOR_CACHE_ENTRIES", "1.5", "a whole number from 0 to"),
    ],
    ids=["body-limit-not-a-number", "negative-reload", "cache-not-whole"],
)
def test_a_bad_setting_stops_the_server_naming_it(name, value, expected):
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_RULES"}
    env.update({name: value, "ADVISOR_PORT": str(free_port()), "ADVISOR_WORKERS": "1"})
    ran = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode != 0
    assert f"error: {name}: expected {expected}" in ran.stderr and repr(value) in ran.stderr
    assert "Traceback" not in ran.stderr


def _chunks(data: bytes, size: int = 8192):
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.live
def test_a_chunked_body_over_the_limit_is_413_not_cut_off(live_server):
    """Sent without Content-Length, a body past the limit must be refused, not read up to the limit."""
    head = b"name: erp\nhost: {os: linux}\n"
    tail = b"workload: {os: [windows], legacy: true}\n"
    padding = b"#" + b"x" * (256 * 1024 - len(head) - 2) + b"\n"  # the tail starts just past 256 KiB
    headers = {"Content-Type": "application/yaml"}
    # A streamed body is sent with plain requests: openapi-core's request adapter needs the body as text.
    over = requests.post(live_server + "/v1/recommendations", data=_chunks(head + padding + tail), headers=headers)
    assert over.status_code == 413 and over.headers["Content-Type"] == "application/problem+json"
    small = requests.post(live_server + "/v1/recommendations", data=_chunks(head + tail), headers=headers)
    assert small.status_code == 200 and small.json()["platform"] == "vm"


def _raw(url: str, request: bytes) -> bytes:
    """Send raw bytes as an HTTP request, close our side, and return everything the server answers."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.live
@pytest.mark.parametrize(
    ("request_bytes", "words"),
    [
        (
            b"POST /v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            b"the body could not be read",
        ),
        (
            b"POST /v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\n"
            b"Content-Length: 100\r\n\r\nname: erp\nhost: {os: linux}\n",
            b"the body ended after 28 of the 100 bytes",
        ),
    ],
    ids=["broken-chunk", "shorter-than-content-length"],
)
def test_a_broken_or_short_body_is_400_not_answered(live_server, request_bytes, words):
    answer = _raw(live_server, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400 ") and words in answer
