"""Meta routes: /ok and /info without a key, /health per component, CORS when configured."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from sight.settings import Settings
from store.vectors import open_qdrant
from tests.api.conftest import headers_for

COMPONENTS = {"database", "checkpointer", "vector_store", "model_fast", "model_deep"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ollama_tags() -> Iterator[str]:
    """A stand-in Ollama answering GET /api/tags with one pulled model, gpt-oss:20b."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = json.dumps({"models": [{"name": "gpt-oss:20b", "model": "gpt-oss:20b"}]})
            self.send_response(200 if self.path == "/api/tags" else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    """Overrides from indirect parametrisation; `ollama` and `local_gguf` name test backends."""
    overrides = dict(getattr(request, "param", {}))
    ollama = overrides.pop("ollama", None)
    if ollama == "closed":
        overrides["ollama_base_url"] = f"http://127.0.0.1:{_closed_port()}"
    elif ollama == "stub":
        overrides["ollama_base_url"] = request.getfixturevalue("ollama_tags")
    if overrides.pop("local_gguf", False):
        gguf = tmp_path / "tiny.gguf"
        gguf.write_bytes(b"GGUF")
        overrides["model_fast"] = [f"local/{gguf}"]
    return overrides


async def test_ok_when_no_key_then_ok_true(client: httpx.AsyncClient):
    response = await client.get("/ok")

    assert response.status_code == 200
    assert response.json() == {"ok": True}


async def test_info_when_no_key_then_agent_server_shape(client: httpx.AsyncClient):
    response = await client.get("/info")

    assert response.status_code == 200
    body = response.json()
    assert body["flags"] == {"assistants": True, "crons": False, "langsmith": False}
    assert body["host"] == {"kind": "self-hosted"}
    assert body["version"] and body["langgraph_py_version"][0].isdigit()


async def test_health_when_no_key_then_401(client: httpx.AsyncClient):
    response = await client.get("/health")

    assert response.status_code == 401


async def test_health_when_all_components_work_then_200_listing_each(client: httpx.AsyncClient):
    response = await client.get("/health", headers=headers_for("admin"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True
    assert set(body["components"]) == COMPONENTS
    assert all(c["ok"] and c["detail"] for c in body["components"].values())
    assert "sqlite" in body["components"]["database"]["detail"]
    assert "fake" in body["components"]["model_fast"]["detail"]


async def test_health_when_called_concurrently_then_each_answers(
    client: httpx.AsyncClient,
):
    responses = await asyncio.gather(
        *(client.get("/health", headers=headers_for("viewer")) for _ in range(3))
    )

    assert [r.status_code for r in responses] == [200, 200, 200]


@pytest.mark.parametrize(
    "settings_overrides",
    [{"model_fast": ["ollama/gpt-oss:20b"], "ollama": "closed"}],
    indirect=True,
)
async def test_health_when_ollama_unreachable_then_503_naming_it(client: httpx.AsyncClient):
    response = await client.get("/health", headers=headers_for("admin"))

    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert set(body["components"]) == COMPONENTS
    fast = body["components"]["model_fast"]
    assert fast["ok"] is False
    assert "ollama/gpt-oss:20b: cannot list the models on http://127.0.0.1:" in fast["detail"]
    others = {name: c["ok"] for name, c in body["components"].items() if name != "model_fast"}
    assert all(others.values()), others


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "model_fast": ["ollama/gpt-oss:20b"],
            "model_deep": ["ollama/llama3", "ollama/gpt-oss"],
            "ollama": "stub",
        }
    ],
    indirect=True,
)
async def test_health_when_ollama_reachable_then_pulled_models_ok(
    client: httpx.AsyncClient, ollama_tags: str
):
    response = await client.get("/health", headers=headers_for("admin"))

    assert response.status_code == 503
    components = response.json()["components"]
    assert components["model_fast"] == {
        "ok": True,
        "detail": f"ollama/gpt-oss:20b: available on {ollama_tags}",
    }
    deep = components["model_deep"]
    assert deep["ok"] is False
    assert "ollama/llama3: not on" in deep["detail"] and "`ollama pull llama3`" in deep["detail"]


