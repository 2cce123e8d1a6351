"""Bounds shared by every route: request body size, offsets, configured ceilings.

No number reaches the database out of its range, and no body is read past
SIGHT_MAX_REQUEST_BODY_BYTES: a larger declared Content-Length is refused before the route
runs, a larger chunked body as soon as the bytes read pass the limit.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from sight.errors import InputValidationError

# Far beyond any page a client can reach, and far below SQLite's 2**63 - 1 (which overflows).
MAX_OFFSET = 2**31 - 1


def paginate(response: Response, *, total: int, offset: int, limit: int, count: int) -> None:
    """Set X-Pagination-Total, and X-Pagination-Next when a page follows this one."""
    response.headers["X-Pagination-Total"] = str(total)
    if offset + count < total:
        response.headers["X-Pagination-Next"] = str(offset + limit)


def check_at_most(field: str, value: int, limit: int, setting: str) -> None:
    """Refuse `value` above the configured `limit` with a 422 naming the field and the setting."""
    if value > limit:
        raise InputValidationError(
            [{"field": field, "message": f"at most {limit} (this server's {setting}); got {value}"}]
        )


def too_large(limit: int, setting: str = "SIGHT_MAX_REQUEST_BODY_BYTES") -> JSONResponse:
    """The 413 answer to a body over `limit` bytes."""
    detail = f"Request body too large: this server reads at most {limit} bytes ({setting})"
    return JSONResponse(
        error_body(detail, "request_too_large", details={"limit_bytes": limit}), status_code=413
    )


class BodyLimit:
    """Refuse request bodies over `max_bytes` with a 413 (pure ASGI: streams pass untouched).

    ``larger`` names paths that read bigger bodies (a CRM import file): {path: (bytes, setting)}.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: dict[str, tuple[int, str]] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self.larger.get(
            scope.get("path", ""), (self.max_bytes, "SIGHT_MAX_REQUEST_BODY_BYTES")
        )
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await too_large(limit, setting)(scope, receive, send)
            return
        read = 0

        async def limited() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    # An HTTPException: FastAPI passes it on from the body read to the handler.
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)


def install_body_limit(
    app: FastAPI, max_bytes: int, larger: dict[str, tuple[int, str]] | None = None
) -> None:
    """Refuse bodies over `max_bytes` (or a path's own limit in ``larger``) with a JSON 413
    (add after the error handlers)."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        limit, setting = (larger or {}).get(
            request.url.path, (max_bytes, "SIGHT_MAX_REQUEST_BODY_BYTES")
        )
        return too_large(limit, setting)

    app.add_exception_handler(413, handler)
    app.add_middleware(BodyLimit, max_bytes=max_bytes, larger=larger)
