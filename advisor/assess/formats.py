"""FORMATS: the portfolio report in each format, one function and one entry per format.

Every format is made from the same report data and is the same bytes for the same data: JSON in the
data's own order, CSV and XLSX with one row per item, Markdown for a pull request, and a self-contained
HTML page. Text that came from an input (a VM's name, an image) is data in every format: escaped in HTML
and Markdown, and never a formula in CSV or XLSX.
"""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

# A cell that starts with one of these is a formula to a spreadsheet (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIXED_TIME = datetime.datetime(2000, 1, 1)  # an XLSX's timestamps: the same bytes on every run
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ITEM_COLUMNS = (
    "id", "name", "kind", "input", "where", "verdict", "platform", "confidence", "resting_on_unknowns", "wave",
    "blockers", "ruled_out", "reasons", "unknowns", "starters", "notes", "datacenter", "cluster", "host",
)  # fmt: skip


def _cell(value: Any) -> Any:
    """A value for a spreadsheet cell: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def reasons_text(item: dict[str, Any]) -> str:
    """An item's top reasons by rule id; for an estate, each component's verdict."""
    if item["components"]:
        return "; ".join(f"{c['name']}: {c['verdict']}" for c in item["components"])
    return "; ".join(r["rule"] for r in item["reasons"])


def item_row(item: dict[str, Any]) -> list[Any]:
    """One item as a row of ITEM_COLUMNS; lists are joined with '; '."""
    row = {
        **item,
        "blockers": "; ".join(item["blockers"]),
        "ruled_out": "; ".join(f"{r['platform']} by {r['rule']}" for r in item["ruled_out"]),
        "reasons": reasons_text(item),
        "unknowns": "; ".join(u["field"] for u in item["unknowns"]),
        "starters": "; ".join(item["starters"]),
        "notes": "; ".join(item["notes"]),
        **{key: item["location"].get(key) for key in ("datacenter", "cluster", "host")},
    }
    return [row[column] for column in ITEM_COLUMNS]


def as_json(report: dict[str, Any]) -> bytes:
    """The report as JSON, keys in the report's order: the form to keep in git and compare against.

    Each item is one line (the rest is indented), so a month's diff shows exactly the items that changed,
    and the C encoder writes the items: json's indenting encoder is pure Python, several times slower.
    """
    parts = []
    for key, value in report.items():
        if key == "items":
            lines = ",\n".join("    " + json.dumps(item, ensure_ascii=False) for item in value)
            text = f"[\n{lines}\n  ]" if value else "[]"
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


def as_csv(report: dict[str, Any]) -> bytes:
    """One row per item, a header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ITEM_COLUMNS)
    for item in report["items"]:
        writer.writerow([_cell("" if v is None else v) for v in item_row(item)])
    return buffer.getvalue().encode("utf-8")


def _summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    summary = report["summary"]
    rows: list[list[Any]] = [
        ["rules", f"{report['ruleset']['version']} ({report['ruleset']['digest']})"],
        ["items", summary["items"]],
        ["skipped", summary["skipped"]],
        ["with blockers", summary["with_blockers"]],
    ]
    rows += [[f"verdict: {verdict}", count] for verdict, count in summary["verdicts"].items()]
    rows += [[f"confidence: {level}", count] for level, count in summary["confidence"].items()]
    rows += [[f"wave {w['wave']}: {w['title']}", len(w["items"])] for w in report["waves"]]
    return rows


