"""RFC 9457 problem details: every error the service returns, in one shape.

`type` is "about:blank" (the HTTP status says it all), `title` the status phrase, `detail` what went wrong
in plain words; `errors` names each bad field and `request_id` ties the answer to the server's log line.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, g, json

from advisor.errors import FieldError

PROBLEM_JSON = "application/problem+json"


def problem(status: int, detail: str, errors: list[FieldError] | None = None, **extra: Any) -> Response:
    """A problem+json response with the given status, detail and field errors."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [_error_data(e) for e in errors]
    body.update(extra)
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    # ASCII with escapes: a problem may quote what the client sent, lone surrogates included, and must
    # still be sendable.
    return Response(json.dumps(body, ensure_ascii=True), status=status, mimetype=PROBLEM_JSON)


def _error_data(error: FieldError) -> dict[str, Any]:
    data: dict[str, Any] = {"loc": error.loc, "msg": error.msg}
    if error.line is not None:
        data["line"] = error.line
    return data
