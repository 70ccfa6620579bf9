"""Recommendations from a running advisor service: an HTTP client with a deadline and a size cap.

The service's answers are checked against the shapes below before anything is used; an answer of any other
shape means the service is not an advisor, and the check cannot run (CheckCouldNotRun, exit code 2).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.check.report import RuleInfo
from advisor.errors import EXIT_INVALID_INPUT, AdvisorError, FieldError, InvalidInput, NoPlatformFits
from advisor.models import PLATFORMS, ComponentResult, Recommendation, WorkloadProfile


class CheckCouldNotRun(AdvisorError):
    """The check itself could not run (the service is unreachable or is not an advisor): exit code 2."""

    exit_code = EXIT_INVALID_INPUT


# Shapes of what an advisor service answers, checked before anything is used: strict, so a number is not a string.
class _RuleItem(BaseModel):
    """One item of GET /v1/rules, as far as the check reads it (the rule's conditions are the service's own)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str
    title: str
    because: str
    links: list[str] = []
    forbid: list[str] = []


class _RulesIndex(BaseModel):
    """GET /v1/rules: the rule set's summary and its items."""

    model_config = ConfigDict(strict=True, extra="ignore")

    version: str
    digest: str
    rules: int = Field(ge=0)
    items: list[_RuleItem]


class _FieldProblem(BaseModel):
    """One field a service refused, in a 400 answer."""

    model_config = ConfigDict(strict=True, extra="ignore")

    loc: str = ""
    msg: str


class _Problem(BaseModel):
    """A 400 or 422 problem body: what went wrong, and for a 400 the fields."""

    model_config = ConfigDict(strict=True, extra="ignore")

    detail: str
    errors: list[_FieldProblem] | None = None


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(map(str, first['loc'])) or 'the body'}: {first['msg']}"


# An advisor answer is a few hundred KiB at most; more than this is not an advisor, and is not read on.
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class _Answer:
    """A whole answer, read within the deadline and the size cap."""

    status_code: int
    headers: Any
    content: bytes