def as_xlsx(report: dict[str, Any]) -> bytes:
    """A workbook: Summary, Items (one row per item), Skipped and, when compared, Changes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.writer.excel import save_workbook

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "advisor"
    workbook.properties.created = FIXED_TIME

    def sheet(title: str, header: list[str], rows: list[list[Any]]) -> None:
        worksheet = workbook.create_sheet(title)
        for row in [header, *rows]:
            cells = []
            for value in row:
                cell = WriteOnlyCell(worksheet, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text, even when it starts with '='
                cells.append(cell)
            worksheet.append(cells)

    sheet("Summary", ["what", "count"], _summary_rows(report))
    sheet("Items", list(ITEM_COLUMNS), [item_row(item) for item in report["items"]])
    sheet("Skipped", ["name", "where", "why"], [[s["name"], s["where"], s["why"]] for s in report["skipped"]])
    if "changes" in report:
        changes = report["changes"]
        rows = [["new", item, ""] for item in changes["new"]] + [["removed", item, ""] for item in changes["removed"]]
        rows += [
            ["changed", c["id"], f"{c['from']['verdict']} -> {c['to']['verdict']}: {'; '.join(c['why'])}"]
            for c in changes["changed"]
        ]
        rows += [["updated", u["id"], "; ".join(u["why"])] for u in changes["updated"]]
        sheet("Changes", ["change", "id", "why"], rows)
    buffer = io.BytesIO()
    save_workbook(workbook, buffer)
    return _fixed_zip(buffer.getvalue(), workbook)


def _fixed_zip(data: bytes, workbook: Any) -> bytes:
    """The same archive with fixed timestamps (openpyxl stamps the save time), so the bytes repeat."""
    from openpyxl.xml.functions import tostring

    workbook.properties.modified = FIXED_TIME
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "docProps/core.xml":
                content = tostring(workbook.properties.to_tree())
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def _md(text: Any) -> str:
    """Text for a Markdown table cell: pipes, markup and line breaks made harmless."""
    value = "" if text is None else str(text)
    for old, new in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("`", "\\`"), ("*", "\\*"),
                     ("_", "\\_"), ("[", "\\["), ("]", "\\]")):  # fmt: skip
        value = value.replace(old, new)
    return " ".join(value.split())


def as_markdown(report: dict[str, Any]) -> bytes:
    """The report for a pull request or a wiki: summary, waves, items, blockers, skipped, changes."""
    summary = report["summary"]
    lines = [
        "# Portfolio assessment",
        "",
        f"{summary['items']} items from {len(report['inputs'])} inputs ({summary['skipped']} skipped), "
        f"rules {_md(report['ruleset']['version'])} `{report['ruleset']['digest']}`, target host "
        f"{_md(report['host_os'])}. An answer that rests more than {report['insufficient_share']:.0%} on unknown "
        "fields is *insufficient data*.",
        "",
        "| verdict | items |",
        "|---|---|",
        *(f"| {_md(verdict)} | {count} |" for verdict, count in summary["verdicts"].items()),
        "",
        "| confidence | items |",
        "|---|---|",
        *(f"| {level} | {count} |" for level, count in summary["confidence"].items()),
        "",
        "## Waves",
        "",
    ]
    for wave in report["waves"]:
        names = ", ".join(_md(i) for i in wave["items"]) or "none"
        lines += [f"{wave['wave']}. **{_md(wave['title'])}** ({len(wave['items'])}): {names}"]
    lines += [
        "",
        "## Items",
        "",
        "| item | verdict | confidence | wave | top reasons | unknowns | starters |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in report["items"]:
        reasons = reasons_text(item)
        unknowns = ", ".join(u["field"] for u in item["unknowns"])
        cells = [item["id"], item["verdict"], item["confidence"] or "", item["wave"], reasons, unknowns,
                 ", ".join(item["starters"])]  # fmt: skip
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    blocked = [item for item in report["items"] if item["blockers"]]
    if blocked:
        lines += ["", "## Blockers", ""]
        lines += [f"- **{_md(i['id'])}**: {_md('; '.join(i['blockers']))}" for i in blocked]
    if report["skipped"]:
        lines += ["", "## Skipped", ""]
        lines += [f"- {_md(s['name'])} ({_md(s['where'])}): {_md(s['why'])}" for s in report["skipped"]]
    if "changes" in report:
        lines += ["", *_markdown_changes(report["changes"])]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _markdown_changes(changes: dict[str, Any]) -> list[str]:
    lines = [f"## Changes since {_md(changes['previous'])}", ""]
    if changes["rules_changed"]:
        lines += [f"The rules changed (was `{changes['previous_ruleset']}`).", ""]
    lines += [f"- new: {_md(', '.join(changes['new']) or 'none')}"]
    lines += [f"- removed: {_md(', '.join(changes['removed']) or 'none')}"]
    for change in changes["changed"]:
        old, new = change["from"], change["to"]
        lines.append(
            f"- **{_md(change['id'])}**: {_md(old['verdict'])} ({_md(old['confidence'])}) → "
            f"{_md(new['verdict'])} ({_md(new['confidence'])}): {_md('; '.join(change['why']))}"
        )
    for update in changes["updated"]:
        lines.append(f"- {_md(update['id'])}, same verdict: {_md('; '.join(update['why']))}")
    return lines


def _stylesheet() -> str:
    return resources.files("advisor.assess").joinpath("templates/report.css").read_text(encoding="utf-8")


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this stylesheet inline: 'sha256-...'."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'"


def as_html(report: dict[str, Any]) -> bytes:
    """One self-contained page: no script, nothing loaded from elsewhere, its one stylesheet allowed by hash."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("advisor.assess", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    css = _stylesheet()
    policy = (
        f"default-src 'none'; style-src {style_hash(css)}; img-src 'none'; script-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    page = environment.get_template("report.html").render(report=report, css=css, policy=policy)
    return page.encode("utf-8")


@dataclass(frozen=True)
class Format:
    """One report format: the function that writes it, its media type and its file suffix."""

    render: Callable[[dict[str, Any]], bytes]
    media_type: str
    suffix: str
    label: str


FORMATS: dict[str, Format] = {
    "json": Format(as_json, "application/json", ".json", "JSON (to keep in git and compare)"),
    "csv": Format(as_csv, "text/csv; charset=utf-8", ".csv", "CSV"),
    "xlsx": Format(
        as_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "Excel workbook (XLSX)"
    ),
    "markdown": Format(as_markdown, "text/markdown; charset=utf-8", ".md", "Markdown"),
    "html": Format(as_html, "text/html; charset=utf-8", ".html", "Web page (HTML)"),
}