@pytest.mark.parametrize(
    "settings_overrides", [{"model_deep": ["gemini/gemini-2.5-pro"], "google_api_key": "g-secret"}]
)
async def test_health_when_gemini_key_set_then_ok_without_calling(client: httpx.AsyncClient):
    response = await client.get("/health", headers=headers_for("admin"))

    assert response.status_code == 200, response.text
    assert "not called" in response.json()["components"]["model_deep"]["detail"]
    assert "g-secret" not in response.text


@pytest.mark.parametrize("settings_overrides", [{"local_gguf": True}], indirect=True)
async def test_health_when_local_gguf_removed_then_503(client: httpx.AsyncClient, tmp_path: Path):
    gguf = tmp_path / "tiny.gguf"

    ok = await client.get("/health", headers=headers_for("admin"))
    gguf.unlink()
    gone = await client.get("/health", headers=headers_for("admin"))

    assert ok.status_code == 200 and "GGUF at" in ok.json()["components"]["model_fast"]["detail"]
    assert gone.status_code == 503
    assert "not available" in gone.json()["components"]["model_fast"]["detail"]


async def test_health_when_knowledge_base_in_use_then_vector_store_ok(
    client: httpx.AsyncClient, app
):
    await app.state.resources.knowledge_base()  # the server now holds the embedded folder

    response = await client.get("/health", headers=headers_for("admin"))

    assert response.status_code == 200, response.text
    assert response.json()["components"]["vector_store"]["ok"] is True


async def test_health_when_vector_store_held_by_another_process_then_503_saying_what_to_do(
    client: httpx.AsyncClient, api_settings: Settings
):
    holder = open_qdrant(api_settings)  # stands in for another process on the same folder
    try:
        response = await client.get("/health", headers=headers_for("admin"))
    finally:
        await holder.close()

    assert response.status_code == 503
    vector_store = response.json()["components"]["vector_store"]
    assert vector_store["ok"] is False
    assert "open in another process" in vector_store["detail"]
    assert "SIGHT_QDRANT_URL" in vector_store["detail"]


async def test_health_when_not_admin_then_status_only_without_paths(
    client: httpx.AsyncClient, api_settings: Settings
):
    viewer = await client.get("/health", headers=headers_for("viewer"))
    admin = await client.get("/health", headers=headers_for("admin"))

    assert viewer.status_code == admin.status_code == 200
    assert viewer.json()["components"]["database"] == {"ok": True}
    assert all(set(c) == {"ok"} for c in viewer.json()["components"].values())
    assert str(api_settings.data_dir) not in viewer.text
    assert str(api_settings.data_dir) in admin.text


async def test_openapi_when_generated_then_system_fields_described_with_examples(
    client: httpx.AsyncClient,
):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]

    for name in ("HealthResponse", "ComponentHealth", "InfoResponse", "OkResponse"):
        for field, spec in schemas[name]["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"
    assert schemas["ComponentHealth"]["properties"]["detail"]["examples"]


@pytest.mark.parametrize("settings_overrides", [{"cors_allow_origins": ["http://studio.test"]}])
async def test_cors_when_origin_allowed_then_preflight_and_exposed_headers(
    client: httpx.AsyncClient,
):
    preflight = await client.options(
        "/health",
        headers={
            "origin": "http://studio.test",
            "access-control-request-method": "GET",
            "access-control-request-headers": "x-api-key",
        },
    )
    simple = await client.get("/ok", headers={"origin": "http://studio.test"})
    other = await client.get("/ok", headers={"origin": "http://evil.test"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://studio.test"
    assert simple.headers["access-control-allow-origin"] == "http://studio.test"
    exposed = simple.headers["access-control-expose-headers"].lower()
    assert "content-location" in exposed and "x-pagination-next" in exposed
    assert "access-control-allow-origin" not in other.headers


async def test_cors_when_not_configured_then_no_cors_headers(client: httpx.AsyncClient):
    response = await client.get("/ok", headers={"origin": "http://studio.test"})

    assert "access-control-allow-origin" not in response.headers
