"""POST /v1/assessments: uploads in, the portfolio report out, every answer checked against openapi.yaml."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import openpyxl
import pytest
import requests
import yaml

from advisor.web import create_app
from tests.support import ROOT, ContractClient, serving

EXAMPLES = ROOT / "examples" / "assess"


def upload(*paths: str) -> dict[str, list[tuple[io.BytesIO, str]]]:
    """The example files as `file` parts, under their own names (which tell their kind)."""
    return {"file": [(io.BytesIO((EXAMPLES / p).read_bytes()), Path(p).name) for p in paths]}


def test_the_report_of_uploads_is_the_command_line_s(api):
    files = upload("rvtools/RVTools_tabvInfo.csv", "rvtools/RVTools_tabvDisk.csv", "rvtools/RVTools_tabvNetwork.csv")
    response = api.post("/v1/assessments", data=files, content_type="multipart/form-data")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="assessment.json"'
    report = response.get_json()
    golden = json.loads((EXAMPLES / "report.json").read_text())
    ours = {i["id"]: (i["verdict"], i["confidence"], i["profile"]) for i in report["items"]}
    theirs = {i["id"]: (i["verdict"], i["confidence"], i["profile"]) for i in golden["items"] if i["kind"] == "vm"}
    assert ours == theirs  # the same inferences as `advisor assess` on the same export


def test_the_json_report_fits_the_contract_s_schema():
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    # The report's schema, with the contract's components beside it so that its $refs resolve.
    schema = {**document["components"]["schemas"]["AssessmentReport"], "components": document["components"]}
    jsonschema.validate(json.loads((EXAMPLES / "report.json").read_text()), schema)
    broken = json.loads((EXAMPLES / "report.json").read_text())
    broken["items"][0]["verdict"] = "maybe"
    with pytest.raises(jsonschema.ValidationError, match="'maybe' is not one of"):
        jsonschema.validate(broken, schema)


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("csv", "text/csv"),
        ("markdown", "text/markdown"),
        ("html", "text/html"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_every_format_is_served(api, fmt, media_type):
    response = api.post(
        f"/v1/assessments?format={fmt}", data=upload("kubernetes/shop.yaml"), content_type="multipart/form-data"
    )
    assert response.status_code == 200 and response.mimetype == media_type
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        assert [row[0] for row in book["Items"].iter_rows(values_only=True)] == ["id", "shop"]


def test_a_previous_report_adds_what_changed(api):
    files = upload("rvtools-next-month/RVTools_tabvInfo.csv")
    files["previous"] = (io.BytesIO((EXAMPLES / "report.json").read_bytes()), "report.json")
    response = api.post("/v1/assessments", data=files, content_type="multipart/form-data")
    changes = response.get_json()["changes"]
    assert changes["new"] == ["api-gw-02"]
    assert set(changes["removed"]) == {"ci-runner-03", "gpu", "shop", "voting-app"}  # only the VMs were sent


def test_a_bad_upload_is_400_naming_the_file_first(api):
    files = {"file": [(io.BytesIO(b"PK\x03\x04 not a zip"), "export.xlsx")]}
    response = api.post("/v1/assessments", data=files, content_type="multipart/form-data")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    (error,) = response.get_json()["errors"]
    assert error["loc"] == "export.xlsx" and error["msg"].startswith("is not a readable XLSX (zip) file")


def test_a_bad_row_is_named_by_file_sheet_row_and_column(api):
    text = b"VM,Powerstate,CPUs\nweb,poweredOn,lots\n"
    files = {"file": [(io.BytesIO(text), "RVTools_tabvInfo.csv")]}
    (error,) = api.post("/v1/assessments", data=files, content_type="multipart/form-data").get_json()["errors"]
    assert error == {
        "loc": "RVTools_tabvInfo.csv: sheet vInfo, row 2, column 'CPUs'",
        "msg": "expected a number, got 'lots'",
    }


@pytest.mark.parametrize(
    ("query", "data", "content_type", "status", "detail"),
    [
        ("", b"VM\nx\n", "text/csv", 415, "upload the files as multipart/form-data, not 'text/csv'"),
        ("", {}, "multipart/form-data", 400, "invalid input: 1 problem, each named in errors"),
        ("?format=pdf", {}, "multipart/form-data", 400, "invalid input: 1 problem, each named in errors"),
    ],
    ids=["not-multipart", "no-file", "unknown-format"],
)
def test_requests_that_are_not_uploads_are_refused(api, query, data, content_type, status, detail):
    response = api.post(f"/v1/assessments{query}", data=data, content_type=content_type)
    assert response.status_code == status and response.get_json()["detail"] == detail


def test_an_upload_over_its_own_limit_is_413_and_the_limit_is_not_the_profile_s(log_lines):
    app = create_app({"RELOAD_SECONDS": 0, "LOG_STREAM": log_lines, "MAX_UPLOAD_BYTES": 100_000})
    assert app.config["MAX_BODY_BYTES"] == 256 * 1024  # a profile's limit is its own
    client = ContractClient(app.test_client())
    big = {"file": [(io.BytesIO(b"VM\n" + b"x\n" * 60_000), "RVTools_tabvInfo.csv")]}
    response = client.post("/v1/assessments", data=big, content_type="multipart/form-data")
    assert response.status_code == 413
    assert (
        response.get_json()["detail"]
        == "the upload is larger than the limit of 100000 bytes (ADVISOR_MAX_UPLOAD_BYTES)"
    )
    small = {"file": [(io.BytesIO((EXAMPLES / "gpu" / "compose.yaml").read_bytes()), "compose.yaml")]}
    assert client.post("/v1/assessments", data=small, content_type="multipart/form-data").status_code == 200


@pytest.mark.live
def test_a_chunked_upload_is_cut_off_at_the_limit_by_the_real_server():
    """gunicorn hands a chunked body on with no length: the limit must still hold, and a small one pass."""
    boundary = "b0undary"

    def body(lines: int):
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="RVTools_tabvInfo.csv"\r\n'
            "Content-Type: text/csv\r\n\r\nVM,Powerstate,CPUs\n"
        ).encode()
        for index in range(lines):
            yield f"vm{index},poweredOn,2\n".encode()
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    with serving({"ADVISOR_MAX_UPLOAD_BYTES": "50000"}, workers=1) as server:
        session = requests.Session()  # the contract session checks only bodies it can read back, not a stream
        too_big = session.post(server.url + "/v1/assessments", data=body(10_000), headers=headers, timeout=60)
        assert too_big.status_code == 413 and too_big.headers["Content-Type"] == "application/problem+json"
        assert "larger than the limit of 50000 bytes" in too_big.json()["detail"]
        fits = session.post(server.url + "/v1/assessments", data=body(100), headers=headers, timeout=60)
        assert fits.status_code == 200 and fits.json()["summary"]["items"] == 100


def test_the_upload_limit_is_a_documented_setting(monkeypatch):
    from advisor.settings import service_settings

    monkeypatch.setenv("ADVISOR_MAX_UPLOAD_BYTES", "1048576")
    assert service_settings()["MAX_UPLOAD_BYTES"] == 1_048_576
    monkeypatch.setenv("ADVISOR_MAX_UPLOAD_BYTES", "lots")
    with pytest.raises(SystemExit, match="ADVISOR_MAX_UPLOAD_BYTES: expected a whole number"):
        service_settings()
    assert "ADVISOR_MAX_UPLOAD_BYTES" in (ROOT / "README.md").read_text()
