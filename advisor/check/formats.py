"""The check's report in each output format: one function per format, registered in FORMATTERS.

Every format lists findings in the canonical order (file, line, rule), so the same records and rules give
the same bytes. SARIF gives each rule its own ruleId with its title, reason and links as metadata.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from advisor import __version__
from advisor.check.report import INVALID, Finding, RecordResult, Report, RuleInfo, failing_levels

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def _waived(finding: Finding) -> str:
    assert finding.suppressed is not None
    return f"waived until {finding.suppressed.expires}: {finding.suppressed.reason}"


def _summary(report: Report) -> str:
    c = report.counts()

    def many(count: int, noun: str) -> str:
        return f"{count} {noun}" + ("" if count == 1 else "s")

    return (
        f"{many(c['records'], 'record')}: {c['passed']} passed, {c['warned']} with warnings, {c['failed']} failed, "
        f"{c['skipped']} skipped; {many(c['errors'], 'error')}, {many(c['warnings'], 'warning')}, "
        f"{c['suppressed']} suppressed"
    )


def as_text(report: Report) -> str:
    """One line per finding (`file:line: level [rule] message`), then a summary and the rule set used."""
    out = []
    for finding in report.findings:
        if finding.suppressed:
            out.append(f"{_where(finding)}: suppressed [{finding.rule}] {finding.message} ({_waived(finding)})")
        else:
            out.append(f"{_where(finding)}: {finding.level} [{finding.rule}] {finding.message}")
    ruleset = report.ruleset
    out += [_summary(report), f"rules: version {ruleset['version']}, {ruleset['digest']}"]
    return "\n".join(out) + "\n"


def _finding_data(finding: Finding) -> dict[str, Any]:
    suppressed = finding.suppressed
    return {
        "line": finding.line,
        "level": finding.level,
        "rule": finding.rule,
        "message": finding.message,
        "suppressed": {"reason": suppressed.reason, "expires": suppressed.expires} if suppressed else None,
    }


def _record_data(record: RecordResult, fail_on: str) -> dict[str, Any]:
    return {
        "file": record.file,
        "title": record.title,
        "outcome": record.outcome(fail_on),
        "skipped": record.skipped,
        "decided": record.decided,
        "recommended": record.recommended,
        "confidence": record.confidence,
        "findings": [_finding_data(f) for f in sorted(record.findings, key=Finding.key)],
    }


def _rule_data(info: RuleInfo) -> dict[str, Any]:
    return {"title": info.title, "because": info.because, "links": list(info.links)}


def as_json(report: Report) -> str:
    """The rule set, a summary, every record with its findings, and the rules the findings name."""
    data = {
        "ruleset": report.ruleset,
        "summary": report.counts(),
        "records": [_record_data(r, report.fail_on) for r in report.records],
        "rules": {rule: _rule_data(info) for rule, info in report.rules.items()},
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _explained(finding: Finding, report: Report) -> str:
    """A finding, then its rule's reason and links: enough to act on without another tool."""
    info = report.rules[finding.rule]
    lines = [f"{_where(finding)}: [{finding.rule}] {finding.message}"]
    if finding.suppressed:
        lines.append(_waived(finding))
    lines += [line for line in (info.because, *info.links) if line]
    return "\n".join(lines)


# Characters XML 1.0 does not allow anywhere, not even escaped: most C0 controls, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """Text XML 1.0 can hold: each character it cannot is replaced by U+FFFD, as a decoder shows a bad byte."""
    return _NOT_XML.sub("\ufffd", text)


def _make_xml_safe(root: ET.Element) -> None:
    """Make every text, tail and attribute in a tree XML 1.0 text, so any parser reads the document."""
    for element in root.iter():
        element.text = None if element.text is None else _xml_safe(element.text)
        element.tail = None if element.tail is None else _xml_safe(element.tail)
        element.attrib = {_xml_safe(key): _xml_safe(value) for key, value in element.attrib.items()}


