"""`advisor check`: decision sets that pass, warn, fail and are invalid; waivers; exit codes; discovery; --server."""

from __future__ import annotations

import contextlib
import errno
import http.server
import json
import os
import socket
import time
from pathlib import Path
from typing import get_args

import pytest

from advisor.check.records import HISTORY_STATUSES, DecisionRecord
from advisor.cli import cli
from advisor.engine.decide import recommend
from advisor.profiles import read_profiles
from tests.support import ROOT, free_port, serving, serving_in_thread

DATA = ROOT / "tests" / "data" / "decisions"
PROFILES = DATA / "profiles"


def check(runner, *args: str) -> tuple[int, dict]:
    result = runner.invoke(cli, ["check", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def against(ruleset, profile: str, platform: str) -> list[str]:
    """The rules the engine says count against `platform` for a profile file (for expectations)."""
    result = recommend(read_profiles([str(PROFILES / profile)])[0], ruleset)
    alternative = next(a for a in result.alternatives if a.platform == platform)
    return sorted(w.rule for w in alternative.why_not)


def findings(data: dict, file_part: str = "") -> list[dict]:
    return [f for r in data["records"] if file_part in r["file"] for f in r["findings"]]


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_passing_set_passes_and_skips_superseded_records(runner):
    code, data = check(runner, str(DATA / "pass"))
    assert code == 0
    outcomes = {Path(r["file"]).name: r["outcome"] for r in data["records"]}
    # Plain MADR front matter and a README are not decision records, so they are not listed at all.
    assert outcomes == {
        "web.decision.yaml": "passed",
        "erp.decision.yaml": "passed",
        "old-erp.decision.yaml": "skipped",
        "0001-web-platform.md": "passed",
    }
    assert findings(data) == []


def test_the_shipped_examples_pass(runner):
    result = runner.invoke(cli, ["check", str(ROOT / "examples" / "decisions")])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.stdout and "0 errors" in result.stdout


def test_a_warning_set_warns_with_one_finding_per_rule_behind_it(runner, ruleset):
    code, data = check(runner, str(DATA / "warn"))
    assert code == 0
    found = findings(data, "plain-on-vms")
    assert sorted(f["rule"] for f in found) == against(ruleset, "plain.yaml", "vm")
    assert {f["level"] for f in found} == {"warning"}
    assert {f["line"] for f in found} == {line_of(DATA / "warn" / "plain-on-vms.decision.yaml", "platform:")}
    assert "advisor recommends container (medium confidence)" in found[0]["message"]


@pytest.mark.parametrize(
    ("args", "code"),
    [([], 0), (["--fail-on", "warning"], 1), (["--strict"], 1), (["--exit-zero", "--strict"], 0)],
    ids=["default", "fail-on-warning", "strict", "exit-zero"],
)
def test_warnings_fail_only_when_asked(runner, args, code):
    result = runner.invoke(cli, ["check", *args, str(DATA / "warn")])
    assert result.exit_code == code, result.output


def test_strict_makes_every_difference_an_error(runner):
    _, data = check(runner, "--strict", str(DATA / "warn"))
    assert {f["level"] for f in findings(data)} == {"error"}


def test_a_failing_set_fails_naming_forbidding_and_outweighing_rules(runner, ruleset):
    code, data = check(runner, str(DATA / "fail"))
    assert code == 1
    erp = {f["rule"]: f for f in findings(data, "erp-on-containers")}
    assert sorted(erp) == against(ruleset, "erp.yaml", "container")
    forbidding = [rule for rule in erp if "container" in ruleset.get(rule).rule.forbid]
    assert forbidding == ["windows-workload-on-linux-host"]
    assert "forbids" in erp["windows-workload-on-linux-host"]["message"]
    assert {f["level"] for f in erp.values()} == {"error"}
    web = findings(data, "web-on-vms.md")  # a front matter ADR: lines are the Markdown file's lines
    assert sorted(f["rule"] for f in web) == against(ruleset, "web.yaml", "vm")
    assert {f["line"] for f in web} == {line_of(DATA / "fail" / "web-on-vms.md", "platform: vm")}
    assert data["rules"]["microservices"]["title"] == ruleset.get("microservices").rule.title


INVALID = {
    "a-list": (1, "a decision record is a mapping of fields"),
    "bad-date": (3, "date: "),
    "bad-inline-profile": (8, "profile.host.os: 'solaris' is not one of linux, windows, macos"),
    "bad-platform": (5, "decision.platform: 'mainframe' is not one of vm, container, hybrid"),
    "bad-status": (2, "status: 'approved' is not one of proposed, accepted, superseded, deprecated"),
    "both-profiles": (5, "not both"),
    "empty": (None, "the record is empty"),
    "impossible-date": (3, "invalid YAML: '2025-13-01' looks like a date or number but is not one"),
    "missing-ref": (5, "profile_ref: '../profiles/no-such-profile.yaml' (resolved to "),
    "no-profile": (1, "profile: is required"),
    "syntax": (4, "invalid YAML"),
    "two-profiles-ref": (5, "holds 2 profiles (one, two); a record refers to one"),
    "unclosed": (1, "never closed"),
    "unknown-field": (5, "decision.platfrom: unknown field (did you mean 'platform'?)"),
    "waiver-without-reason": (7, "waivers[0].reason: is required"),
}


@pytest.fixture(scope="module")
def invalid_report() -> dict:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["check", "--format", "json", str(DATA / "invalid")])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("name", "expected"), INVALID.items(), ids=list(INVALID))
def test_an_invalid_record_is_an_error_naming_file_line_and_field(invalid_report, name, expected):
    line, message = expected
    record = next(r for r in invalid_report["records"] if Path(r["file"]).name.startswith(name + "."))
    assert record["outcome"] == "failed"
    problems = [(f["line"], f["message"]) for f in record["findings"] if f["rule"] == "advisor/invalid-record"]
    assert any(found_line == line and message in text for found_line, text in problems), problems


