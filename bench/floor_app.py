"""The floors for the HTTP benchmark: the same server, framework and JSON parsing as the advisor, no advice.

The floor's one route parses the request body with ``request.get_json()``, as the advisor's API does, and
answers a fixed JSON document, so the gap between it and the advisor is the cost of the advice itself. The
answering floor (create_answering_app) also validates the profile and writes a real answer, which shows how
much of that gap any fresh answer pays before the first rule is evaluated.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, jsonify, request

ROOT = Path(__file__).resolve().parent.parent
ANSWER = {"name": "floor", "platform": "container", "confidence": "high"}


def create_app() -> Flask:
    """A Flask app with one route, POST /v1/recommendations, that reads the JSON body and answers ANSWER."""
    app = Flask(__name__)

    @app.post("/v1/recommendations")
    def recommendations():
        profile = request.get_json()
        if not isinstance(profile, dict):
            return jsonify({"title": "expected a JSON object"}), 400
        return jsonify(ANSWER)

    return app


def create_answering_app() -> Flask:
    """The floor plus the two parts of a fresh answer that no advisor can skip: the profile checked against the
    model, and an answer of the advisor's own size and shape written as the advisor writes it.

    The answer is the engine's real one for examples/checkout-api.yaml (what the benchmark sends), worked out
    once at start and given each request's name (with the starter files named for it), so no rule is
    evaluated per request. Measured in place of the
    advisor (``bench_http.py --advisor-app "floor_app:create_answering_app()"``), its gap to the floor is the
    least a fresh answer costs with this server and framework; the advisor's gap to it is the advice itself.
    """
    import yaml

    from advisor.engine.decide import recommend
    from advisor.engine.loader import load_rules
    from advisor.errors import AdvisorError
    from advisor.generators.registry import with_starters
    from advisor.output.data import to_json
    from advisor.profiles import validate_profile

    ruleset = load_rules([], use_env=False)
    example = validate_profile(yaml.safe_load((ROOT / "examples" / "checkout-api.yaml").read_text(encoding="utf-8")))
    answer = recommend(example, ruleset)
    (part,) = answer.plan.parts
    app = Flask(__name__)

    @app.post("/v1/recommendations")
    def recommendations():
        given = request.get_json()
        if not isinstance(given, dict):
            return jsonify({"title": "expected a JSON object"}), 400
        try:
            profile = validate_profile(given)
        except AdvisorError as error:
            return jsonify({"title": str(error)}), 422
        # The name is in the answer, its plan and its starter files' names (storefront.Dockerfile).
        plan = answer.plan.model_copy(update={"parts": [part.model_copy(update={"name": profile.name})]})
        named = with_starters(profile, answer.model_copy(update={"name": profile.name, "plan": plan}))
        return Response(to_json(named, ruleset=ruleset), mimetype="application/json")

    return app