def as_junit(report: Report) -> str:
    """JUnit XML: a test case per record; findings at a failing level fail it, an invalid record errs."""
    failing = failing_levels(report.fail_on)
    counts = report.counts()
    cases = []
    totals = {"failures": 0, "errors": 0, "skipped": counts["skipped"]}
    for record in report.records:
        case = ET.Element("testcase", {"classname": record.file, "name": record.title or record.file})
        if record.skipped:
            ET.SubElement(case, "skipped", {"message": record.skipped})
        others = []
        for finding in sorted(record.findings, key=Finding.key):
            if finding.suppressed is None and finding.level in failing:
                kind = "error" if finding.rule == INVALID else "failure"
                totals["failures" if kind == "failure" else "errors"] += 1
                attributes = {"message": finding.message, "type": finding.rule}
                ET.SubElement(case, kind, attributes).text = _explained(finding, report)
            else:
                state = "suppressed" if finding.suppressed else finding.level
                others.append(f"{state}: {_explained(finding, report)}")
        if others:
            ET.SubElement(case, "system-out").text = "\n\n".join(others)
        cases.append(case)
    attributes = {"name": "advisor check", "tests": str(len(cases))} | {k: str(v) for k, v in totals.items()}
    suites = ET.Element("testsuites", attributes)
    suite = ET.SubElement(suites, "testsuite", attributes)
    properties = ET.SubElement(suite, "properties")
    for key in ("version", "digest"):
        ET.SubElement(properties, "property", {"name": f"ruleset.{key}", "value": str(report.ruleset[key])})
    suite.extend(cases)
    _make_xml_safe(suites)  # titles, messages and waiver reasons are the records' own text
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _escape_data(text: str) -> str:
    """GitHub workflow command data: %, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """GitHub workflow command properties: as data, and ':' and ',' too, since they separate properties."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def as_github(report: Report) -> str:
    """GitHub workflow commands: an annotation per finding on its file and line, then a summary."""
    out = []
    for finding in report.findings:
        command = "notice" if finding.suppressed else _COMMANDS[finding.level]
        properties = {"file": finding.file, "line": str(finding.line) if finding.line else None}
        properties["title"] = f"{finding.rule} (suppressed)" if finding.suppressed else finding.rule
        given = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items() if value)
        out.append(f"::{command} {given}::{_escape_data(_explained(finding, report))}")
    out.append(_summary(report))
    return "\n".join(out) + "\n"


def _uri(file: str) -> str:
    """A relative URI for a file under the working folder (as code scanning expects), else a file: URI."""
    path = Path(file)
    if path.is_absolute() or ".." in path.parts:
        return path.resolve().as_uri()
    return quote(path.as_posix())


def _sarif_rule(info: RuleInfo) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": info.id, "shortDescription": {"text": info.title}}
    if info.because:
        rule["fullDescription"] = {"text": info.because}
    if info.links:
        rule["helpUri"] = info.links[0]
    help_text = "\n".join(line for line in (info.because, *info.links) if line)
    links = "\n".join(f"- <{link}>" for link in info.links)
    rule["help"] = {"text": help_text or info.title, "markdown": "\n\n".join(p for p in (info.because, links) if p)}
    rule["properties"] = {"links": list(info.links)}
    return rule


def _sarif_result(finding: Finding, index: int) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.file)}}
    if finding.line:
        location["region"] = {"startLine": finding.line}
    suppressions = []
    if finding.suppressed:
        justification = f"{finding.suppressed.reason} (until {finding.suppressed.expires})"
        suppressions.append({"kind": "inSource", "status": "accepted", "justification": justification})
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": finding.level,
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
        "suppressions": suppressions,
    }


def as_sarif(report: Report) -> str:
    """SARIF 2.1.0: one run, each rule a reportingDescriptor with its metadata, each finding a result."""
    order = {rule: index for index, rule in enumerate(report.rules)}
    run = {
        "tool": {
            "driver": {
                "name": "advisor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_sarif_rule(info) for info in report.rules.values()],
            }
        },
        "results": [_sarif_result(f, order[f.rule]) for f in report.findings],
        "properties": {"ruleset": report.ruleset},
    }
    data = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


FORMATTERS: dict[str, Callable[[Report], str]] = {
    "text": as_text,
    "json": as_json,
    "junit": as_junit,
    "sarif": as_sarif,
    "github": as_github,
}