def test_every_invalid_file_is_covered(invalid_report):
    assert len(invalid_report["records"]) == len(INVALID)


def test_an_active_waiver_suppresses_its_rule_with_the_reason(runner):
    code, data = check(runner, str(DATA / "waivers" / "active.decision.yaml"))
    assert code == 0
    (finding,) = findings(data)
    assert finding["rule"] == "legacy-application"
    assert finding["suppressed"] == {
        "reason": "The vendor now ships a supported container image.",
        "expires": "2999-12-31",
    }
    assert data["summary"]["suppressed"] == 1 and data["summary"]["warnings"] == 0


def test_an_expired_waiver_is_an_error_and_suppresses_nothing(runner):
    path = DATA / "waivers" / "expired.decision.yaml"
    code, data = check(runner, str(path))
    assert code == 1
    by_rule = {f["rule"]: f for f in findings(data)}
    assert by_rule["advisor/expired-waiver"]["level"] == "error"
    assert by_rule["advisor/expired-waiver"]["line"] == line_of(path, "- rule: legacy-application")
    assert "expired on 2000-01-01" in by_rule["advisor/expired-waiver"]["message"]
    assert by_rule["legacy-application"]["suppressed"] is None


def test_a_waiver_covers_only_its_own_rule(runner, ruleset):
    code, data = check(runner, str(DATA / "waivers" / "forbidden-waived.decision.yaml"))
    assert code == 1
    open_rules = sorted(f["rule"] for f in findings(data) if f["suppressed"] is None)
    assert open_rules == [r for r in against(ruleset, "erp.yaml", "container") if r != "windows-workload-on-linux-host"]


def test_a_named_markdown_file_without_a_record_is_skipped_with_the_reason(runner):
    code, data = check(runner, str(DATA / "pass" / "docs" / "adr" / "README.md"))
    assert code == 0
    assert data["records"][0]["skipped"] == "no decision record: the file has no YAML front matter"


