"""The OpenAPI document, made to say what the server does: every error is an ``ErrorBody``.

FastAPI documents a 422 whose ``detail`` is an array (Sight sends a string) and no other error.
``document_errors`` replaces that with Sight's error body on every operation: the statuses an
operation can answer with, plus ``default`` for anything else (a model failing is a 502).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.routing import compile_path

from api.errors import ErrorBody, error_body

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
WRITE_METHODS = {"post", "put", "patch", "delete"}
# POSTs that only read: they never answer 409.
READ_ONLY_SUFFIXES = ("/search", "/count", "/history", "/state/checkpoint", "/compare", "/modules")
# Operations without a path parameter that still look something up by name (an assistant).
LOOKUPS = {("post", "/runs/stream"), ("post", "/runs/wait"), ("post", "/assistants/search")}

DESCRIPTIONS = {
    "401": "No valid API key (`x-api-key` or `Authorization: Bearer`).",
    "403": "The key's role may not do this.",
    "404": "What the request names does not exist for the key's tenant.",
    "409": "The request clashes with the current state (exists already, thread busy...).",
    "413": "The request body is larger than SIGHT_MAX_REQUEST_BODY_BYTES.",
    "422": "The request is invalid: `details` names each field and what to fix.",
    "500": "Internal error (logged on the server; no trace is sent).",
    "default": "Any other error, e.g. 502 when a model call failed.",
}


def _error_statuses(
    path: str, method: str, operation: dict[str, Any], exempt: Iterable[str]
) -> list[str]:
    has_params = bool(operation.get("parameters"))
    has_body = "requestBody" in operation
    statuses = []
    if path not in exempt:
        statuses += ["401", "403"]
    if "{" in path or (method, path) in LOOKUPS:
        statuses.append("404")
    if method in WRITE_METHODS and not path.endswith(READ_ONLY_SUFFIXES):
        statuses.append("409")
    if has_body:
        statuses.append("413")
    if has_params or has_body:
        statuses.append("422")
    return [*statuses, "500", "default"]


def document_errors(schema: dict[str, Any], exempt: Iterable[str] = ()) -> dict[str, Any]:
    """Document ErrorBody for every error status of every operation; return the schema."""
    exempt = set(exempt)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["ErrorBody"] = ErrorBody.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, method, operation, exempt):
                response = responses.setdefault(status, {})
                response.setdefault("description", DESCRIPTIONS[status])
                response["content"] = {"application/json": {"schema": ERROR_REF}}
    return schema


def allowed_methods(schema: dict[str, Any], path: str) -> list[str]:
    """The methods the document gives the path it matches; a template with fewer parameters
    wins (OpenAPI's rule: /threads/{id}/state/checkpoint is not /threads/{id}/state/{cid})."""
    found: list[tuple[int, list[str]]] = []
    for template, operations in schema.get("paths", {}).items():
        regex, _, convertors = compile_path(template)
        if regex.match(path):
            found.append((len(convertors), [m.upper() for m in operations if m != "parameters"]))
    fewest = min((count for count, _ in found), default=0)
    return sorted({m for count, methods in found if count == fewest for m in methods})


def install_openapi(app: FastAPI, exempt: Iterable[str] = ()) -> None:
    """Serve the document with Sight's errors (built once, on the first request for it), and
    answer a 405 with the Allow header it documents."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = document_errors(schema, exempt)
        return app.openapi_schema

    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        allow = ", ".join(allowed_methods(app.openapi(), request.url.path))
        body = error_body(
            f"Method {request.method} not allowed here; allowed: {allow or 'none'}",
            "method_not_allowed",
        )
        return JSONResponse(body, status_code=405, headers={"Allow": allow})

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(405, method_not_allowed)