class RemoteEvaluator:
    """Recommendations from a running advisor service, so an organisation can keep one central rule set.

    The service answers POST /v1/recommendations with exactly the local JSON, and GET /v1/rules with the
    rules' metadata; anything else means it is not an advisor service, and the check cannot run.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        import requests  # only a check against a service pays for importing requests

        self._requests = requests
        self._url = url.rstrip("/")
        self._timeout = timeout
        self._session = requests.Session()
        self._index: _RulesIndex | None = None

    def _too_slow(self) -> CheckCouldNotRun:
        return CheckCouldNotRun(f"the advisor service at {self._url} did not answer within {self._timeout:g} s")

    def _call(self, method: str, path: str, **kwargs: Any) -> _Answer:
        """The whole answer within --timeout seconds and MAX_BODY bytes, or CheckCouldNotRun saying why not."""
        # requests' timeout bounds each read, not the answer: a server sending a byte a second never times
        # out. A timer shuts the socket at the deadline, which ends a read that is waiting.
        deadline = time.monotonic() + self._timeout
        expired = threading.Event()
        try:
            with self._session.request(
                method, self._url + path, timeout=self._timeout, stream=True, **kwargs
            ) as response:
                timer = threading.Timer(max(deadline - time.monotonic(), 0), self._shut, (response, expired))
                timer.start()
                try:
                    content = self._read(f"{method} {path}", response, expired)
                finally:
                    timer.cancel()
                return _Answer(response.status_code, response.headers, content)
        except self._requests.Timeout:
            raise self._too_slow() from None
        except self._requests.RequestException as exc:
            if expired.is_set():
                raise self._too_slow() from None
            reason = type(exc).__name__ if isinstance(exc, self._requests.ConnectionError) else str(exc)
            raise CheckCouldNotRun(f"cannot reach the advisor service at {self._url} ({reason})") from None
        except ValueError as exc:  # a URL urllib3 cannot parse (LocationParseError is one), or a bad redirect
            raise CheckCouldNotRun(f"cannot reach the advisor service at {self._url} (bad URL: {exc})") from None

    @staticmethod
    def _shut(response: Any, expired: threading.Event) -> None:
        expired.set()
        with contextlib.suppress(Exception):  # the read may have ended meanwhile; then there is nothing to end
            response.raw.shutdown()

    def _read(self, what: str, response: Any, expired: threading.Event) -> bytes:
        body = bytearray()
        for chunk in response.iter_content(chunk_size=64 * 1024):
            if expired.is_set():
                break
            body += chunk
            if len(body) > MAX_BODY:
                raise self._not_advisor(what, response, f"the body is larger than {MAX_BODY // 2**20} MiB")
        if expired.is_set():
            raise self._too_slow()
        return bytes(body)

    def _not_advisor(self, what: str, response: Any, problem: str = "") -> CheckCouldNotRun:
        kind = response.headers.get("Content-Type", "no Content-Type")
        wrong = f": {problem:.200}" if problem else ""
        return CheckCouldNotRun(
            f"{self._url} did not answer like an advisor service ({what}: HTTP {response.status_code}, {kind}{wrong})"
        )

    def _rules_index(self) -> _RulesIndex:
        if self._index is None:
            what = "GET /v1/rules"
            response = self._call("GET", "/v1/rules")
            if response.status_code != 200:
                raise self._not_advisor(what, response)
            try:
                self._index = _RulesIndex.model_validate_json(response.content)
            except ValidationError as exc:
                problem = "the body is not JSON" if exc.errors()[0]["type"] == "json_invalid" else _first_error(exc)
                raise self._not_advisor(what, response, problem) from None
            except RecursionError:
                raise self._not_advisor(what, response, "the body is not JSON an advisor sends") from None
        return self._index

    def ruleset(self) -> dict[str, Any]:
        """{version, digest, rules} of the service's rule set."""
        return self._rules_index().model_dump(include={"version", "digest", "rules"})

    def rules(self) -> dict[str, RuleInfo]:
        """The service's rules' metadata."""
        return {
            item.id: RuleInfo(item.id, item.title, item.because, tuple(item.links), tuple(item.forbid))
            for item in self._rules_index().items
        }

    def recommend(self, profile: WorkloadProfile) -> Recommendation:
        """The service's recommendation; its 422 is NoPlatformFits and its 400 InvalidInput, as locally."""
        # Only the fields the record gave are sent, so the service sees the same defaults (and assumptions).
        body = profile.given()
        what = "POST /v1/recommendations"
        response = self._call("POST", "/v1/recommendations", json=body)
        try:
            data = json.loads(response.content)
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the decoder goes
            raise self._not_advisor(what, response, "the body is not JSON an advisor sends") from None
        if response.status_code in (400, 422) and isinstance(data, dict) and "detail" in data:
            try:
                problem = _Problem.model_validate(data)
            except ValidationError as exc:
                raise self._not_advisor(what, response, f"not a problem: {_first_error(exc)}") from None
            if response.status_code == 422:
                raise NoPlatformFits(problem.detail)
            errors = problem.errors or [_FieldProblem(msg=problem.detail)]
            raise InvalidInput([FieldError(e.loc, e.msg) for e in errors])
        if response.status_code != 200:
            raise self._not_advisor(what, response)
        try:
            recommendation = Recommendation.model_validate(data)
        except ValidationError as exc:
            raise self._not_advisor(what, response, f"not a recommendation: {_first_error(exc)}") from None
        parts: list[Recommendation | ComponentResult] = [recommendation, *recommendation.components]
        for part in parts:
            # _differences looks up the decided platform among the alternatives: each of the others must be there.
            missing = set(PLATFORMS) - {part.platform} - {a.platform for a in part.alternatives}
            if missing:
                named = f"component {part.name}" if part is not recommendation else "the recommendation"
                lacking = f"{named} lists no alternative {' or '.join(sorted(missing))}"
                raise self._not_advisor(what, response, lacking)
        return recommendation
