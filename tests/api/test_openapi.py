"""The OpenAPI document says what the server does: Sight's error body on every error status,
UUID path ids, event streams, and the methods a path takes (405 with Allow for the others).
.ci/api_fuzz.sh checks the same against a live server with schemathesis."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.openapi import route_methods
from sight.settings import Settings
from tests.api.conftest import headers_for
from tests.api.sample_graphs import test_graphs as sample_graph_specs

ADMIN = headers_for("admin")
ERROR_REF = "#/components/schemas/ErrorBody"
STREAMS = [
    ("post", "/runs/stream"),
    ("post", "/threads/{thread_id}/runs/stream"),
    ("get", "/threads/{thread_id}/runs/{run_id}/stream"),
]


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings, graphs=sample_graph_specs(0.0))


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def error_schema(operation: dict[str, Any], status: str) -> str | None:
    content = operation["responses"].get(status, {}).get("content", {})
    return content.get("application/json", {}).get("schema", {}).get("$ref")


async def test_openapi_when_any_operation_then_every_error_status_is_the_error_body(
    document: dict[str, Any],
):
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        errors = [s for s in operation["responses"] if s == "default" or s[0] in "45"]
        assert {"500", "default"} <= set(errors), (method, path)
        for status in errors:
            if (path, status) == ("/health", "503"):
                continue  # the health report itself
            assert error_schema(operation, status) == ERROR_REF, (method, path, status)


async def test_openapi_when_operation_takes_input_then_422_documented_as_error_body(
    document: dict[str, Any],
):
    for method, path, operation in operations(document):
        if operation.get("parameters") or "requestBody" in operation:
            assert error_schema(operation, "422") == ERROR_REF, (method, path)


async def test_openapi_when_path_names_a_thing_then_404_documented(document: dict[str, Any]):
    for method, path, operation in operations(document):
        if "{" in path:
            assert error_schema(operation, "404") == ERROR_REF, (method, path)


async def test_openapi_when_thread_or_run_id_in_path_then_uuid_format(document: dict[str, Any]):
    seen = 0
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []) if path.startswith("/threads") else []:
            if parameter["in"] == "path" and parameter["name"] in ("thread_id", "run_id"):
                assert parameter["schema"].get("format") == "uuid", (method, path)
                seen += 1
    assert seen >= 20  # every thread and run route is checked


async def test_openapi_when_streaming_route_then_text_event_stream_documented(
    document: dict[str, Any],
):
    for method, path in STREAMS:
        content = document["paths"][path][method]["responses"]["200"]["content"]
        assert list(content) == ["text/event-stream"], (method, path)
        assert content["text/event-stream"]["schema"]["required"] == ["event", "data"]


async def test_openapi_when_copy_route_then_documented(document: dict[str, Any]):
    assert "post" in document["paths"]["/threads/{thread_id}/copy"]


async def test_route_methods_when_read_from_routes_then_as_the_document_lists(
    app: FastAPI, document: dict[str, Any]
):
    documented = {
        path: sorted(method.upper() for method in item) for path, item in document["paths"].items()
    }

    assert route_methods(app) == documented


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/threads/{run}", 404),
        ("GET", "/threads/not-a-uuid", 422),
        ("POST", "/threads/search", 422),
        ("GET", "/threads/{thread}/runs/{run}", 404),
    ],
)
async def test_error_when_sent_then_body_matches_the_documented_error_body(
    client: httpx.AsyncClient, document: dict[str, Any], method: str, path: str, status: int
):
    thread = (await client.post("/threads", json={}, headers=ADMIN)).json()["thread_id"]
    url = path.format(thread=thread, run="3f2a8c1e-0d4b-4c8e-9a51-7b6d2e9f0c13")

    response = await client.request(method, url, json={"limit": 0}, headers=ADMIN)

    assert response.status_code == status
    body = response.json()
    schema = document["components"]["schemas"]["ErrorBody"]
    assert set(schema["required"]) <= set(body) <= set(schema["properties"])
    assert isinstance(body["detail"], str) and isinstance(body["code"], str)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/threads/{thread}", "DELETE, GET, PATCH"),
        ("PUT", "/threads/{thread}/runs/{run}", "DELETE, GET"),
        ("PUT", "/threads/{thread}/state/checkpoint", "POST"),
        ("GET", "/threads/{thread}/state/checkpoint", "POST"),
        ("GET", "/threads/{thread}/runs/stream", "POST"),
        ("GET", "/threads/{thread}/runs/wait", "POST"),
        ("PATCH", "/threads/count", "POST"),
        ("DELETE", "/threads/search", "POST"),
        ("DELETE", "/assistants/search", "POST"),
        ("PUT", "/knowledge/search", "POST"),
        ("DELETE", "/ok", "GET"),
    ],
)
async def test_method_when_not_documented_for_the_path_then_405_with_documented_allow(
    client: httpx.AsyncClient, method: str, path: str, allow: str
):
    thread = (await client.post("/threads", json={}, headers=ADMIN)).json()["thread_id"]
    url = path.format(thread=thread, run="3f2a8c1e-0d4b-4c8e-9a51-7b6d2e9f0c13")

    response = await client.request(method, url, headers=ADMIN)

    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["code"] == "method_not_allowed"


async def test_state_at_checkpoint_id_when_id_not_a_uuid_then_422(client: httpx.AsyncClient):
    thread = (await client.post("/threads", json={}, headers=ADMIN)).json()["thread_id"]

    response = await client.get(f"/threads/{thread}/state/some-checkpoint", headers=ADMIN)

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "checkpoint_id"
