"""The HTTP service: `create_app()` builds the Flask app that gunicorn serves.

Settings come from the environment (documented in the README) or, for tests, from `test_config`:
RULE_DIRS (extra rule directories on top of the shipped rules and ADVISOR_RULES), BUILTIN_RULES,
MAX_BODY_BYTES (ADVISOR_MAX_BODY_BYTES, default 256 KiB), MAX_UPLOAD_BYTES (ADVISOR_MAX_UPLOAD_BYTES, the
limit of POST /v1/assessments, default 32 MiB), RELOAD_SECONDS (ADVISOR_RELOAD_SECONDS, default 2;
0 turns polling off), CACHE_ENTRIES (ADVISOR_CACHE_ENTRIES, answers each worker keeps, default 1024; 0 keeps
none), CACHE_BYTES (ADVISOR_CACHE_BYTES, the bytes those answers may take, default 16 MiB),
LOG_STREAM (where JSON log lines go; stderr by default), RULES_SNAPSHOT (ADVISOR_RULES_SNAPSHOT, the file the
last good rule set is kept in for workers that start while the files on disk are refused), PUBLIC_URL
(ADVISOR_PUBLIC_URL, the address the curl snippet names; never the request's Host header).
"""

from __future__ import annotations

import logging
import os
from importlib.resources import files
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from advisor.errors import AdvisorError, InvalidInput, NoPlatformFits
from advisor.generators.registry import KindDoesNotFit
from advisor.settings import public_url, service_settings
from advisor.web.api import AnswerCache, NotReady, api, json_response
from advisor.web.artifacts import artifacts
from advisor.web.assessments import assessments
from advisor.web.form import form
from advisor.web.formhtml import profile_form_html
from advisor.web.observe import Metrics, configure_logging, instrument
from advisor.web.problems import problem
from advisor.web.reference import reference
from advisor.web.resulthtml import result_html
from advisor.web.resultview import result_view
from advisor.web.rulestore import RuleStore

log = logging.getLogger("advisor.http")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the service: load the rules, register the routes, start watching the rule directories."""
    app = Flask(__name__)
    app.config.update(
        RULE_DIRS=[],
        BUILTIN_RULES=True,
        LOG_STREAM=None,
        RULES_SNAPSHOT=os.environ.get("ADVISOR_RULES_SNAPSHOT") or None,
        PUBLIC_URL=public_url(),
        **service_settings(),
    )
    app.config.update(test_config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    configure_logging(app.config["LOG_STREAM"])

    metrics = Metrics()
    store = RuleStore(
        app.config["RULE_DIRS"], builtin=app.config["BUILTIN_RULES"], snapshot=app.config["RULES_SNAPSHOT"]
    )
    store.on_change = metrics.ruleset_changed
    store.on_refused = metrics.reload_refused
    store.on_polled = metrics.polled.set_to_current_time
    store.refresh()  # a first load that fails leaves the service alive but not ready, still polling
    store.poll(app.config["RELOAD_SECONDS"])
    if app.config["RELOAD_SECONDS"] > 0:
        metrics.polled.set_to_current_time()
    app.extensions["advisor.rules"] = store
    app.extensions["advisor.metrics"] = metrics
    app.extensions["advisor.answers"] = AnswerCache(
        app.config["CACHE_ENTRIES"], app.config["CACHE_BYTES"], metrics.cache_bytes.set
    )

    instrument(app, metrics)
    app.register_blueprint(api)
    app.register_blueprint(artifacts)
    app.register_blueprint(assessments)
    app.register_blueprint(form)
    app.register_blueprint(reference)
    app.register_blueprint(result_view)
    app.register_blueprint(profile_form_html)
    app.register_blueprint(result_html)
    _operations(app, store, metrics)
    _errors(app)
    return app


def _operations(app: Flask, store: RuleStore, metrics: Metrics) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        """The process is alive."""
        return json_response({"status": "ok"})

    @app.get("/readyz")
    def readyz() -> Response:
        """Rules are loaded: which set is live, and whether the last change was refused."""
        status, body = store.readiness()
        return json_response(body, status)

    @app.get("/metrics")
    def prometheus() -> Response:
        """Prometheus metrics in the text exposition format."""
        return metrics.exposition()

    @app.get("/openapi.yaml")
    def openapi() -> Response:
        """The HTTP contract."""
        return Response(contract_text(), mimetype="application/yaml")


def contract_text() -> str:
    """The text of openapi.yaml, shipped inside the package."""
    return files("advisor.web").joinpath("openapi.yaml").read_text(encoding="utf-8")


def _where() -> dict[str, Any]:
    return {"request_id": g.get("request_id"), "method": request.method, "path": request.path}


def _errors(app: Flask) -> None:
    @app.errorhandler(InvalidInput)
    def invalid(exc: InvalidInput) -> Response:
        count = len(exc.errors)
        problems = "1 problem" if count == 1 else f"{count} problems"
        return problem(400, f"invalid input: {problems}, each named in errors", exc.errors)

    @app.errorhandler(NoPlatformFits)
    def unservable(exc: NoPlatformFits) -> Response:
        return problem(422, str(exc))

    @app.errorhandler(KindDoesNotFit)
    def unfitting(exc: KindDoesNotFit) -> Response:
        return problem(422, str(exc))

    @app.errorhandler(NotReady)
    def not_ready(exc: NotReady) -> Response:
        return problem(503, "no rule set is loaded yet; GET /readyz says why")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = {
            404: "no such route; GET /openapi.yaml describes every route",
            413: f"the body is larger than the limit of {app.config['MAX_BODY_BYTES']} bytes",
        }.get(status, exc.description or "")
        response = problem(status, detail)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(AdvisorError)
    def advisor_error(exc: AdvisorError) -> Response:
        log.error("request failed", exc_info=exc, extra=_where())
        return problem(exc.http_status, str(exc))

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Response:
        # The traceback goes to the log, tied to the request id; the client sees only the id.
        log.error("unhandled error", exc_info=exc, extra=_where())
        return problem(500, "the server failed to answer; quote the request id when you report it")
