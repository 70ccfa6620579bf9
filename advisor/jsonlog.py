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


def _line_encoder() -> Any:
    """What json.dumps(line, ensure_ascii=False, default=str) makes, with CPython's C encoder made once rather
    than for every line (json.dumps builds it afresh each call)."""
    python = json.JSONEncoder(ensure_ascii=False, default=str)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return python.encode
    # markers None: no circular check, a log line is a flat mapping of its fields.
    encoder = make(None, str, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)

    def encode(line: dict[str, Any]) -> str:
        return "".join(encoder(line, 0))

    return encode


_encode = _line_encoder()


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and every field passed with `extra=`."""

    _second: tuple[int, str] = (-1, "")  # the last second formatted, and how it reads

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        fields = vars(record)
        extra = {k: fields[k] for k in fields.keys() - _STANDARD}
        if record.exc_info:
            extra["exception"] = self.formatException(record.exc_info)
        return self.line(record.created, record.levelname, record.name, record.getMessage(), extra)

    def line(self, created: float, level: str, logger: str, message: str, fields: dict[str, Any]) -> str:
        """One line of JSON from its parts, as format() writes a record with them (`created` in Unix seconds):
        for a caller that writes many lines and need not make a LogRecord for each."""
        second = int(created)
        if second != self._second[0]:  # one line in many starts a new second: format it once
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        milliseconds = int((created - second) * 1000)  # as LogRecord.msecs
        line = {"time": f"{self._second[1]}.{milliseconds:03d}Z", "level": level.lower(), "logger": logger}
        line["message"] = message
        line.update(fields)
        return _encode(line)


def only_json_handler(logger: logging.Logger, level: int) -> logging.StreamHandler[Any] | None:
    """The one handler a record of `level` from `logger` would reach, if it is a plain stream handler writing
    JSONFormatter lines and nothing filters on the way (so a caller may write the line itself); else None."""
    if logger.filters or logger.disabled:
        return None
    reached: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:  # the loggers logging.Logger.callHandlers walks
        reached.extend(current.handlers)
        current = current.parent if current.propagate else None
    if len(reached) != 1:
        return None
    handler = reached[0]
    plain = type(handler) is logging.StreamHandler and type(handler.formatter) is JSONFormatter
    if not plain or handler.filters or level < handler.level:
        return None
    return handler  # type: ignore[return-value]


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
