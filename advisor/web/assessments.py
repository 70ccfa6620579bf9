"""Assessments over HTTP (POST /v1/assessments): upload inventories and manifests, get the portfolio report.

The same reading, inference and report as `advisor assess`. The body is multipart/form-data: one or more
`file` parts (an RVTools XLSX, its CSV files, Compose files, Kubernetes manifests, libvirt domain XML,
profiles) and optionally a `previous` part, a JSON report to compare with. The whole body may be at most
MAX_UPLOAD_BYTES (ADVISOR_MAX_UPLOAD_BYTES, 32 MiB by default); Werkzeug streams file parts to temporary
files as they arrive, so memory stays bounded whatever the size, and each file is read from disk with the
same limits as on the command line. `?format=` chooses the report's format (json by default), `?host_os=`
the target host. The web form's upload posts here, with `format` as a form field.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.utils import secure_filename

from advisor.assess.formats import FORMATS
from advisor.assess.run import assess_files
from advisor.errors import FieldError, InvalidInput
from advisor.web.api import live_rules
from advisor.web.artifacts import download
from advisor.web.problems import problem

assessments = Blueprint("assessments", __name__, url_prefix="/v1")

HOST_OSES = ("linux", "windows", "macos")
MAX_FILES = 64


@assessments.app_template_global("assessment_formats")
def assessment_formats() -> list[tuple[str, str]]:
    """(name, label) of every report format, for the form's choice: the page first, then the rest."""
    return sorted(((name, chosen.label) for name, chosen in FORMATS.items()), key=lambda f: f[0] != "html")


@assessments.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> Response:
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    return problem(413, f"the upload is larger than the limit of {limit} bytes (ADVISOR_MAX_UPLOAD_BYTES)")


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """A query parameter (or, from the web form, a form field) that must be one of `choices`."""
    value = request.args.get(name) or request.form.get(name) or default
    if value not in choices:
        raise InvalidInput([FieldError(name, f"the query parameter is one of {', '.join(choices)}, got {value!r}")])
    return value


def _save(upload: FileStorage, folder: Path, index: int, taken: set[str]) -> tuple[Path, str]:
    """Write one uploaded part to the folder under its own (made safe) name, which tells its kind."""
    name = secure_filename(upload.filename or "") or f"upload-{index + 1}"
    if name in taken:
        raise InvalidInput([FieldError("file", f"two files are named {name}; give each its own name")])
    taken.add(name)
    path = folder / name
    upload.save(path)
    return path, name


def _located(error: FieldError) -> FieldError:
    """An error whose loc starts with the uploaded file it is about (problem details carry no file of their own)."""
    loc = ": ".join(part for part in (error.file, error.loc) if part)
    return FieldError(loc, error.msg, line=error.line)


@assessments.post("/assessments")
def assess() -> Response:
    """The portfolio report of the uploaded inputs."""
    ruleset = live_rules()
    if request.mimetype != "multipart/form-data":
        given = f"'{request.mimetype}'" if request.mimetype else "no Content-Type"
        raise UnsupportedMediaType(f"upload the files as multipart/form-data, not {given}")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge
    request.max_content_length = limit  # a chunked body is cut off at the limit with a 413, not read whole
    try:
        files = request.files.getlist("file")
        previous = request.files.get("previous")
    except RequestEntityTooLarge:
        raise
    except ValueError as exc:  # a malformed multipart body
        raise BadRequest(f"the multipart body could not be read: {exc}") from None
    fmt = _choice("format", tuple(FORMATS), "json")
    host_os = _choice("host_os", HOST_OSES, "linux")
    if not files:
        raise InvalidInput([FieldError("file", "upload at least one file as a part named 'file'")])
    if len(files) > MAX_FILES:
        raise InvalidInput([FieldError("file", f"at most {MAX_FILES} files per assessment, got {len(files)}")])
    with tempfile.TemporaryDirectory(prefix="advisor-assess-") as folder:
        taken: set[str] = set()
        inputs = [_save(upload, Path(folder), index, taken) for index, upload in enumerate(files)]
        earlier = None
        if previous is not None:
            (Path(folder) / "previous").mkdir()
            earlier = _save(previous, Path(folder) / "previous", 0, set())
        try:
            report, _ = assess_files(inputs, ruleset, limit=limit, host_os=host_os, previous=earlier)
        except InvalidInput as exc:
            raise InvalidInput([_located(error) for error in exc.errors]) from None
    chosen = FORMATS[fmt]
    return download(chosen.render(report), chosen.media_type, f"assessment{chosen.suffix}")
