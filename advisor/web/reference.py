"""The API reference page at /docs: openapi.yaml rendered on the server, so it needs no script and no other
origin (the pages' CSP allows neither), and it cannot drift from the contract it is read from."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml
from flask import Blueprint, Response, render_template
from markupsafe import Markup, escape

from advisor.web.form import page_headers

reference = Blueprint("reference", __name__)
reference.after_request(page_headers)  # the pages' CSP: no script or style but our own

METHODS = ("get", "post", "put", "patch", "delete")


@cache
def contract() -> dict[str, Any]:
    """openapi.yaml, loaded once."""
    from advisor.web import contract_text  # the app package serves the same text at /openapi.yaml

    return yaml.safe_load(contract_text())


def ref_name(ref: str) -> str:
    """`#/components/schemas/Profile` -> `Profile`."""
    return ref.rsplit("/", 1)[-1]


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow one `$ref` inside the document (responses and parameters are shared that way)."""
    if isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = spec
        for step in node["$ref"][2:].split("/"):
            target = target[step]
        return target
    return node


def schema_text(schema: Any) -> Markup:
    """A schema in a few words, with a link where it names a shared schema: `Profile`, `list of Reason`."""
    if not isinstance(schema, dict):
        return Markup("")
    if "$ref" in schema:
        name = ref_name(schema["$ref"])
        return Markup('<a href="#schema-{0}"><code>{0}</code></a>').format(name)
    for combiner in ("anyOf", "oneOf", "allOf"):
        if combiner in schema:
            parts = [schema_text(part) for part in schema[combiner]]
            return Markup(" or " if combiner != "allOf" else " and ").join(p for p in parts if p)
    kind = schema.get("type")
    if kind == "array":
        return Markup("list of ") + schema_text(schema.get("items", {}))
    if isinstance(kind, list):
        return Markup(escape(" or ".join(kind)))
    words = kind or ("one of" if "enum" in schema else "any")
    if "enum" in schema:
        return Markup("{0} {1}").format(words, ", ".join(str(v) for v in schema["enum"]))
    if "const" in schema:
        return Markup("{0}").format(schema["const"])
    return Markup(escape(words))


_CODE = re.compile(r"`([^`]+)`")


def prose(text: str | None) -> Markup:
    """Description text as HTML: escaped, `code` spans as <code>, blank lines as paragraphs."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    html = []
    for paragraph in paragraphs:
        escaped = str(escape(" ".join(paragraph.split())))
        html.append("<p>" + _CODE.sub(r"<code>\1</code>", escaped) + "</p>")
    return Markup("".join(html))


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation, grouped by the document's tags in their order: what the page lists."""
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = [resolve(spec, p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]]
            body = resolve(spec, operation.get("requestBody", {}))
            responses = []
            for status, response in operation.get("responses", {}).items():
                response = resolve(spec, response)
                media = {name: content.get("schema") for name, content in (response.get("content") or {}).items()}
                responses.append({"status": status, "description": response.get("description", ""), "media": media})
            found.append(
                {
                    "id": operation.get("operationId") or f"{method}-{path}",
                    "method": method.upper(),
                    "path": path,
                    "tag": (operation.get("tags") or ["other"])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "body": {name: c.get("schema") for name, c in (body.get("content") or {}).items()},
                    "responses": responses,
                }
            )
    order = [tag["name"] for tag in spec.get("tags", [])]
    return sorted(found, key=lambda op: order.index(op["tag"]) if op["tag"] in order else len(order))


def schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The shared schemas, each with its fields: name, what it holds, whether it is required, its help."""
    found = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        fields = [
            {"name": field, "schema": body, "required": field in required, "description": body.get("description", "")}
            for field, body in (schema.get("properties") or {}).items()
        ]
        found.append({"name": name, "description": schema.get("description", ""), "fields": fields, "schema": schema})
    return found


@reference.get("/docs")
def docs() -> Response:
    """The API reference, rendered from openapi.yaml."""
    spec = contract()
    html = render_template(
        "docs.html",
        spec=spec,
        operations=operations(spec),
        schemas=schemas(spec),
        tags=spec.get("tags", []),
        schema_text=schema_text,
        prose=prose,
    )
    return Response(html, mimetype="text/html")
