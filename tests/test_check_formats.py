"""Each `advisor check` format read back by a real parser: SARIF by the OASIS schema, JUnit by junitparser,
GitHub workflow commands by a parser that follows GitHub's escaping rules."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from lxml import etree as lxml_etree

from advisor.check.formats import FORMATTERS
from advisor.cli import cli
from advisor.engine.decide import recommend
from advisor.profiles import read_profiles
from tests.support import ROOT

DATA = ROOT / "tests" / "data" / "decisions"
SETS = [str(DATA / name) for name in ("pass", "warn", "fail", "waivers", "invalid")]


def run(runner, fmt: str, *args: str) -> str:
    result = runner.invoke(cli, ["check", "--format", fmt, *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture(scope="module")
def report() -> dict:
    from click.testing import CliRunner

    return json.loads(CliRunner().invoke(cli, ["check", "--format", "json", *SETS]).stdout)


def all_findings(report: dict) -> list[dict]:
    return [{**f, "file": r["file"]} for r in report["records"] for f in r["findings"]]


def location(result: dict) -> dict:
    return result["locations"][0]["physicalLocation"]


def test_sarif_validates_against_the_oasis_schema_with_a_rule_id_per_rule(runner, report, ruleset):
    sarif = json.loads(run(runner, "sarif", *SETS))
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(sarif)
    (run_,) = sarif["runs"]
    descriptors = run_["tool"]["driver"]["rules"]
    assert [d["id"] for d in descriptors] == sorted({f["rule"] for f in all_findings(report)})
    microservices = next(d for d in descriptors if d["id"] == "microservices")
    shipped = ruleset.get("microservices").rule
    assert microservices["shortDescription"]["text"] == shipped.title
    assert microservices["fullDescription"]["text"] == shipped.because
    assert microservices["properties"]["links"] == [str(link) for link in shipped.links]
    results = run_["results"]
    assert len(results) == len(all_findings(report))
    for result in results:
        assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]
    suppressed = [r for r in results if r["suppressions"]]
    assert [s["suppressions"][0]["justification"] for s in suppressed] == [
        "The vendor now ships a supported container image. (until 2999-12-31)",
        "The ERP moves to a Windows host next quarter. (until 2999-12-31)",
    ]
    web_path = DATA / "fail" / "web-on-vms.md"
    web = next(r for r in results if location(r)["artifactLocation"]["uri"] == web_path.resolve().as_uri())
    platform_line = next(n for n, line in enumerate(web_path.read_text().splitlines(), 1) if "platform:" in line)
    assert location(web)["region"]["startLine"] == platform_line
    assert web["level"] == "error"


def test_sarif_locations_under_the_working_folder_are_relative_for_code_scanning(runner, monkeypatch):
    monkeypatch.chdir(DATA)
    results = json.loads(run(runner, "sarif", "fail"))["runs"][0]["results"]
    assert {location(r)["artifactLocation"]["uri"] for r in results} == {
        "fail/erp-on-containers.decision.yaml",
        "fail/web-on-vms.md",
    }


def read_junit(text: str, tmp_path: Path) -> JUnitXml:
    """JUnit XML as a CI server reads it: from the file the check's output was saved to."""
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def test_junit_has_a_case_per_record_failing_erring_and_skipping_as_the_check_does(runner, report, tmp_path):
    xml = read_junit(run(runner, "junit", *SETS), tmp_path)
    (suite,) = list(xml)
    cases = {case.classname: case for case in suite}
    assert sorted(cases) == sorted(r["file"] for r in report["records"])
    for record in report["records"]:
        kinds = {type(result) for result in cases[record["file"]].result}
        expected = {"passed": set(), "warned": set(), "skipped": {Skipped}}.get(record["outcome"])
        if record["outcome"] == "failed":
            invalid = any(f["rule"] == "advisor/invalid-record" for f in record["findings"])
            expected = {Error} if invalid else {Failure}
        assert kinds == expected, record["file"]
    erp = cases[str(DATA / "fail" / "erp-on-containers.decision.yaml")]
    assert sorted(r.type for r in erp.result) == sorted(
        f["rule"] for f in all_findings(report) if f["file"].endswith("fail/erp-on-containers.decision.yaml")
    )
    assert suite.failures == sum(isinstance(r, Failure) for c in suite for r in c.result)


def test_junit_counts_warnings_as_failures_with_fail_on_warning(runner, tmp_path):
    plain = read_junit(run(runner, "junit", str(DATA / "warn")), tmp_path)
    strict = read_junit(run(runner, "junit", "--fail-on", "warning", str(DATA / "warn")), tmp_path)
    assert [s.failures for s in plain] == [0]
    assert [s.failures for s in strict] == [4]


def xml_text(text: str) -> str:
    """Text as XML 1.0 can hold it: each C0 control but tab, newline and carriage return becomes U+FFFD."""
    return "".join("\ufffd" if ord(c) < 0x20 and c not in "\t\n\r" else c for c in text)


