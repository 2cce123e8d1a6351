"""Errors to JSON at the API boundary: status, machine ``code``, human ``detail``.

Every error body carries ``detail`` (the message the LangGraph SDKs read, see docs/protocol.md
§0.2) and ``code``. Sight's own errors add ``message`` and ``details``. Unexpected exceptions
are logged here with their traceback and answered with a bare 500: no trace reaches a client.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from langgraph.errors import InvalidUpdateError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sight.errors import (
    BadRequestError,
    BudgetExceededError,
    BudgetTooSmallError,
    BudgetWouldExceedError,
    ConflictError,
    ForbiddenError,
    InputValidationError,
    ModelError,
    NotFoundError,
    SettingsError,
    SightError,
    UnauthorizedError,
    UnavailableError,
    UnsupportedOptionError,
)

log = logging.getLogger(__name__)

# Looked up along the exception's MRO, so subclasses (StructuredOutputError) inherit a status.
STATUS_BY_ERROR: dict[type[SightError], int] = {
    InputValidationError: 422,
    UnsupportedOptionError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    BadRequestError: 400,
    UnauthorizedError: 401,
    ForbiddenError: 403,
    BudgetExceededError: 429,
    BudgetWouldExceedError: 429,
    # The request's budget cannot cover its own estimate: the client changes the input.
    BudgetTooSmallError: 422,
    ModelError: 502,
    SettingsError: 500,
    UnavailableError: 503,
}


class ErrorBody(BaseModel):
    """The body of every error response (4xx and 5xx)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "1 problem(s) in the request: body.limit: Input should be less "
                    "than or equal to 1000",
                    "code": "invalid_request",
                    "details": [
                        {
                            "field": "body.limit",
                            "message": "Input should be less than or equal to 1000",
                            "type": "less_than_equal",
                        }
                    ],
                }
            ]
        }
    )

    detail: str = Field(
        description="What went wrong and what to fix (the message the LangGraph SDKs show).",
        examples=["Thread with ID 5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90 not found"],
    )
    code: str = Field(
        description="Stable machine code: invalid_request, invalid_input, invalid_json, "
        "not_found, conflict, unauthorized, forbidden, request_too_large, internal_error...",
        examples=["not_found"],
    )
    message: str | None = Field(
        default=None,
        description="Sight's own errors: the same text as detail.",
        examples=["Thread with ID 5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90 not found"],
    )
    details: Any = Field(
        default=None,
        description="Validation errors: a list of {field, message[, type]}, one per problem. "
        "Other errors may give an object (e.g. the option or role concerned).",
        examples=[[{"field": "input", "message": "required"}]],
    )


def status_for(exc: SightError) -> int:
    """The HTTP status of a Sight error (500 for one no rule names)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def error_body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error response; ``extra`` members that are None are left out."""
    return {"detail": detail, "code": code, **{k: v for k, v in extra.items() if v is not None}}


async def _sight_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SightError)
    status = status_for(exc)
    if status >= 500:
        log.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = error_body(exc.message, exc.code, message=exc.message, details=exc.details)
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "request"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    bad_json = [err for err in errors if err.get("type") == "json_invalid"]
    if bad_json:
        loc = bad_json[0].get("loc", ())
        reason = str(bad_json[0].get("ctx", {}).get("error", "malformed JSON"))
        at = f" at position {loc[1]}" if len(loc) > 1 else ""
        details = [{"field": "body", "message": reason + at}]
        body = error_body("Invalid JSON in request body", "invalid_json", details=details)
        return JSONResponse(body, status_code=422)
    details = [
        {
            "field": _field(err.get("loc", ())),
            "message": str(err.get("msg", "")),
            "type": err["type"],
        }
        for err in errors
    ]
    lines = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    summary = f"{len(details)} problem(s) in the request: {lines}"
    return JSONResponse(error_body(summary, "invalid_request", details=details), status_code=422)


async def _invalid_update(request: Request, exc: Exception) -> JSONResponse:
    # LangGraph refused a state update: the values do not fit the graph's state, or as_node
    # names no node. Raised while the request waits, so it is the client's to fix.
    reason = str(exc).split("\n", 1)[0]
    field = "as_node" if reason.startswith("Node ") else "values"
    details = [{"field": field, "message": reason}]
    body = error_body(
        f"1 problem(s) in the request: {field}: {reason}", "invalid_update", details=details
    )
    return JSONResponse(body, status_code=422)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    try:
        code = re.sub(r"[^a-z0-9]+", "_", HTTPStatus(exc.status_code).phrase.lower()).strip("_")
    except ValueError:
        code = f"http_{exc.status_code}"
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse(error_body(detail, code), status_code=exc.status_code, headers=exc.headers)


class UnhandledErrorMiddleware:
    """Answer any exception no handler took with a 500 JSON body; log the traceback here.

    Pure ASGI and inside CORS, so the 500 keeps its CORS headers (Starlette's outermost
    ServerErrorMiddleware would answer without them, then re-raise for a second log).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:  # a streamed body broke mid-way: nothing can be sent, let the server log
                raise
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            response = JSONResponse(error_body("internal error", "internal_error"), 500)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Translate Sight errors, validation errors, HTTP errors and crashes to JSON bodies."""
    app.add_exception_handler(SightError, _sight_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InvalidUpdateError, _invalid_update)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_middleware(UnhandledErrorMiddleware)
