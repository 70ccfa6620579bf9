"""The JSON API (/v1): recommendations, the rules in force, and the profile's schema.

A thin door onto the same functions the CLI calls: parse the profile, recommend, serialise.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, json, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from advisor.engine.decide import recommend
from advisor.engine.loader import RuleSet
from advisor.errors import FieldError, InvalidInput
from advisor.generators.registry import with_starters
from advisor.models import Recommendation, WorkloadProfile
from advisor.output.data import rule_data, to_json
from advisor.profiles import only_profile, parse_profile_json, parse_profiles, reads_as_yaml
from advisor.web.problems import problem
from advisor.yamlio import Unreadable, decode_text

api = Blueprint("api", __name__, url_prefix="/v1")

JSON_TYPES = frozenset({"application/json"})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
PROFILE_TYPES = JSON_TYPES | YAML_TYPES
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class NotReady(Exception):
    """No rule set has loaded yet (the first load failed): the service cannot answer."""


def live_rules() -> RuleSet:
    """The rule set in force now, or NotReady."""
    ruleset = current_app.extensions["advisor.rules"].ruleset
    if ruleset is None:
        raise NotReady
    return ruleset


def _flag(name: str, default: bool) -> bool:
    raw = request.args.get(name) if request.query_string else None
    if raw is None:
        return default
    if raw.lower() not in _BOOLEANS:
        raise InvalidInput([FieldError(name, f"the query parameter is true or false, got {raw!r}")])
    return _BOOLEANS[raw.lower()]


def request_body() -> bytes:
    """The request body, read once; 413 when it is over the limit, however it is sent.

    Werkzeug's own limit cuts a chunked body off at the limit without saying so, which would answer a
    different profile than the one sent; so the body is read here, one byte past the limit.
    """
    state = g._get_current_object()  # looked up once: each `g.` and `request.` goes through a proxy
    body = getattr(state, "body", None)
    if body is None:
        limit = current_app.config["MAX_BODY_BYTES"]
        current = request._get_current_object()  # type: ignore[attr-defined]
        promised = current.content_length
        if promised is not None and promised > limit:
            raise RequestEntityTooLarge
        # With a Content-Length, reading stops once that much has come (no last read to find the end).
        expected = limit + 1 if promised is None else promised
        stream = current.stream
        chunks, size = [], 0
        while size < expected:
            try:
                chunk = stream.read(min(65536, expected - size))
            except Exception as exc:  # whatever the server's reader raises: a broken chunk, a client gone
                raise BadRequest(f"the body could not be read: {exc.__class__.__name__}: {exc}") from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge
        if promised is not None and size < promised:  # answering the part that came would be a wrong answer
            raise BadRequest(f"the body ended after {size} of the {promised} bytes its Content-Length promised")
        body = state.body = b"".join(chunks)
    return body


def profile_media_type() -> str:
    """The request's media type if it is one a profile comes in (JSON or YAML); 415 otherwise."""
    mimetype = request.mimetype
    if mimetype not in PROFILE_TYPES:
        given = f"'{mimetype}'" if mimetype else "no Content-Type"
        raise UnsupportedMediaType(f"send the profile as application/json or application/yaml, not {given}")
    return mimetype


def read_profile() -> WorkloadProfile:
    """The profile in the request body (JSON, or YAML by Content-Type); 415 for another media type."""
    mimetype = profile_media_type()
    body = request_body()
    if mimetype in JSON_TYPES:
        try:
            return parse_profile_json(body)
        except InvalidInput as exc:
            raise with_yaml_hint(exc, body) from None
    try:
        text = decode_text(body)
    except Unreadable as exc:
        raise InvalidInput([FieldError("", str(exc))]) from None
    return only_profile(parse_profiles(text, source="<request body>"), None, "send one profile per request")


def with_yaml_hint(exc: InvalidInput, body: bytes) -> InvalidInput:
    """The error of a JSON body that does not parse, with a hint when it is YAML: the client most likely sent
    YAML labelled as JSON. (JSON labelled as YAML needs none: it is read as JSON.)"""
    syntax = len(exc.errors) == 1 and exc.errors[0].msg.startswith("invalid JSON")
    if not syntax or not reads_as_yaml(body):
        return exc
    first = exc.errors[0]
    hint = "; the body reads as YAML: send it with Content-Type: application/yaml"
    return InvalidInput([FieldError(first.loc, first.msg + hint, first.file, first.line)], exc.title)


def json_response(data: Any, status: int = 200) -> Response:
    """Compact JSON, UTF-8, keys in the order given."""
    return Response(json.dumps(data, ensure_ascii=False, sort_keys=False), status=status, mimetype="application/json")


