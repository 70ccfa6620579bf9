"""The HTTP API through Flask's test client; every answer is checked against openapi.yaml by openapi-core."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from advisor.cli import cli
from advisor.jsonlog import JSONFormatter
from advisor.web import create_app
from tests.support import CHECKOUT, ROOT, ContractClient


def post_json(api, data, path="/v1/recommendations", **kwargs):
    return api.post(path, data=json.dumps(data), content_type="application/json", **kwargs)


def test_a_recommendation_is_what_the_cli_prints(api, runner):
    response = post_json(api, CHECKOUT)
    assert response.status_code == 200
    printed = runner.invoke(cli, ["recommend", "--format", "json", str(ROOT / "examples" / "checkout-api.yaml")])
    assert response.get_json() == json.loads(printed.output)


def test_yaml_bodies_are_accepted(api):
    text = (ROOT / "examples" / "legacy-erp.yaml").read_text()
    response = api.post("/v1/recommendations", data=text, content_type="application/yaml; charset=utf-8")
    assert response.status_code == 200
    assert response.get_json()["platform"] == "vm"


def test_components_are_answered_each(api):
    text = (ROOT / "examples" / "retail-estate.yaml").read_text()
    answer = api.post("/v1/recommendations", data=text, content_type="application/yaml").get_json()
    assert answer["platform"] == "hybrid"
    assert {c["platform"] for c in answer["components"]} >= {"vm", "container"}


def test_explain_false_drops_the_long_texts_but_keeps_rule_ids(api):
    full = post_json(api, CHECKOUT).get_json()
    brief = post_json(api, CHECKOUT, query_string={"explain": "false"}).get_json()
    assert [r["rule"] for r in brief["rationale"]] == [r["rule"] for r in full["rationale"]]
    assert all(set(r) == {"rule", "effect"} for r in brief["rationale"])
    assert all("because" not in w for a in brief["alternatives"] for w in a["why_not"])
    assert "explanation" not in brief["capacity"]
    assert brief["platform"] == full["platform"] and brief["scores"] == full["scores"]
    assert len(json.dumps(brief)) < len(json.dumps(full)) / 2


def test_considered_lists_every_rule(api, ruleset):
    answer = post_json(api, CHECKOUT, query_string={"considered": "true"}).get_json()
    assert {c["rule"] for c in answer["considered"]} == {c.rule.id for c in ruleset.rules}
    assert "considered" not in post_json(api, CHECKOUT).get_json()


INVALID = [
    pytest.param({"name": "x", "host": {"os": "linux"}, "workload": {"os": ["dos"]}}, "workload.os[0]", id="enum-miss"),
    pytest.param({"name": "x", "host": {"os": "linux"}, "scale": {"instances": "3"}}, "scale.instances", id="type"),
    pytest.param({"name": "x"}, "host", id="missing"),
    pytest.param({"name": "x", "host": {"os": "linux", "oss": 1}}, "host.oss", id="unknown-key"),
    pytest.param({"name": "x", "host": {"os": "macos", "cloud": "azure"}}, "host", id="cross-field"),
    pytest.param([1, 2], "", id="not-a-mapping"),
]


@pytest.mark.parametrize(("body", "loc"), INVALID)
def test_invalid_profiles_name_the_field(api, body, loc):
    response = post_json(api, body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert loc in [e["loc"] for e in problem["errors"]]
    assert problem["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "words"),
    [
        pytest.param(b'{"name": ', "application/json", 400, "invalid JSON", id="bad-json"),
        pytest.param(b"\xff\xfe{}", "application/json", 400, "invalid JSON", id="not-utf8-json"),
        pytest.param(b"name: [x\n", "application/yaml", 400, "", id="bad-yaml"),
        pytest.param(b"\xff\xfe", "application/yaml", 400, "UTF-8", id="not-utf8-yaml"),
        pytest.param(
            b"name: a\nhost: {os: linux}\n---\nname: b\nhost: {os: linux}\n",
            "application/yaml",
            400,
            "one profile per request",
            id="two-docs",
        ),
        pytest.param(b"", "application/json", 400, "invalid JSON", id="empty"),
        pytest.param(b"name=x", "application/x-www-form-urlencoded", 415, "application/json", id="form"),
        pytest.param(b"{}", None, 415, "no Content-Type", id="no-type"),
    ],
)
def test_unreadable_bodies_are_problems(api, data, content_type, status, words):
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("/v1/recommendations", data=data, headers=headers)
    assert response.status_code == status
    problem = response.get_json()
    assert words in (problem["detail"] + " ".join(e["msg"] for e in problem.get("errors", [])))


def test_a_yaml_error_names_the_line(api):
    response = api.post("/v1/recommendations", data=b"name: x\nhost:\n  os: plan9\n", content_type="application/yaml")
    assert response.get_json()["errors"] == [
        {"loc": "host.os", "msg": "'plan9' is not one of linux, windows, macos", "line": 3}
    ]


def test_a_query_flag_must_be_a_boolean(api):
    response = post_json(api, CHECKOUT, query_string={"explain": "maybe"})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["loc"] == "explain"


def test_the_body_limit_is_413_and_configurable(log_lines):
    small = ContractClient(create_app({"RELOAD_SECONDS": 0, "LOG_STREAM": log_lines, "MAX_BODY_BYTES": 100}))
    small.client = small.client.test_client()
    response = post_json(small, CHECKOUT)
    assert response.status_code == 413
    assert "100 bytes" in response.get_json()["detail"]


def test_default_body_limit_is_256_kib(api):
    padding = {"name": "x", "host": {"os": "linux"}, "security": {"compliance": ["a" * 60] * 5000}}
    assert post_json(api, padding).status_code == 413


def test_no_platform_fits_is_422(api, write_rules, log_lines):
    folder = write_rules(
        """
        rules:
          - id: no-vm-here
            title: No VMs here
            when: {host.os: linux}
            forbid: [vm, hybrid]
            because: A test rule.
            links: [https://example.org/]
          - id: no-containers-here
            title: No containers here
            when: {host.os: linux}
            forbid: [container]
            because: Another test rule.
            links: [https://example.org/]
        """
    )
    client = ContractClient(create_app({"RELOAD_SECONDS": 0, "LOG_STREAM": log_lines, "RULE_DIRS": [folder]}))
    client.client = client.client.test_client()
    response = post_json(client, CHECKOUT)
    assert response.status_code == 422
    assert "no-containers-here" in response.get_json()["detail"]


def test_rules_are_listed_with_the_set_digest(api, ruleset):
    listing = api.get("/v1/rules").get_json()
    assert listing["digest"] == ruleset.digest and listing["rules"] == len(ruleset.rules)
    assert [item["id"] for item in listing["items"]] == [c.rule.id for c in ruleset.rules]
    one = api.get("/v1/rules/microservices").get_json()
    assert one == next(item for item in listing["items"] if item["id"] == "microservices")


def test_an_unknown_rule_is_404(api):
    response = api.get("/v1/rules/no-such-rule")
    assert response.status_code == 404
    assert "no-such-rule" in response.get_json()["detail"]


def test_the_profile_schema_is_the_models(api, runner):
    printed = runner.invoke(cli, ["schema", "profile"]).output
    assert api.get("/v1/schema/profile").get_json() == json.loads(printed)


def test_health_readiness_and_contract(api):
    assert api.get("/healthz").get_json() == {"status": "ok"}
    ready = api.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["ruleset"]["digest"].startswith("sha256:")
    served = api.get("/openapi.yaml")
    assert served.data == (ROOT / "openapi.yaml").read_bytes()


def test_metrics_count_requests_and_platforms(api):
    post_json(api, CHECKOUT)
    post_json(api, {"name": "x"})
    text = api.get("/metrics").get_data(as_text=True)
    assert 'advisor_http_requests_total{method="POST",route="/v1/recommendations",status="200"} 1.0' in text
    assert 'advisor_http_requests_total{method="POST",route="/v1/recommendations",status="400"} 1.0' in text
    assert 'advisor_recommendations_total{platform="container"} 1.0' in text
    assert "advisor_http_request_duration_seconds_bucket" in text
    assert 'advisor_ruleset_info{digest="sha256:' in text


def test_request_ids_are_echoed_or_made(api):
    assert api.get("/healthz", headers={"X-Request-ID": "ci-42"}).headers["X-Request-ID"] == "ci-42"
    made = api.get("/healthz", headers={"X-Request-ID": "bad id\twith tab"}).headers["X-Request-ID"]
    assert made != "bad id\twith tab" and len(made) == 32


def test_each_request_is_one_json_log_line(api, log_lines):
    api.get("/healthz", headers={"X-Request-ID": "trace-1"})
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    request = next(line for line in lines if line.get("request_id") == "trace-1")
    assert request["route"] == "/healthz" and request["status"] == 200 and request["duration_ms"] >= 0


def test_the_access_line_is_the_line_the_formatter_makes_of_a_record(api, log_lines):
    api.get("/healthz", headers={"X-Request-ID": "same-1"})
    (written,) = [json.loads(line) for line in log_lines.getvalue().splitlines() if "same-1" in line]
    fields = {k: written[k] for k in ("request_id", "method", "route", "path", "status", "duration_ms")}
    record = logging.makeLogRecord({"name": "advisor.http", "levelno": logging.INFO, "levelname": "INFO"})
    record.msg = "request"
    record.__dict__.update(fields)
    formatted = json.loads(JSONFormatter().format(record))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", written["time"])
    assert {**written, "time": None} == {**formatted, "time": None}


def test_a_filter_an_operator_puts_on_the_access_logger_still_applies(api, log_lines):
    access = logging.getLogger("advisor.http")
    only_other_loggers = logging.Filter("advisor.other")
    access.addFilter(only_other_loggers)
    try:
        api.get("/healthz", headers={"X-Request-ID": "filtered-1"})
    finally:
        access.removeFilter(only_other_loggers)
    api.get("/healthz", headers={"X-Request-ID": "kept-1"})
    assert "filtered-1" not in log_lines.getvalue() and "kept-1" in log_lines.getvalue()


def test_a_second_handler_on_the_access_logger_gets_the_line_too(api, log_lines):
    access = logging.getLogger("advisor.http")
    mine = io.StringIO()
    handler = logging.StreamHandler(mine)
    access.addHandler(handler)
    try:
        api.get("/healthz", headers={"X-Request-ID": "both-1"})
    finally:
        access.removeHandler(handler)
    assert mine.getvalue() == "request\n" and "both-1" in log_lines.getvalue()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("GET", "/v1/recommendations", 405), ("DELETE", "/v1/rules", 405)],
    ids=["unknown-route", "get-recommendations", "delete-rules"],
)
def test_routing_errors_are_problems(app, method, path, status):
    response = app.test_client().open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    if status == 405:
        assert response.headers["Allow"]


def test_a_real_500_shows_no_stack_trace_but_logs_one(app, log_lines):
    def broken():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internal detail" not in body and "Traceback" not in body
    assert response.get_json()["request_id"] == "boom-1"
    logged = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    failure = next(line for line in logged if line["message"] == "unhandled error")
    assert failure["request_id"] == "boom-1" and "secret internal detail" in failure["exception"]


def test_answers_are_kept_per_rule_set_and_options_and_the_oldest_is_forgotten():
    from advisor.web.api import AnswerCache

    cache = AnswerCache(2)
    cache.put(("d1", "a"), (b"1", "vm"))
    cache.put(("d1", "b"), (b"2", "vm"))
    assert cache.get(("d1", "a")) == (b"1", "vm")  # now the most recently used
    cache.put(("d1", "c"), (b"3", "vm"))
    assert cache.get(("d1", "b")) is None and cache.get(("d1", "a")) is not None
    assert cache.get(("d2", "a")) is None
    off = AnswerCache(0)
    off.put(("d1", "a"), (b"1", "vm"))
    assert off.get(("d1", "a")) is None


def test_an_alias_finds_the_answer_it_points_at_while_that_answer_is_kept():
    from advisor.web.api import AnswerCache

    sizes: list[int] = []
    cache = AnswerCache(2, on_size=sizes.append)
    cache.put(("d1", "a"), (b"1", "vm"))
    cache.alias(("body", "x"), ("d1", "a"))
    cache.alias(("body", "y"), ("d1", "missing"))  # no answer under that key: nothing to point at
    assert cache.get(("body", "x")) == (b"1", "vm")
    assert cache.get(("body", "y")) is None
    with_alias = cache.size
    assert with_alias == AnswerCache.cost(("d1", "a"), (b"1", "vm")) + AnswerCache.ENTRY_OVERHEAD + 5 + 3
    cache.alias(("body", "x"), ("d1", "a"))  # again: counted once
    assert cache.size == with_alias
    cache.put(("d1", "b"), (b"2", "vm"))
    cache.put(("d1", "c"), (b"3", "vm"))  # forgets ("d1", "a"), the least recently used
    assert cache.get(("body", "x")) is None  # the alias holds no answer of its own
    for n in range(5):  # at most `entries` aliases
        cache.alias(("body", str(n)), ("d1", "c"))
    assert len(cache._aliases) == 2 and cache.get(("body", "4")) == (b"3", "vm")
    assert sizes[-1] == cache.size
    cache.put(("d1", "d"), (b"4", "vm"), alias=("body", "z"))  # an answer and its alias at once
    assert cache.get(("body", "z")) == (b"4", "vm") and len(cache._aliases) == 2
    assert sizes[-1] == cache.size


def test_a_body_answered_as_yaml_is_not_answered_again_as_json(api):
    # Bodies are kept by their bytes and the way they were read: YAML labelled as JSON is still refused.
    body = "name: x\nhost:\n  os: linux\n"
    as_yaml = api.post("/v1/recommendations", data=body, content_type="application/yaml")
    again = api.post("/v1/recommendations", data=body, content_type="application/yaml")
    as_json = api.post("/v1/recommendations", data=body, content_type="application/json")
    assert as_yaml.status_code == again.status_code == 200 and as_yaml.data == again.data
    assert as_json.status_code == 400 and "Content-Type: application/yaml" in as_json.get_data(as_text=True)


def test_a_repeated_profile_gets_the_same_bytes_and_counts_again(api):
    first, second = post_json(api, CHECKOUT), post_json(api, CHECKOUT)
    assert first.data == second.data
    text = api.get("/metrics").get_data(as_text=True)
    assert 'advisor_recommendations_total{platform="container"} 2.0' in text


DEEP = '{"name": "x", "host": {"os": "linux"}, "security": {"compliance": ' + "[" * 3000 + "]" * 3000 + "}}"
HUGE = '{"name": "x", "host": {"os": "linux"}, "scale": {"instances": ' + "9" * 5000 + "}}"


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (DEEP, "application/json", "nested too deeply"),
        (DEEP, "application/yaml", "nested too deeply"),
        (HUGE, "application/json", "4300 digits"),
        ("name: x\nhost: {os: linux}\nscale: {instances: " + "9" * 5000 + "}\n", "application/yaml", "4300 digits"),
        ('{"name": "a", "name": "b", "host": {"os": "linux"}}', "application/json", "'name' is given twice"),
    ],
    ids=["deep-json", "deep-json-as-yaml", "huge-int-json", "huge-int-yaml", "duplicate-json-key"],
)
def test_hostile_bodies_are_400_not_500(api, body, content_type, words):
    response = api.post("/v1/recommendations", data=body, content_type=content_type)
    assert response.status_code == 400
    message = " ".join(e["msg"] for e in response.get_json()["errors"])
    assert words in message and "set_int_max_str_digits" not in message


def test_a_problem_quoting_a_lone_surrogate_is_still_sent(api):
    response = api.post("/v1/recommendations", data='{"\\ud800": 1, "\\ud800": 2}', content_type="application/json")
    assert response.status_code == 400
    assert "given twice" in response.get_json()["errors"][0]["msg"]
