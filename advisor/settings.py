"""The service's settings from the environment, each refused by name when it is not a number in range.

deploy/gunicorn.conf.py reads them all when gunicorn starts, so a bad value stops the server at once with
its name; create_app reads the service's own again in each worker. Kept out of advisor.web on purpose: the
gunicorn master must not import prometheus_client before it has chosen the metrics directory.
"""

from __future__ import annotations

import os
import sys

from advisor.numbers import number_text


def env_number(name: str, default: float, low: float, high: float, *, whole: bool = True) -> float:
    """A number from the environment variable `name`, or `default` when it is unset or blank.

    Anything else exits with a message naming the variable (SystemExit, not an exception: gunicorn
    prints a traceback for errors raised while it reads its configuration or boots a worker).
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value: float = int(text) if whole else float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails every comparison
        kind = "a whole number" if whole else "a number"
        sys.exit(f"error: {name}: expected {kind} from {number_text(low)} to {number_text(high)}, got {text!r}")
    return value


DEFAULT_MAX_BODY_BYTES = 256 * 1024
DEFAULT_RELOAD_SECONDS = 2.0
DEFAULT_CACHE_ENTRIES = 1024


def service_settings() -> dict[str, float]:
    """The app's settings: MAX_BODY_BYTES, RELOAD_SECONDS and CACHE_ENTRIES, from ADVISOR_* or defaults."""
    return {
        "MAX_BODY_BYTES": int(env_number("ADVISOR_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1, 2**30)),
        "RELOAD_SECONDS": env_number("ADVISOR_RELOAD_SECONDS", DEFAULT_RELOAD_SECONDS, 0, 86400, whole=False),
        "CACHE_ENTRIES": int(env_number("ADVISOR_CACHE_ENTRIES", DEFAULT_CACHE_ENTRIES, 0, 1_000_000)),
    }
