"""Gunicorn settings for the advisor service: `gunicorn -c deploy/gunicorn.conf.py` serves it.

Everything a deployment changes comes from the environment (the names the service documents):
ADVISOR_HOST (127.0.0.1), ADVISOR_PORT (8000) and ADVISOR_WORKERS (2). The container image sets
ADVISOR_HOST=0.0.0.0 so the published port reaches it.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile

from gunicorn import glogging

from advisor.settings import env_number, public_url, service_settings


def _bind_address(host: str, port: int) -> str:
    """host:port, with an IPv6 literal in brackets."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


_host = os.environ.get("ADVISOR_HOST", "").strip() or "127.0.0.1"
_port = int(env_number("ADVISOR_PORT", 8000, 1, 65535))

wsgi_app = "advisor.web:create_app()"
bind = [_bind_address(_host, _port)]
workers = int(env_number("ADVISOR_WORKERS", 2, 1, 64))
service_settings()  # the app's own ADVISOR_* settings, checked here so a bad one stops the server at once
public_url()
worker_class = "sync"  # one CPU-bound request at a time per worker; scale with workers and replicas

# Each worker imports the app and loads the rules itself, so each one starts its own rule-directory polling
# (threads do not survive fork) and a worker restarted after a rule change comes up with the current rules.
preload_app = False

timeout = 30  # a recommendation takes milliseconds; a worker silent for 30 s is stuck and is replaced
graceful_timeout = 20  # finish in-flight requests on SIGTERM, inside Kubernetes' default 30 s grace period

# The app writes one JSON line per request itself; gunicorn's own messages go to standard error.
accesslog = None
errorlog = "-"
loglevel = "info"
# gunicorn's own messages as JSON lines too, in the same shape as the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "advisor.jsonlog.JSONFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},  # the app logs each request itself
    },
}


class Logger(glogging.Logger):
    """gunicorn's logger, which builds an access line only when a handler will take it.

    With `logconfig_dict` set, gunicorn counts access logging as on and works out the line's atoms (every
    header and environ entry) for every request, though "gunicorn.access" above has no handler and drops it:
    ~6% of a worker's time under load (py-spy, `make profile-http`). An operator who gives it a handler
    (`--access-logfile -`, or a logconfig of their own) gets the lines as before.
    """

    def access(self, resp, req, environ, request_time):  # noqa: D102 - as gunicorn's
        if self.access_log.hasHandlers():
            super().access(resp, req, environ, request_time)


logger_class = Logger

# The control socket (gunicorn 25.1+) lives under $HOME, which is read-only in the image, and two servers on
# one machine would fight over it; the orchestrator manages the processes with signals instead.
control_socket_disable = True


# The metrics directory this server made for itself, removed again when it exits. Kept in the environment,
# not in a variable of this file: SIGHUP re-executes this file, which would forget it.
_OWN_METRICS_DIR = "ADVISOR_OWN_METRICS_DIR"
_OWN_RULES_DIR = "ADVISOR_OWN_RULES_DIR"


def on_starting(server):
    """Give the workers one directory to share their Prometheus metrics through, empty before they start.

    prometheus_client reads PROMETHEUS_MULTIPROC_DIR when a worker imports it, and figures left in that
    directory by an earlier run would be added to this one's. An operator's own directory is used as given;
    otherwise a fresh one is made in the temporary directory (a tmpfs in the container).
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = tempfile.mkdtemp(prefix="advisor-metrics-")
        os.environ[_OWN_METRICS_DIR] = os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.unlink(os.path.join(directory, name))
    # Every good rule load is kept here, so a worker started while the rule files are refused serves the
    # last good set like the others (advisor.web.rulestore). An operator's own path is used as given.
    if not os.environ.get("ADVISOR_RULES_SNAPSHOT"):
        state = tempfile.mkdtemp(prefix="advisor-rules-")
        os.environ[_OWN_RULES_DIR] = state
        os.environ["ADVISOR_RULES_SNAPSHOT"] = os.path.join(state, "last-good.json")


def post_worker_init(worker):
    """Take what the worker loaded (the app, its rules) out of the garbage collector's sight: it lives as long
    as the worker, and every full collection would otherwise walk all of it again, between requests."""
    gc.freeze()


def child_exit(server, worker):
    """Fold a departed worker's metrics into the shared archive (advisor.metricsdir): its live gauges (the rule
    set it held, its cache size) vanish, its counters and histograms are kept, and its files go.
    """
    from advisor.metricsdir import retire

    retire(os.environ["PROMETHEUS_MULTIPROC_DIR"], worker.pid)


def on_exit(server):
    """Remove the metrics and rule-snapshot directories this server made (after a SIGHUP reload too)."""
    for own in (_OWN_METRICS_DIR, _OWN_RULES_DIR):
        directory = os.environ.pop(own, None)
        if directory:
            shutil.rmtree(directory, ignore_errors=True)