class AnswerCache:
    """The last answers given, by a digest of everything they depend on: the rule set, the options, the profile.

    The same profile under the same rules always gets the same answer, and teams send the same profiles
    again and again (CI checks, shared links), so a worker keeps recent answers: at most `entries` of them
    and at most `max_bytes` bytes, keys, answers and a fixed cost per entry all counted (one explained
    answer with 64 components is over a megabyte). An answer larger than an eighth of the budget is not
    kept, so one client cannot empty the cache for everyone else. `on_size` hears the size in bytes after
    each change (for the metrics).

    Beside the answers it keeps aliases, at most `entries` of them: a request body's own digest pointing at
    the key of the answer that body got, so the same bytes sent again are answered without being parsed. An
    alias holds no answer (one whose answer was forgotten finds nothing), and its bytes are counted too.
    """

    ENTRY_OVERHEAD = 240  # bytes Python spends on one entry beyond its key's and answer's own bytes

    def __init__(self, entries: int, max_bytes: int = 2**62, on_size: Callable[[int], None] | None = None) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.size = 0
        self._on_size = on_size
        self._answers: OrderedDict[tuple[Any, ...], tuple[bytes, str]] = OrderedDict()
        self._aliases: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def key_bytes(cls, key: tuple[Any, ...]) -> int:
        """The bytes a key is counted as."""
        return sum(len(part) if isinstance(part, (bytes, str)) else 8 for part in key)

    @classmethod
    def cost(cls, key: tuple[Any, ...], answer: tuple[bytes, str]) -> int:
        """The bytes one entry is counted as."""
        return cls.ENTRY_OVERHEAD + cls.key_bytes(key) + len(answer[0]) + len(answer[1])

    def get(self, key: tuple[Any, ...]) -> tuple[bytes, str] | None:
        """The answer kept under `key`, or under the key an alias `key` points at (the most recent use keeps
        it longest), or None."""
        with self._lock:
            target = self._aliases.get(key)
            if target is not None:
                self._aliases.move_to_end(key)
                key = target
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: tuple[Any, ...], answer: tuple[bytes, str], alias: tuple[Any, ...] | None = None) -> None:
        """Keep an answer, and point `alias` at it if given, forgetting the least recently used answers while
        over either bound, and the oldest alias past `entries`."""
        cost = self.cost(key, answer)
        if self.entries <= 0 or cost > self.max_bytes // 8:
            return
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self.size -= self.cost(key, previous)
            self._answers[key] = answer
            self.size += cost
            if alias is not None:
                self._alias(alias, key)
            size = self._trim()
        self._report(size)

    def alias(self, alias: tuple[Any, ...], key: tuple[Any, ...]) -> None:
        """Point `alias` at the answer kept under `key` (if it is kept), forgetting the oldest alias past `entries`."""
        with self._lock:
            if key not in self._answers:
                return
            self._alias(alias, key)
            size = self._trim()
        self._report(size)

    def _alias(self, alias: tuple[Any, ...], key: tuple[Any, ...]) -> None:
        previous = self._aliases.pop(alias, None)
        if previous is not None:
            self.size -= self._alias_cost(alias, previous)
        self._aliases[alias] = key
        self.size += self._alias_cost(alias, key)
        while len(self._aliases) > self.entries:
            self.size -= self._alias_cost(*self._aliases.popitem(last=False))

    @classmethod
    def _alias_cost(cls, alias: tuple[Any, ...], key: tuple[Any, ...]) -> int:
        return cls.ENTRY_OVERHEAD + cls.key_bytes(alias) + cls.key_bytes(key)

    def _trim(self) -> int:
        """Forget the least recently used answers while over either bound (aliases to them find nothing); the
        size after."""
        while self._answers and (len(self._answers) > self.entries or self.size > self.max_bytes):
            old_key, old_answer = self._answers.popitem(last=False)
            self.size -= self.cost(old_key, old_answer)
        return self.size

    def _report(self, size: int) -> None:
        if self._on_size is not None:
            self._on_size(size)


def answer_key(ruleset: RuleSet, explain: bool, considered: bool, profile: WorkloadProfile) -> tuple[Any, ...]:
    """What an answer depends on, in a few bytes: the rule set, the options and a digest of the profile.

    The profile is the parsed one, as the fields it sets (the unset ones are reported as assumptions), so
    JSON or YAML, spacing, key order and padding of the body do not matter, and the key's size does not
    grow with the body's.
    """
    canonical = profile.model_dump_json(exclude_unset=True, by_alias=True).encode()
    return (ruleset.digest, ruleset.version, explain, considered, hashlib.sha256(canonical).digest())


@api.post("/recommendations")
def recommendations() -> Response:
    """Recommend a platform for the profile in the body."""
    explain = _flag("explain", True)
    considered = _flag("considered", False)
    ruleset = live_rules()
    cache: AnswerCache = current_app.extensions["advisor.answers"]
    # The same bytes, read the same way, are the same profile: a body sent again is answered without parsing.
    as_json = profile_media_type() in JSON_TYPES
    sent = (ruleset.digest, ruleset.version, explain, considered, as_json, hashlib.sha256(request_body()).digest())
    answer = cache.get(sent)
    if answer is None:
        profile = read_profile()
        key = answer_key(ruleset, explain, considered, profile)
        answer = cache.get(key)
        if answer is None:
            result: Recommendation = with_starters(profile, recommend(profile, ruleset, explained=considered))
            body = to_json(result, brief=not explain, ruleset=ruleset).encode()
            answer = (body, result.platform)
            cache.put(key, answer, alias=sent)
        else:
            cache.alias(sent, key)
    current_app.extensions["advisor.metrics"].recommendations.labels(answer[1]).inc()
    return Response(answer[0], mimetype="application/json")


@api.get("/rules")
def rules() -> Response:
    """Every rule in force, with the set's version and digest."""
    ruleset = live_rules()
    return json_response({**ruleset.summary(), "items": [rule_data(ruleset, c.rule.id) for c in ruleset.rules]})


@api.get("/rules/<rule_id>")
def rule(rule_id: str) -> Response:
    """One rule in force."""
    ruleset = live_rules()
    if ruleset.get(rule_id) is None:
        return problem(404, f"no rule with id '{rule_id}' is in force (GET /v1/rules lists them)")
    return json_response(rule_data(ruleset, rule_id))


@api.get("/schema/profile")
def profile_schema() -> Response:
    """The profile's JSON Schema, exported from the model."""
    return json_response(WorkloadProfile.model_json_schema())
