"""The floor for the HTTP benchmark: the same server, framework and JSON parsing as the advisor, no advice.

Its one route parses the request body with ``request.get_json()``, as the advisor's API does, and answers a
fixed JSON document, so the gap between it and the advisor is the cost of the advice itself.
"""

from __future__ import annotations

from flask import Flask, jsonify, request

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