RECORD = "title: t\nstatus: accepted\ndate: 2025-01-01\ndecision: {{platform: {platform}}}\n{profile}\n"


def write_record(path: Path, platform: str = "container", profile: str = "profile: {name: a, host: {os: linux}}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RECORD.format(platform=platform, profile=profile), encoding="utf-8")
    return path


def test_default_discovery_finds_decision_files_and_front_matter_adrs(runner, tmp_path, monkeypatch):
    write_record(tmp_path / "services" / "a.decision.yaml")
    write_record(tmp_path / "services" / "b.decision.yml")
    write_record(tmp_path / ".cache" / "hidden.decision.yaml", platform="vm")  # hidden folders are not searched
    write_record(tmp_path / "node_modules" / "x.decision.yaml", platform="vm")
    adr = "---\n" + RECORD.format(platform="container", profile="profile: {name: a, host: {os: linux}}") + "---\n# A\n"
    for folder in ("docs/adr", "doc/adr/sub", "notes"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "0001-a.md").write_text(adr, encoding="utf-8")
    (tmp_path / "docs" / "adr" / "README.md").write_text("# Decisions\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, data = check(runner)
    assert code == 0
    assert [r["file"] for r in data["records"]] == [
        "doc/adr/sub/0001-a.md",
        "docs/adr/0001-a.md",
        "services/a.decision.yaml",
        "services/b.decision.yml",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-folder"],
        ["--rules", "no-such-rules"],
        ["--server", "ftp://example.org"],
        ["--server", "http://x", "--rules", "."],
    ],
    ids=["missing-path", "unreadable-rules", "server-not-http", "server-and-rules"],
)
def test_a_check_that_cannot_run_exits_2_even_with_exit_zero(runner, tmp_path, monkeypatch, args):
    write_record(tmp_path / "a.decision.yaml")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["check", "--exit-zero", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


def test_no_records_found_exits_2_saying_where_it_looked(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert "no decision records found in . (*.decision.yaml; ADRs in docs/adr and doc/adr)" in result.stderr


@pytest.mark.parametrize("where", ["default", "folder", "file"], ids=["no-arguments", "a-folder", "a-file"])
def test_a_profile_ref_is_read_relative_to_the_record_wherever_the_check_runs(runner, tmp_path, monkeypatch, where):
    """A profile beside the records' folder is the documented layout: no finding, from any folder or argument."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "p.yaml").write_text("name: p\nhost: {os: linux}\n", encoding="utf-8")
    write_record(tmp_path / "repo" / "a.decision.yaml", profile="profile_ref: ../shared/p.yaml")
    write_record(tmp_path / "repo" / "b.decision.yaml", profile="profile_ref: ../../../../../../etc/nothing-here.yaml")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "repo" if where == "default" else tmp_path / "elsewhere")
    args = {"default": [], "folder": [str(tmp_path / "repo")], "file": [str(tmp_path / "repo" / "a.decision.yaml")]}
    code, data = check(runner, *args[where])
    assert findings(data, "a.decision") == []
    assert next(r["outcome"] for r in data["records"] if r["file"].endswith("a.decision.yaml")) == "passed"
    if where != "file":
        assert code == 1
        (missing,) = findings(data, "b.decision")
        assert missing["message"].endswith("(resolved to /etc/nothing-here.yaml): no such file")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("loop.yaml", "cannot be followed: a symbolic link that leads back to itself"),
        ('"\\0x"', "cannot be followed: a path cannot hold a NUL character"),
        ("b" * 300 + ".yaml", os.strerror(errno.ENAMETOOLONG)),
    ],
    ids=["symlink-loop", "nul-byte", "name-too-long"],
)
def test_a_profile_ref_that_cannot_be_followed_is_an_invalid_record_and_the_run_goes_on(runner, tmp_path, ref, message):
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    write_record(tmp_path / "bad.decision.yaml", profile=f"profile_ref: {ref}")
    write_record(tmp_path / "good.decision.yaml")
    code, data = check(runner, str(tmp_path))
    assert code == 1
    outcomes = {Path(r["file"]).name: r["outcome"] for r in data["records"]}
    assert outcomes == {"bad.decision.yaml": "failed", "good.decision.yaml": "passed"}
    (finding,) = findings(data, "bad.decision")
    assert (finding["rule"], finding["line"]) == ("advisor/invalid-record", 5)
    assert finding["message"].startswith("profile_ref: ") and message in finding["message"]


BOM = "\ufeff"


def test_a_markdown_adr_starting_with_a_byte_order_mark_is_found_and_checked(runner, tmp_path, monkeypatch):
    front = RECORD.format(platform="container", profile="profile: {name: a, host: {os: linux}}")
    (tmp_path / "docs" / "adr").mkdir(parents=True)
    (tmp_path / "docs" / "adr" / "0001-a.md").write_text(f"{BOM}---\n{front}---\n# A\n", encoding="utf-8")
    bad = tmp_path / "docs" / "adr" / "0002-b.md"
    bad.write_text(f"{BOM}---\n{front.replace('container', 'mainframe')}---\n# B\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, data = check(runner)
    assert code == 1
    outcomes = {r["file"]: r["outcome"] for r in data["records"]}
    assert outcomes == {"docs/adr/0001-a.md": "passed", "docs/adr/0002-b.md": "failed"}
    (finding,) = findings(data, "0002-b")
    assert finding["line"] == line_of(bad, "mainframe")  # the mark does not shift the lines
    assert finding["message"].startswith("decision.platform: ")
    code, data = check(runner, "docs/adr/0001-a.md")
    assert (code, [r["outcome"] for r in data["records"]]) == (0, ["passed"])


def test_differing_on_points_alone_is_its_own_finding(runner, tmp_path, write_rules):
    rules = write_rules("""
        rules:
          - id: gpus-favour-containers
            title: GPUs favour containers
            when: {hardware.gpu: true}
            score: {container: 2}
            because: A reason.
            links: [https://example.org/gpu]
    """)
    record = write_record(tmp_path / "a.decision.yaml", platform="vm")
    code, data = check(runner, "--no-builtin-rules", "--rules", str(rules), str(record))
    assert code == 0  # nothing fired: a tie, low confidence, so a warning
    (finding,) = findings(data)
    assert (finding["rule"], finding["level"]) == ("advisor/differs", "warning")
    assert "on points alone" in finding["message"]


def test_a_profile_no_platform_fits_is_an_error(runner, tmp_path, write_rules):
    rules = write_rules("""
        rules:
          - id: no-vms-or-containers
            title: No VMs or containers
            when: {host.os: linux}
            forbid: [vm, container]
            because: A reason.
            links: [https://example.org/none]
          - id: no-hybrids
            title: No hybrids
            when: {host.os: linux}
            forbid: [hybrid]
            because: A reason.
            links: [https://example.org/none]
    """)
    record = write_record(tmp_path / "a.decision.yaml")
    code, data = check(runner, "--rules", str(rules), str(record))
    assert code == 1
    assert [f["rule"] for f in findings(data)] == ["advisor/no-platform-fits"]


def test_a_system_is_judged_component_by_component(runner, tmp_path):
    profile = (
        "profile:\n  name: shop\n  host: {os: linux}\n  components:\n"
        "    - {name: web, workload: {architecture: microservices}}\n"
        "    - {name: erp, workload: {os: [windows], legacy: true}}"
    )
    record = write_record(tmp_path / "a.decision.yaml", platform="container", profile=profile)
    code, data = check(runner, str(record))
    assert code == 1
    messages = [f["message"] for f in findings(data)]
    assert messages and all(m.startswith("component erp: decided container") for m in messages)
    assert any(f["rule"] == "windows-workload-on-linux-host" and "forbids" in f["message"] for f in findings(data))


def test_the_same_input_gives_the_same_bytes_in_canonical_order(runner):
    first = runner.invoke(cli, ["check", "--format", "text", str(DATA)]).stdout
    second = runner.invoke(cli, ["check", "--format", "text", str(DATA / "waivers"), str(DATA)]).stdout
    assert first == second
    _, data = check(runner, str(DATA))
    keys = [(r["file"], f["line"] or 0, f["rule"]) for r in data["records"] for f in r["findings"]]
    assert keys == sorted(keys)


# --- --server: the same check against a running advisor service ---


def test_an_unreachable_server_exits_2_with_a_clear_message(runner):
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(cli, ["check", "--server", url, "--timeout", "2", str(DATA / "pass")])
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot reach the advisor service at {url} (ConnectionError)\n"


@pytest.fixture
def not_advisor():
    """A real HTTP server that answers every request with an HTML page: not an advisor service."""

    class Page(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = b"<html><body>It works!</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    with serving_in_thread(server) as url:
        yield url


def test_a_server_that_is_not_advisor_exits_2(runner, not_advisor):
    result = runner.invoke(cli, ["check", "--server", not_advisor, str(DATA / "pass")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {not_advisor} did not answer like an advisor service "
        "(GET /v1/rules: HTTP 200, text/html: the body is not JSON)\n"
    )


@pytest.mark.live
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_the_service_gives_the_same_results_as_local_rules(runner, live_server, fmt):
    sets = [str(DATA / name) for name in ("pass", "warn", "fail", "waivers", "invalid")]
    local = runner.invoke(cli, ["check", "--format", fmt, *sets])
    remote = runner.invoke(cli, ["check", "--format", fmt, "--server", live_server, *sets])
    assert (remote.exit_code, remote.stderr) == (local.exit_code, local.stderr) == (1, "")
    assert remote.stdout == local.stdout


def test_a_server_that_never_answers_times_out_with_exit_2(runner):
    with socket.socket() as silent:  # accepts connections (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        result = runner.invoke(cli, ["check", "--server", url, "--timeout", "0.3", str(DATA / "pass")])
    assert result.exit_code == 2
    assert result.stderr == f"error: the advisor service at {url} did not answer within 0.3 s\n"


NO_FIT_RULES = """
rules:
  - id: no-desktops-on-vms-or-containers
    title: No desktops on VMs or containers
    when: {workload.gui: true}
    forbid: [vm, container]
    because: A reason.
    links: [https://example.org/a]
  - id: no-desktops-on-hybrids
    title: No desktops on hybrids
    when: {workload.gui: true}
    forbid: [hybrid]
    because: A reason.
    links: [https://example.org/b]
"""


@pytest.mark.live
def test_a_service_with_its_own_rules_judges_as_those_rules_do_locally(runner, tmp_path):
    rules = tmp_path / "org-rules"
    rules.mkdir()
    (rules / "org.yaml").write_text(NO_FIT_RULES, encoding="utf-8")
    gui = "profile: {name: desk, host: {os: linux}, workload: {gui: true}}"
    write_record(tmp_path / "records" / "desk.decision.yaml", platform="vm", profile=gui)
    write_record(tmp_path / "records" / "web.decision.yaml", platform="vm")
    records = str(tmp_path / "records")
    local = runner.invoke(cli, ["check", "--format", "json", "--rules", str(rules), records])
    with serving({"ADVISOR_RULES": str(rules)}, workers=1) as server:
        remote = runner.invoke(cli, ["check", "--format", "json", "--server", server.url, records])
    assert remote.exit_code == local.exit_code == 1
    assert remote.stdout == local.stdout
    rules_found = [f["rule"] for r in json.loads(local.stdout)["records"] for f in r["findings"]]
    assert "advisor/no-platform-fits" in rules_found


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"title: a\n---\ntitle: b\n", "a decision record is one YAML document, got 2"),
        (b"title: \xff\n", "not UTF-8 text"),
        (RECORD.format(platform="vm", profile="profile_ref: .").encode(), "not a regular file"),
        (RECORD.format(platform="vm", profile="profile_ref: bad.yaml").encode(), "month must be in 1..12"),
        (RECORD.format(platform="vm", profile="profile_ref: latin1.yaml").encode(), "not UTF-8 text"),
    ],
    ids=["two-documents", "not-utf8", "ref-to-a-folder", "ref-with-an-impossible-date", "ref-not-utf8"],
)
def test_unreadable_records_and_profiles_are_reported_not_raised(runner, tmp_path, text, message):
    (tmp_path / "bad.yaml").write_text("name: a\nhost: {os: linux}\nx: 2025-13-01\n", encoding="utf-8")
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    (tmp_path / "a.decision.yaml").write_bytes(text)
    code, data = check(runner, str(tmp_path / "a.decision.yaml"))
    assert code == 1
    (finding,) = findings(data)
    assert finding["rule"] == "advisor/invalid-record" and message in finding["message"]


SYSTEM = (
    "profile:\n  name: shop\n  host: {os: linux}\n  components:\n"
    "    - {name: web, workload: {architecture: microservices}}\n"
    "    - {name: erp, workload: {os: [windows], legacy: true}}"
)


def _without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


def _no_alternatives(data: dict, component: int | None = None) -> dict:
    if component is None:
        return data | {"alternatives": []}
    data["components"][component]["alternatives"] = []
    return data


# How an odd service changes the real app's answer to POST /v1/recommendations: (status, data) -> (status, body).
ODD_ANSWERS = {
    "errors-not-mappings": (
        lambda status, data: (400, json.dumps({"detail": "bad", "errors": ["oops"]})),
        "HTTP 400, application/json: not a problem: errors.0: Input should be a valid dictionary",
    ),
    "errors-a-mapping": (
        lambda status, data: (400, json.dumps({"detail": "bad", "errors": {"loc": "x"}})),
        "HTTP 400, application/json: not a problem: errors: Input should be a valid list)",
    ),
    "error-loc-an-object": (
        lambda status, data: (400, json.dumps({"detail": "bad", "errors": [{"loc": {"a": [1]}, "msg": "m"}]})),
        "HTTP 400, application/json: not a problem: errors.0.loc: Input should be a valid string)",
    ),
    "no-fit-detail-an-object": (
        lambda status, data: (422, json.dumps({"detail": {"x": 1}})),
        "HTTP 422, application/json: not a problem: detail: Input should be a valid string)",
    ),
    "no-alternatives": (
        lambda status, data: (status, json.dumps(_no_alternatives(data))),
        "HTTP 200, application/json: the recommendation lists no alternative ",
    ),
    "component-without-alternatives": (
        lambda status, data: (status, json.dumps(_no_alternatives(data, 1))),
        "HTTP 200, application/json: component erp lists no alternative ",
    ),
    "deeply-nested-json": (
        lambda status, data: (200, "[" * 100_000 + "]" * 100_000),
        "HTTP 200, application/json: the body is not JSON an advisor sends)",
    ),
    "a-list": (
        lambda status, data: (200, "[1, 2]"),
        "HTTP 200, application/json: not a recommendation: the body: ",
    ),
    "no-platform": (
        lambda status, data: (status, json.dumps(_without(data, "platform"))),
        "HTTP 200, application/json: not a recommendation: platform: Field required)",
    ),
    "an-unknown-status": (lambda status, data: (503, json.dumps(data)), "HTTP 503, application/json)"),
}


@pytest.fixture
def odd_service(app):
    """A real HTTP server in front of the real app, answering POST /v1/recommendations as `odd_service.answer` says."""
    client = app.test_client()

    class Front(http.server.BaseHTTPRequestHandler):
        answer = None
        rules = None  # how GET /v1/rules is changed: data -> data

        def reply(self, status: int, body: str | bytes) -> None:
            raw = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            real = client.get(self.path)
            if Front.rules and self.path == "/v1/rules":
                self.reply(200, json.dumps(Front.rules(real.get_json())))
            else:
                self.reply(200, real.get_data())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            real = client.post(self.path, data=body, content_type=self.headers["Content-Type"])
            self.reply(*Front.answer(real.status_code, real.get_json()))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Front)
    with serving_in_thread(server) as url:
        Front.url = url
        yield Front


@pytest.mark.parametrize(("answer", "expected"), ODD_ANSWERS.values(), ids=list(ODD_ANSWERS))
def test_a_service_answering_unlike_advisor_exits_2_saying_what_was_wrong(
    runner, tmp_path, odd_service, answer, expected
):
    record = write_record(tmp_path / "a.decision.yaml", platform="container", profile=SYSTEM)
    odd_service.answer = staticmethod(answer)
    result = runner.invoke(cli, ["check", "--server", odd_service.url, str(record)])
    assert (result.exit_code, result.stdout) == (2, "")
    start = f"error: {odd_service.url} did not answer like an advisor service (POST /v1/recommendations: "
    assert result.stderr.startswith(start) and expected in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_the_odd_service_front_passes_the_real_answers_through(runner, tmp_path, odd_service):
    """The front itself changes nothing unless told to, so the failures above come from the changes."""
    record = write_record(tmp_path / "a.decision.yaml", platform="container", profile=SYSTEM)
    odd_service.answer = staticmethod(lambda status, data: (status, json.dumps(data)))
    remote = runner.invoke(cli, ["check", "--format", "json", "--server", odd_service.url, str(record)])
    local = runner.invoke(cli, ["check", "--format", "json", str(record)])
    assert (remote.exit_code, remote.stdout) == (local.exit_code, local.stdout)
    assert local.exit_code == 1


def test_a_service_refusing_the_profile_with_well_formed_errors_is_an_invalid_record(runner, tmp_path, odd_service):
    """An advisor with another profile model answers 400 naming the field: a finding on the record, not exit 2."""
    record = write_record(tmp_path / "a.decision.yaml", platform="container", profile=SYSTEM)
    errors = [{"loc": "components[1].workload.legacy", "msg": "unknown field"}]
    odd_service.answer = staticmethod(lambda status, data: (400, json.dumps({"detail": "invalid", "errors": errors})))
    code, data = check(runner, "--server", odd_service.url, str(record))
    assert code == 1
    (finding,) = findings(data)
    assert (finding["rule"], finding["line"]) == ("advisor/invalid-record", line_of(record, "profile:"))
    assert finding["message"] == "the service refused the profile: components[1].workload.legacy: unknown field"


def _each_item(key: str, value: object):
    return lambda data: data | {"items": [item | {key: value} for item in data["items"]]}


# How an odd service changes the real GET /v1/rules answer, and what the check then says is wrong.
ODD_RULES = {
    "because-a-number": (_each_item("because", 5), "items.0.because: Input should be a valid string)"),
    "links-numbers": (_each_item("links", [1, 2]), "items.0.links.0: Input should be a valid string)"),
    "links-one-string": (_each_item("links", "https://x"), "items.0.links: Input should be a valid array)"),
    "title-an-object": (_each_item("title", {"a": 1}), "items.0.title: Input should be a valid string)"),
    "id-a-number": (_each_item("id", 7), "items.0.id: Input should be a valid string)"),
    "forbid-one-string": (_each_item("forbid", "container"), "items.0.forbid: Input should be a valid array)"),
    "version-a-list": (lambda data: data | {"version": ["a"]}, "version: Input should be a valid string)"),
    "digest-null": (lambda data: data | {"digest": None}, "digest: Input should be a valid string)"),
    "count-negative": (lambda data: data | {"rules": -1}, "rules: Input should be greater than or equal to 0)"),
    "items-without-title": (lambda data: data | {"items": [{"id": "a"}]}, "items.0.title: Field required)"),
}


@pytest.mark.parametrize("fmt", ["text", "sarif", "junit", "github"])
@pytest.mark.parametrize(("change", "expected"), ODD_RULES.values(), ids=list(ODD_RULES))
def test_a_service_listing_rules_unlike_advisor_exits_2_naming_the_field(
    runner, tmp_path, odd_service, change, expected, fmt
):
    record = write_record(tmp_path / "a.decision.yaml", platform="container", profile=SYSTEM)
    odd_service.answer = staticmethod(lambda status, data: (status, json.dumps(data)))
    odd_service.rules = staticmethod(change)
    result = runner.invoke(cli, ["check", "--format", fmt, "--server", odd_service.url, str(record)])
    assert (result.exit_code, result.stdout) == (2, "")
    start = f"error: {odd_service.url} did not answer like an advisor service (GET /v1/rules: HTTP 200, "
    assert result.stderr.startswith(start) and result.stderr.endswith(f"{expected}\n"), result.stderr
    assert "Traceback" not in result.output


def _trickle(handler: http.server.BaseHTTPRequestHandler) -> None:
    """A valid-looking answer, one byte every 50 ms: each read is quick, the whole answer is not."""
    body = json.dumps({"version": "1", "digest": "d", "rules": 0, "items": []}).encode() + b" " * 1000
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for i in range(len(body)):
        handler.wfile.write(body[i : i + 1])
        handler.wfile.flush()
        time.sleep(0.05)


def _endless(handler: http.server.BaseHTTPRequestHandler) -> None:
    """Chunked whitespace that never ends: valid JSON so far, and no end to it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b" " * 2**20
    while True:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def _bad_redirect(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(302)
    handler.send_header("Location", "http://[::1/x")
    handler.send_header("Content-Length", "0")
    handler.end_headers()


@pytest.fixture
def misbehaving():
    """A real HTTP server whose handler for every request is `misbehaving.handle`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        handle_request = None

        def answer(self) -> None:
            with contextlib.suppress(OSError):  # the check hangs up on purpose
                Handler.handle_request(self)

        do_GET = do_POST = answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with serving_in_thread(server) as url:
        Handler.url = url
        yield Handler


@pytest.mark.parametrize(
    ("handler", "timeout", "message"),
    [
        (_trickle, "0.5", "error: the advisor service at {url} did not answer within 0.5 s\n"),
        # The size cap, not the deadline, must stop an endless body: a deadline with room for 16 MiB on a busy
        # machine, so the test shows which of the two tripped.
        (
            _endless,
            "20",
            "error: {url} did not answer like an advisor service "
            "(GET /v1/rules: HTTP 200, application/json: the body is larger than 16 MiB)\n",
        ),
        (_bad_redirect, "0.5", "error: cannot reach the advisor service at {url} (bad URL: Invalid IPv6 URL)\n"),
    ],
    ids=["a-byte-at-a-time", "endless-body", "redirect-to-a-malformed-url"],
)
def test_a_slow_endless_or_misdirecting_answer_exits_2_in_time(runner, misbehaving, handler, timeout, message):
    misbehaving.handle_request = staticmethod(handler)
    started = time.monotonic()
    result = runner.invoke(cli, ["check", "--server", misbehaving.url, "--timeout", timeout, str(DATA / "pass")])
    elapsed = time.monotonic() - started
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == message.format(url=misbehaving.url)
    # The trickle alone would take over 60 s, the endless body forever: each stops well within its deadline.
    assert elapsed < float(timeout) + 5


def test_a_host_name_urllib3_cannot_parse_exits_2(runner):
    url = f"http://{'a' * 64}.com"
    result = runner.invoke(cli, ["check", "--server", url, "--timeout", "0.5", str(DATA / "pass")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot reach the advisor service at {url} (bad URL: Failed to parse: ")
    assert "label empty or too long" in result.stderr


def test_the_statuses_left_unchecked_are_statuses_a_record_may_have():
    statuses = get_args(DecisionRecord.model_fields["status"].annotation)
    assert set(HISTORY_STATUSES) < set(statuses) and {"proposed", "accepted"}.isdisjoint(HISTORY_STATUSES)