def test_junit_is_well_formed_xml_whatever_control_characters_the_records_hold(runner, ruleset, tmp_path):
    result = recommend(read_profiles([str(DATA / "profiles" / "plain.yaml")])[0], ruleset)
    rule = next(a for a in result.alternatives if a.platform == "vm").why_not[0].rule  # a rule that fires
    title = "bad\x01title\x1b[31m\x00"
    record = (
        f'title: "bad\\x01title\\x1b[31m\\0"\nstatus: accepted\ndate: 2025-01-01\ndecision: {{platform: vm}}\n'
        f"profile_ref: {DATA / 'profiles' / 'plain.yaml'}\n"
        f'waivers:\n  - {{rule: {rule}, reason: "r\\x02eason", expires: 2099-01-01}}\n'
    )
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "ctl.decision.yaml").write_text(record, encoding="utf-8")
    invalid = tmp_path / "records" / "bad\x05name.decision.yaml"  # a file name is record text too
    invalid.write_text("title: x\n", encoding="utf-8")
    output = run(runner, "junit", str(tmp_path / "records"))
    lxml_etree.fromstring(output.encode())  # lxml (libxml2) and the standard library (expat) both accept it
    ET.fromstring(output)
    (suite,) = list(read_junit(output, tmp_path))
    cases = {case.classname: case for case in suite}
    assert sorted(cases) == sorted([xml_text(str(invalid)), str(tmp_path / "records" / "ctl.decision.yaml")])
    waived = cases[str(tmp_path / "records" / "ctl.decision.yaml")]
    assert waived.name == xml_text(title)
    assert "waived until 2099-01-01: " + xml_text("r\x02eason") in waived.system_out
    errors = cases[xml_text(str(invalid))].result
    assert errors and all(isinstance(e, Error) and e.text.startswith(xml_text(str(invalid))) for e in errors)


COMMAND = re.compile(r"^::(?P<command>error|warning|notice) (?P<properties>[^:]*)::(?P<data>.*)$")


def unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_github(output: str) -> list[dict]:
    """Workflow commands as GitHub reads them: properties split on ',' and '=', then unescaped."""
    found = []
    for line in output.splitlines():
        match = COMMAND.match(line)
        if not match:
            continue
        properties = dict(pair.split("=", 1) for pair in match["properties"].split(","))
        found.append(
            {
                "command": match["command"],
                **{k: unescape(v) for k, v in properties.items()},
                "data": unescape(match["data"]),
            }
        )
    return found


def test_github_commands_annotate_each_finding_on_its_file_and_line(runner, report):
    commands = parse_github(run(runner, "github", *SETS))
    expected = sorted(
        (
            "notice" if f["suppressed"] else {"note": "notice"}.get(f["level"], f["level"]),
            f["file"],
            str(f["line"] or ""),
        )
        for f in all_findings(report)
    )
    assert sorted((c["command"], c["file"], c.get("line", "")) for c in commands) == expected
    assert all("\n" in c["data"] for c in commands if not c["title"].startswith("advisor/"))  # the rule's reason too


def test_github_escaping_survives_commas_colons_percents_and_newlines(runner, tmp_path):
    name = "a,b:c%0A d.decision.yaml"
    title = "Odd: 100%, really\\r"
    (tmp_path / name).write_text(
        f"title: '{title}'\nstatus: accepted\ndate: 2025-01-01\ndecision: {{platform: vm}}\n"
        "profile: {name: x, host: {os: linux}, workload: {architecture: microservices}}\n",
        encoding="utf-8",
    )
    output = run(runner, "github", str(tmp_path / name))
    commands = parse_github(output)
    assert commands and {c["file"] for c in commands} == {str(tmp_path / name)}
    assert {c["line"] for c in commands} == {"4"}
    assert len(output.splitlines()) == len(commands) + 1  # one line per command, then the summary


def test_text_lists_findings_then_a_summary(runner):
    lines = run(runner, "text", str(DATA / "waivers")).splitlines()
    assert lines[-2] == "3 records: 1 passed, 0 with warnings, 2 failed, 0 skipped; 3 errors, 1 warning, 2 suppressed"
    assert lines[-1].startswith("rules: version ")
    suppressed = [line for line in lines if ": suppressed [" in line]
    assert len(suppressed) == 2 and all("(waived until 2999-12-31: " in line for line in suppressed)


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_every_format_is_byte_identical_for_the_same_input(runner, fmt):
    first = run(runner, fmt, *SETS)
    assert run(runner, fmt, *reversed(SETS)) == first


def test_the_cli_offers_exactly_the_registered_formats(runner):
    """A format added to FORMATTERS reaches `advisor check --format` without a second list to keep in step."""
    option = next(p for p in cli.commands["check"].params if p.name == "fmt")
    assert list(option.type.choices) == list(FORMATTERS) == ["text", "json", "junit", "sarif", "github"]
    assert "[default: text]" in runner.invoke(cli, ["check", "--help"]).output
