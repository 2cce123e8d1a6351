"""Decide which model errors are worth retrying, and describe errors without secrets.

Retried: rate limits (HTTP 429), timeouts, and server errors (HTTP 5xx). Everything else
(bad request, auth, model not found, connection refused, invalid output) goes straight to
the next model of the chain. Provider exceptions are recognised by what they carry (a
status code, LangChain's error classes, timeout types) so no provider SDK is imported here.
The first exception of the chain that carries an HTTP status decides: ``__cause__`` is
followed first, ``__context__`` only past exceptions without a status, so a 401 raised
while handling a timeout is not retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Literal

import httpx
from langchain_core import exceptions as lc_exceptions

Retryable = Literal["rate_limit", "timeout", "server_error"]
_MAX_DESCRIPTION = 300
_LOOP_ERRORS = ("different event loop", "different loop", "Event loop is closed")


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """Yield the exception and its causes/contexts (providers often wrap the real error)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        context = None if current.__suppress_context__ else current.__context__
        current = current.__cause__ or context


def status_code(exc: BaseException) -> int | None:
    """Return the HTTP status an exception carries (ollama, google-genai, httpx), if any."""
    response = getattr(exc, "response", None)
    candidates = (
        getattr(exc, "status_code", None),  # ollama.ResponseError, many SDKs
        getattr(exc, "code", None),  # google.genai.errors.APIError
        getattr(response, "status_code", None),  # httpx.HTTPStatusError
    )
    for value in candidates:
        if isinstance(value, int) and 100 <= value <= 599:
            return value
    return None


def retry_reason(exc: BaseException) -> Retryable | None:
    """Return why ``exc`` is worth retrying, or None when it is not."""
    for err in exception_chain(exc):
        if isinstance(err, (asyncio.TimeoutError, TimeoutError, httpx.TimeoutException)):
            return "timeout"
        if isinstance(err, lc_exceptions.ModelTimeoutError):
            return "timeout"
        if isinstance(err, lc_exceptions.ModelRateLimitError):
            return "rate_limit"
        code = status_code(err)
        if code is not None:  # an explicit status ends the search, whatever it wrapped
            if code == 429:
                return "rate_limit"
            return "server_error" if code >= 500 else None
        if isinstance(err, lc_exceptions.ModelAPIError):
            return "server_error"
    return None


def is_retryable(exc: BaseException) -> bool:
    """True for rate-limit, timeout and 5xx errors."""
    return retry_reason(exc) is not None


def is_event_loop_error(exc: BaseException) -> bool:
    """True when an asyncio object was used outside the event loop it is bound to.

    ("... is bound to a different event loop", "Event loop is closed", ...) These are
    programming errors: no other model of a chain would fare better.
    """
    return any(
        isinstance(err, RuntimeError) and any(text in str(err) for text in _LOOP_ERRORS)
        for err in exception_chain(exc)
    )


def describe_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """One line naming the error, with any secret value masked and long text cut."""
    text = str(exc) or type(exc).__name__
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    if len(text) > _MAX_DESCRIPTION:
        text = text[: _MAX_DESCRIPTION - 3] + "..."
    return f"{type(exc).__name__}: {text}"
