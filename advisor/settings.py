"""The service's settings from the environment, each refused by name when it is not a number in range.

deploy/gunicorn.conf.py reads them all when gunicorn starts, so a bad value stops the server at once with
its name; create_app reads the service's own again in each worker. Kept out of advisor.web on purpose: the
gunicorn master must not import prometheus_client before it has chosen the metrics directory.
"""

from __future__ import annotations

import os
import sys
import urllib.parse

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
DEFAULT_CACHE_BYTES = 16 * 1024 * 1024
# POST /v1/assessments takes inventories: an RVTools export of thousands of VMs is megabytes, not the
# few kilobytes of a profile. Uploads are streamed to temporary files, so this bounds disk, not memory.
DEFAULT_MAX_UPLOAD_BYTES = 32 * 1024 * 1024


def service_settings() -> dict[str, float]:
    """The app's settings from ADVISOR_*: MAX_BODY_BYTES, MAX_UPLOAD_BYTES, RELOAD_SECONDS, CACHE_ENTRIES/BYTES."""
    return {
        "MAX_BODY_BYTES": int(env_number("ADVISOR_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1, 2**30)),
        "MAX_UPLOAD_BYTES": int(env_number("ADVISOR_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES, 1, 2**31)),
        "RELOAD_SECONDS": env_number("ADVISOR_RELOAD_SECONDS", DEFAULT_RELOAD_SECONDS, 0, 86400, whole=False),
        "CACHE_ENTRIES": int(env_number("ADVISOR_CACHE_ENTRIES", DEFAULT_CACHE_ENTRIES, 0, 1_000_000)),
        "CACHE_BYTES": int(env_number("ADVISOR_CACHE_BYTES", DEFAULT_CACHE_BYTES, 0, 2**34)),
    }


def public_url() -> str:
    """The address clients reach the service at, for the curl snippet and permalinks: ADVISOR_PUBLIC_URL.

    Never taken from a request's Host header, which a client chooses. Unset, it is where gunicorn listens
    (ADVISOR_HOST and ADVISOR_PORT; `localhost` for a wildcard address). A value that is not an http(s)
    address without query or fragment exits naming the variable.
    """
    text = os.environ.get("ADVISOR_PUBLIC_URL", "").strip()
    if not text:
        host = os.environ.get("ADVISOR_HOST", "").strip() or "127.0.0.1"
        host = "localhost" if host in ("0.0.0.0", "::", "[::]") else host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{int(env_number('ADVISOR_PORT', 8000, 1, 65535))}"
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or " " in text:
        sys.exit(
            f"error: ADVISOR_PUBLIC_URL: expected an http(s) address such as https://advisor.example, got {text!r}"
        )
    return text.rstrip("/")
