"""What operators see: a request id on every response, one JSON log line per request, Prometheus metrics.

Under gunicorn each worker is its own process; when PROMETHEUS_MULTIPROC_DIR is set (deploy/gunicorn.conf.py
sets it), every worker writes its figures there and /metrics adds them up, whichever worker answers.

Every label has a bounded set of values, because each new value is a new series in every worker's file
and on every scrape: the method is one of the standard methods or `other` (gunicorn accepts any upper-case
token as a method), the route is the URL rule's template (never the raw path) or `unmatched`. Gauges are
in a live mode, so a dead worker's values vanish with it (gunicorn's child_exit marks it dead).
"""

from __future__ import annotations

import logging
import os
import re
import time
from contextlib import nullcontext
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from advisor.engine.loader import RuleSet
from advisor.jsonlog import JSONFormatter, only_json_handler
from advisor.jsonlog import configure_logging as configure_logging
from advisor.metricsdir import locked

REQUEST_ID = "X-Request-ID"
_REQUEST_ID_KEY = "HTTP_X_REQUEST_ID"  # the header as WSGI names it in the environ
# A client's own request id is echoed if it is a plain token; anything else could forge log lines.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
# RFC 9110's methods and PATCH; anything else a client invents is counted as `other`.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The service's Prometheus metrics, in a registry of its own so several apps can live in one process."""

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode values go to files, not to a registry; /metrics collects them from there.
        own = None if self.multiprocess else CollectorRegistry()
        self._registry = own
        self.requests = Counter(
            "advisor_http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=own
        )
        self.latency = Histogram(
            "advisor_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self.recommendations = Counter(
            "advisor_recommendations", "Recommendations given, by platform.", ["platform"], registry=own
        )
        self.ruleset = Gauge(
            "advisor_ruleset_info",
            "The rule set in force: 1 for the live version and digest.",
            ["version", "digest"],
            registry=own,
            multiprocess_mode="livemax",
        )
        self.rules = Gauge("advisor_ruleset_rules", "Rules in the live set.", registry=own, multiprocess_mode="livemax")
        self.cache_bytes = Gauge(
            "advisor_answer_cache_bytes",
            "Bytes the kept answers take (keys and answers counted), summed over live workers.",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.polled = Gauge(
            "advisor_rule_poll_timestamp_seconds",
            "When the rule files were last looked at (Unix time), by the worker that looked longest ago: "
            "time() minus this, well over ADVISOR_RELOAD_SECONDS, means a poller is stuck.",
            registry=own,
            multiprocess_mode="livemin",
        )
        self.reloads = Counter("advisor_rule_reloads", "Rule set changes, by result.", ["result"], registry=own)

    def ruleset_changed(self, previous: RuleSet | None, current: RuleSet) -> None:
        """Point the ruleset gauges at the new set."""
        if previous is not None:
            self.ruleset.labels(previous.version, previous.digest).set(0)
            self.reloads.labels("loaded").inc()
        self.ruleset.labels(current.version, current.digest).set(1)
        self.rules.set(len(current.rules))

    def reload_refused(self) -> None:
        """Count a rule change that was refused."""
        self.reloads.labels("refused").inc()

    def exposition(self) -> Response:
        """The Prometheus text exposition of every metric (of every worker, in multiprocess mode)."""
        registry = self._registry
        if registry is not None:
            return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        with locked(os.environ["PROMETHEUS_MULTIPROC_DIR"], exclusive=False):  # not while a worker is folded in
            text = generate_latest(registry)
        return Response(text, content_type=CONTENT_TYPE_LATEST)


def instrument(app: Flask, metrics: Metrics) -> None:
    """Give every request an id, and log and measure every response."""
    access = logging.getLogger("advisor.http")

    # Every request pays for what happens here, so the metric children are looked up once per label set
    # and the log record is made directly (the logger would otherwise walk the stack for the caller).
    measured: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    @app.before_request
    def start() -> None:
        given = request.environ.get(_REQUEST_ID_KEY, "")
        state = g._get_current_object()  # the request's g, looked up once (each `g.` goes through a proxy)
        state.request_id = given if _CLIENT_REQUEST_ID.match(given) else os.urandom(16).hex()
        state.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        now = time.perf_counter()
        state = g._get_current_object()
        current = request._get_current_object()  # type: ignore[attr-defined]
        request_id = getattr(state, "request_id", None) or os.urandom(16).hex()  # even if start() failed
        headers = response.headers
        headers[REQUEST_ID] = request_id
        # Every answer, pages, JSON, static files and metrics alike: browsers must not guess another type.
        headers["X-Content-Type-Options"] = "nosniff"
        duration = now - getattr(state, "started", now)
        rule = current.url_rule
        route = rule.rule if rule is not None else "unmatched"
        method = current.method
        status = response.status_code
        labels = (method if method in METHODS else "other", route, str(status))
        children = measured.get(labels)
        if children is None:
            children = measured[labels] = (metrics.requests.labels(*labels), metrics.latency.labels(*labels))
        children[0].inc()
        children[1].observe(duration)
        if access.isEnabledFor(logging.INFO):
            fields = {
                "request_id": request_id,
                "method": method,
                "route": route,
                "path": current.path,
                "status": status,
                "duration_ms": round(duration * 1000, 3),
            }
            handler = only_json_handler(access, logging.INFO)
            if handler is None:  # handlers or filters of an operator's own: the record goes through logging
                record = access.makeRecord(access.name, logging.INFO, __file__, 0, "request", (), None, extra=fields)
                access.handle(record)
            else:  # the usual case: the same line, written without making a LogRecord for it
                _write_line(handler, access.name, fields)
        return response


def _write_line(handler: logging.StreamHandler[Any], logger: str, fields: dict[str, Any]) -> None:
    """Write the access line `handler` would write for a record with these fields, as StreamHandler.emit does."""
    formatter: JSONFormatter = handler.formatter  # type: ignore[assignment]
    with handler.lock or nullcontext():
        try:
            handler.stream.write(formatter.line(time.time(), "INFO", logger, "request", fields) + handler.terminator)
            handler.flush()
        except Exception:  # as logging does: a log that cannot be written must not fail the request
            handler.handleError(logging.makeLogRecord({"name": logger, "msg": "request", **fields}))
