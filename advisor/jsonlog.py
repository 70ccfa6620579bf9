"""Log lines as JSON objects, one a line: the service's own and gunicorn's, so one parser reads them all.

Kept out of advisor.web so that deploy/gunicorn.conf.py can use it in the gunicorn master, which must not
import prometheus_client before it has chosen the metrics directory.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import IO, Any

# The standard attributes of a LogRecord; anything else on a record came in through `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


# What json.dumps(line, ensure_ascii=False, default=str) would make, made once rather than for every line.
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and every field passed with `extra=`."""

    _second: tuple[int, str] = (-1, "")  # the last second formatted, and how it reads

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        second = int(record.created)
        if second != self._second[0]:  # one line in many starts a new second: format it once
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        line: dict[str, Any] = {
            "time": f"{self._second[1]}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = vars(record)
        line.update((k, fields[k]) for k in fields.keys() - _STANDARD)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encode(line)


def configure_logging(stream: IO[str] | None = None, level: str = "INFO") -> None:
    """Send advisor's logs to `stream` (stderr by default) as JSON lines, replacing earlier handlers."""
    logger = logging.getLogger("advisor")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JSONFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
