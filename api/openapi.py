"""The OpenAPI document, made to say what the server does: every error is an ``ErrorBody``.

FastAPI documents a 422 whose ``detail`` is an array (Sight sends a string) and no other error.
``document_errors`` replaces that with Sight's error body on every operation: the statuses an
operation can answer with, plus ``default`` for anything else (a model failing is a 502).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

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
            for response in responses.values():
                content = response.get("content", {})
                if "text/event-stream" in content:  # FastAPI adds JSON to every 200
                    content.pop("application/json", None)
            for status in _error_statuses(path, method, operation, exempt):
                response = responses.setdefault(status, {})
                response.setdefault("description", DESCRIPTIONS[status])
                response["content"] = {"application/json": {"schema": ERROR_REF}}
    return schema


def route_methods(app: FastAPI, *, documented: bool = True) -> dict[str, list[str]]:
    """Each documented path template (or every one) with its methods: what the document
    lists, read from the routes (building the document costs ~0.3 s; this, a few ms)."""
    found: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.routes):
        shown = getattr(route, "include_in_schema", False) or not documented
        if shown and route.methods and route.path_format:
            found.setdefault(route.path_format, set()).update(route.methods)
    return {path: sorted(methods) for path, methods in found.items()}


def allowed_methods(paths: dict[str, list[str]], path: str) -> list[str]:
    """The methods of the template `path` matches; a template with fewer parameters wins
    (OpenAPI's rule: /threads/{id}/state/checkpoint is not /threads/{id}/state/{cid})."""
    found: list[tuple[int, list[str]]] = []
    for template, methods in paths.items():
        regex, _, convertors = compile_path(template)
        if regex.match(path):
            found.append((len(convertors), methods))
    fewest = min((count for count, _ in found), default=0)
    return sorted({m for count, methods in found if count == fewest for m in methods})


def _method_not_allowed(method: str, allow: list[str]) -> JSONResponse:
    allowed = ", ".join(allow)
    body = error_body(
        f"Method {method} not allowed here; allowed: {allowed or 'none'}", "method_not_allowed"
    )
    return JSONResponse(body, status_code=405, headers={"Allow": allowed})


def shadowing(paths: dict[str, list[str]]) -> list[tuple[re.Pattern[str], list[str]]]:
    """Paths with a literal segment where another path has a parameter (/threads/count and
    /threads/{thread_id}), with their methods: the only ones a router can send astray."""
    found = []
    for template, methods in paths.items():
        segments = template.split("/")
        for other in paths:
            others = other.split("/")
            if other == template or len(others) != len(segments):
                continue
            pairs = list(zip(segments, others, strict=True))
            if all(a == b or "{" in b for a, b in pairs) and any(
                "{" not in a and "{" in b for a, b in pairs
            ):
                found.append((compile_path(template)[0], methods))
                break
    return found


class DocumentedMethods:
    """Answer 405 for a method a concrete path lacks, though a templated route would take it.

    The router tries routes in order, so GET /threads/{id}/runs/stream would reach
    GET /threads/{id}/runs/{run_id} with run_id "stream" (a 422); the document says, with
    OpenAPI's rule that concrete paths win, that the path has POST only: a 405.
    """

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._shadowing: list[tuple[re.Pattern[str], list[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._shadowing is None:
                self._shadowing = shadowing(route_methods(self.api))
            path, method = scope["path"], scope["method"]
            for regex, methods in self._shadowing:
                if method not in methods and regex.match(path):
                    await _method_not_allowed(method, methods)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


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
        path = request.url.path
        # Routes left out of the document (/docs) answer with what they take.
        allow = allowed_methods(route_methods(app), path) or allowed_methods(
            route_methods(app, documented=False), path
        )
        return _method_not_allowed(request.method, allow)

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(405, method_not_allowed)
    app.add_middleware(DocumentedMethods, api=app)
