"""Errors become JSON with status, code and a `detail` the LangGraph SDK reads; never a trace."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import NotFoundError as SdkNotFoundError
from langgraph_sdk.errors import UnprocessableEntityError
from pydantic import BaseModel

from api.app import create_app
from sight.errors import (
    BudgetExceededError,
    ConflictError,
    ForbiddenError,
    InputValidationError,
    ModelError,
    NotFoundError,
    SettingsError,
    SightError,
    StructuredOutputError,
    UnauthorizedError,
    UnsupportedOptionError,
)
from sight.settings import Settings

SECRET_INTERNALS = "db password is hunter2, see /srv/sight/app.py"

CASES = [
    (InputValidationError([{"field": "age_min", "message": "must be <= age_max"}]), 422),
    (UnsupportedOptionError("webhook", "Sight sends no webhooks"), 422),
    (NotFoundError("Thread with ID 123 not found"), 404),
    (ConflictError("Thread with ID 123 already exists"), 409),
    (UnauthorizedError("invalid API key"), 401),
    (ForbiddenError("this action needs the admin role"), 403),
    (BudgetExceededError("run_token_budget", 100, 250), 429),
    (ModelError("ollama/gpt-oss:20b failed after 3 attempts"), 502),
    (StructuredOutputError("output did not match Verdict"), 502),
    (SettingsError("invalid settings: SIGHT_GOOGLE_API_KEY: missing"), 500),
    (SightError("something Sight did not classify"), 500),
]


class Body(BaseModel):
    name: str
    age: int


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    app = create_app(api_settings)

    @app.get("/raise/{index}")
    async def raise_case(index: int) -> None:
        raise CASES[index][0]

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError(SECRET_INTERNALS)

    @app.post("/echo")
    async def echo(body: Body, limit: int = 10) -> Body:
        return body

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, "short and stout", headers={"x-pot": "yes"})

    return app


@pytest.mark.parametrize(
    ("index", "status"),
    [(i, status) for i, (_, status) in enumerate(CASES)],
    ids=[type(exc).__name__ for exc, _ in CASES],
)
async def test_sight_error_when_raised_then_status_code_and_detail(
    client: httpx.AsyncClient, index: int, status: int
):
    exc = CASES[index][0]

    response = await client.get(f"/raise/{index}")

    assert response.status_code == status
    expected = {"detail": exc.message, "code": exc.code, "message": exc.message}
    if exc.details is not None:
        expected["details"] = exc.details
    assert response.json() == expected


async def test_unhandled_exception_when_raised_then_500_without_trace_but_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.ERROR, logger="api.errors")

    response = await client.get("/crash")

    assert response.status_code == 500
    assert response.json() == {"detail": "internal error", "code": "internal_error"}
    assert "hunter2" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "api.errors"]
    assert logged and logged[0].exc_info is not None
    assert "GET /crash" in logged[0].getMessage()
    assert "hunter2" in caplog.text  # the trace stays on the server, in full


async def test_request_when_json_malformed_then_422_invalid_json(client: httpx.AsyncClient):
    response = await client.post(
        "/echo", content=b'{"name": "x",', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Invalid JSON in request body"
    assert body["code"] == "invalid_json"
    assert "position" in body["details"][0]["message"]


async def test_request_when_fields_invalid_then_422_naming_each_field(client: httpx.AsyncClient):
    response = await client.post("/echo?limit=many", json={"age": "old"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["detail"].startswith("3 problem(s) in the request")
    for field in ("body.name", "body.age", "query.limit"):
        assert field in body["detail"]
    assert {d["field"] for d in body["details"]} == {"body.name", "body.age", "query.limit"}
    assert "input" not in body["details"][0]  # the request's values are not echoed back


async def test_http_exception_when_raised_then_detail_code_and_headers(client: httpx.AsyncClient):
    response = await client.get("/teapot")

    assert response.status_code == 418
    assert response.json() == {"detail": "short and stout", "code": "i_m_a_teapot"}
    assert response.headers["x-pot"] == "yes"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/no/such/path", 404, "not_found"), ("DELETE", "/ok", 405, "method_not_allowed")],
)
async def test_routing_error_when_no_route_then_json_detail(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
):
    response = await client.request(method, path)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]


async def test_sdk_when_error_then_raises_typed_error_with_detail_message(
    client: httpx.AsyncClient,
):
    sdk = LangGraphClient(client)
    not_found = next(i for i, (exc, _) in enumerate(CASES) if type(exc) is NotFoundError)

    with pytest.raises(SdkNotFoundError) as raised:
        await sdk.http.get(f"/raise/{not_found}")
    assert raised.value.message == "Thread with ID 123 not found"

    with pytest.raises(UnprocessableEntityError) as raised:
        await sdk.http.post("/echo", json={"name": "x"})
    assert "body.age" in raised.value.message
