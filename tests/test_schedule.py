"""workload.schedule: a batch job's cron schedule, held to the grammar Kubernetes accepts for a CronJob, refused
with a reason in plain words, and only for a batch job."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from werkzeug.datastructures import MultiDict

from advisor.errors import InvalidInput
from advisor.generators.compose import make_compose
from advisor.models import WorkloadProfile
from advisor.profiles import validate_profile
from advisor.web.formdata import permalink_query, read_form
from tests.support import assert_refused_on


def batch(schedule, **workload) -> dict:
    return {
        "name": "report",
        "host": {"os": "linux"},
        "workload": {"architecture": "batch", "schedule": schedule, **workload},
    }


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("0 2 * * *", "0 2 * * *"),
        ("30 6 * * mon-fri", "30 6 * * mon-fri"),
        ("*/15 0-23/2 1,15 JAN-jun ?", "*/15 0-23/2 1,15 JAN-jun ?"),
        ("5/10 * * * sun", "5/10 * * * sun"),
        ("  0   2 * * *  ", "0 2 * * *"),  # spaces are tidied, as the form's text input may hold them
        *[(macro, macro) for macro in ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight")],
        ("@hourly", "@hourly"),
    ],
)
def test_schedules_kubernetes_accepts_are_kept(written, kept):
    assert validate_profile(batch(written)).workload.schedule == kept


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("0 2 * *", "has 4 fields; a schedule has 5 (minute hour day-of-the-month month day-of-the-week)"),
        ("0 0 2 * * *", "has 6 fields; a schedule has 5 (minute hour day-of-the-month month day-of-the-week), like "
         "'0 2 * * *' (02:00 every day) or @daily (Kubernetes takes no seconds or year field)"),
        ("60 2 * * *", "the minute 60 is out of range: it runs 0 to 59"),
        ("0 24 * * *", "the hour 24 is out of range: it runs 0 to 23"),
        ("0 2 0 * *", "the day of the month 0 is out of range: it runs 1 to 31"),
        ("0 2 * 13 *", "the month 13 is out of range: it runs 1 to 12"),
        ("0 2 * * 7", "the day of the week 7 is out of range: it runs 0 to 6 (Sunday is 0)"),
        ("0 2 * * fri-mon", "the day of the week field: the range 'fri-mon' runs backwards"),
        ("*/0 2 * * *", "the minute field: the step in '*/0' is 0; a step is 1 or more"),
        ("*/x 2 * * *", "the minute field: the step in '*/x' must be a whole number"),
        ("0 mon * * *", "the hour field takes numbers from 0 to 23, not the name 'mon'"),
        ("0 2 * foo *", "the month field: 'foo' is not a number from 1 to 12 or a name from jan to dec"),
        ("0 2 1,,2 * *", "the day of the month field has an empty item in '1,,2'"),
        ("0 2 L * *", "the day of the month field: 'L' is not a number from 1 to 31"),
        ("@reboot", "'@reboot' is not a macro Kubernetes knows; use one of @yearly, @annually, @monthly, @weekly"),
        ("@every 1h", "'@every 1h' is not a macro Kubernetes knows"),
        ("TZ=Europe/Paris 0 2 * * *", "holds a time zone (TZ= or CRON_TZ=), which Kubernetes refuses in a schedule"),
        ("CRON_TZ=UTC 0 2 * * *", "holds a time zone"),
        ("0 2 * * *\nkind: Pod", "holds '\\n', which a cron schedule cannot"),
        ("0 2 * * 1#2", "holds '#', which a cron schedule cannot"),
        ("", "is empty: give five fields"),
        ("0 " * 51, "should be at most 100 characters long, got 102"),
    ],
    ids=lambda value: value if len(value) < 30 else None,
)  # fmt: skip
def test_a_schedule_kubernetes_would_refuse_is_refused_on_the_field_saying_why(schedule, message):
    with pytest.raises(InvalidInput) as refused:
        validate_profile(batch(schedule))
    assert_refused_on(refused.value, "schedule")
    assert message in refused.value.errors[0].msg


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        ({"architecture": "microservices"}, "schedule: only a batch job (architecture: batch) runs on a schedule, "
         "and this one is microservices, which runs all the time; set architecture: batch or leave schedule out"),
        ({"architecture": None}, "and this one is monolith"),  # the default: a schedule alone is not enough
        ({"node_agent": True}, "schedule: a node agent runs all the time on every host"),
    ],
    ids=["service", "architecture-left-out", "node-agent"],
)  # fmt: skip
def test_a_schedule_on_anything_but_a_batch_job_is_refused_not_ignored(workload, message):
    data = batch("@daily", **workload)
    data["workload"] = {k: v for k, v in data["workload"].items() if v is not None}
    with pytest.raises(InvalidInput) as refused:
        validate_profile(data)
    [error] = refused.value.errors
    assert error.loc == "workload" and message in error.msg


def test_a_component_may_be_the_scheduled_batch_job_of_an_estate():
    profile = validate_profile(
        {
            "name": "shop",
            "host": {"os": "linux"},
            "components": [
                {"name": "web", "workload": {"architecture": "microservices"}},
                {"name": "nightly", "workload": {"architecture": "batch", "schedule": "0 3 * * *"}},
            ],
        }
    )
    assert [c.workload.schedule for c in profile.components] == [None, "0 3 * * *"]


@pytest.mark.parametrize("where", ["profile", "component"])
def test_a_scheduled_job_keeps_to_the_52_characters_of_a_cronjob_name(where):
    long = "r" * 53
    workload = {"architecture": "batch", "schedule": "@daily"}
    if where == "profile":
        data, field = {"name": long, "host": {"os": "linux"}, "workload": workload}, "name"
    else:
        component = {"name": long, "workload": workload}
        data, field = {"name": "shop", "host": {"os": "linux"}, "components": [component]}, "components[0].name"
    with pytest.raises(InvalidInput) as refused:
        validate_profile(data)
    assert refused.value.errors[0].msg.startswith(f"{field}: a scheduled batch job is a Kubernetes CronJob")
    assert "at most 52 characters; this one has 53" in refused.value.errors[0].msg
    validate_profile(
        {**data, "name": "r" * 52} if where == "profile" else data | {"components": [{**component, "name": "r" * 52}]}
    )
    unscheduled = {"name": long, "host": {"os": "linux"}, "workload": {"architecture": "batch"}}
    assert validate_profile(unscheduled).name == long  # a Job's name may have 63


def test_the_json_schema_says_what_the_model_says_about_a_schedule():
    schema = WorkloadProfile.model_json_schema()
    check = jsonschema.Draft202012Validator(schema)
    assert check.is_valid(batch("0 2 * * *"))
    assert not check.is_valid({**batch("0 2 * * *"), "workload": {"schedule": "0 2 * * *"}})  # monolith by default
    assert not check.is_valid({**batch("0 2 * * *"), "workload": {"architecture": "monolith", "schedule": "@daily"}})
    assert not check.is_valid(batch("@daily", node_agent=True))
    assert check.is_valid({"name": "p", "host": {"os": "linux"}, "workload": {"architecture": "monolith"}})
    field = schema["$defs"]["Workload"]["properties"]["schedule"]
    assert field["title"] == "Schedule (batch jobs)" and "cron schedule" in field["description"]


def test_compose_says_a_scheduled_part_needs_the_hosts_scheduler_and_nothing_else_changes():
    scheduled = make_compose(validate_profile(batch("30 2 * * *", ports=[]))).content
    once = make_compose(validate_profile({**batch(None, ports=[]), "workload": {"architecture": "batch", "ports": []}}))
    header = [line for line in scheduled.splitlines() if line.startswith("#")]
    assert header[1] == (
        "# report runs on a schedule (30 2 * * *, UTC) that Compose cannot keep: start it from the host's cron or a "
        "systemd timer with: docker compose run --rm report"
    )
    assert yaml.safe_load(scheduled) == yaml.safe_load(once.content)
    assert "schedule" not in once.content


def test_the_form_keeps_a_schedule_through_a_permalink_and_shows_a_refusal_beside_its_input():
    profile = validate_profile(batch("30 2 * * mon-fri", ports=[]))
    query = permalink_query(profile)
    assert ("workload.schedule", "30 2 * * mon-fri") in query
    state = read_form(MultiDict(query), exact=True)
    assert state.errors == {} and state.profile == profile
    service = [(key, value) for key, value in query if key != "workload.architecture"]
    refused = read_form(MultiDict([*service, ("workload.architecture", "microservices")]), exact=True)
    assert list(refused.errors) == ["workload.schedule"]
    [message] = refused.errors["workload.schedule"]
    assert message.startswith("only a batch job (architecture: batch) runs on a schedule")
    bad = read_form(
        MultiDict([*[(k, v) for k, v in query if k != "workload.schedule"], ("workload.schedule", "@reboot")])
    )
    assert list(bad.errors) == ["workload.schedule"]
    assert "not a macro Kubernetes knows" in bad.errors["workload.schedule"][0]
