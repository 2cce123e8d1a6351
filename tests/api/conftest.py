"""API fixtures: settings with one key per role, the app with its lifespan running, a client.

Override ``api_keys`` (``@pytest.mark.parametrize("api_keys", [[]])``) or ``settings_overrides``
to change what the app is built with; add test-only routes to ``app`` before using ``client``.
httpx's ASGITransport buffers whole responses: streamed routes need a real uvicorn instead.

``sdk`` connects the official ``langgraph_sdk`` client to a real uvicorn serving the app with
the test graphs: one server per test module (each test works on threads of its own), per
database: ``BOTH_DBS`` runs a test on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from api.app import create_app
from sight.settings import Settings, load_settings
from tests.api.live import live_server
from tests.api.sample_graphs import test_graphs as sample_graph_specs

# One key per role; each at least 16 characters, as settings require.
KEYS = {
    "viewer": "viewer-key-0123456789",
    "editor": "editor-key-0123456789",
    "admin": "admin-key-0123456789",
}


# An admin of another tenant: it must see nothing of tenant 'acme'.
OTHER_TENANT_KEY = "globex-admin-key-0123456789"
SLOW_STEP_S = 0.05

BOTH_DBS = pytest.mark.parametrize(
    "sdk_db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], scope="module"
)


def headers_for(role: str) -> dict[str, str]:
    """The x-api-key header of the test key with this role."""
    return {"x-api-key": KEYS[role]}


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return [
        {"key": key, "role": role, "tenant": "acme", "name": f"{role}-key"}
        for role, key in KEYS.items()
    ]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def api_settings(
    tmp_path: Path, api_keys: list[dict[str, str]], settings_overrides: dict[str, Any]
) -> Settings:
    """Fake models, embedded stores in a temp dir, and the test keys."""
    return load_settings(
        data_dir=tmp_path / "data",
        provider="fake",
        _env_file=None,
        api_keys=api_keys,
        **settings_overrides,
    )


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the app with its lifespan running (resources open, migrations applied)."""
    async with app.router.lifespan_context(app):
        # Errors must come back as responses, as a real server sends them, not raise here.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://sight.test") as http:
            yield http


def fresh_schema_url(base_url: str) -> str:
    """A URL on a new, empty schema of the test database (as tests/conftest.py's db_settings)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{base_url}?options=-csearch_path%3D{schema}"


def sdk_test_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Fake models, the test keys plus another tenant's admin, short heartbeats, and KPI
    snapshots never reused (so every KPI run takes the full path)."""
    keys = [
        *(
            {"key": key, "role": role, "tenant": "acme", "name": f"{role}-key"}
            for role, key in KEYS.items()
        ),
        {"key": OTHER_TENANT_KEY, "role": "admin", "tenant": "globex", "name": "globex-admin"},
    ]
    options: dict[str, Any] = {
        "provider": "fake",
        "sse_heartbeat_s": 0.25,
        "kpi_snapshot_ttl_s": 0,
        **overrides,
    }
    return load_settings(data_dir=data_dir, _env_file=None, api_keys=keys, **options)


@contextmanager
def sdk_server(settings: Settings) -> Iterator[str]:
    """Serve the registered graphs and the test graphs on a real uvicorn; yield its URL."""
    app = create_app(settings, graphs=sample_graph_specs(SLOW_STEP_S))
    with live_server(app) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def sdk_db() -> str:
    """The database behind the SDK tests' server; BOTH_DBS parametrises it."""
    return "sqlite"


@pytest.fixture(scope="module")
def sdk_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sdk_db: str
) -> Iterator[str]:
    """One server per test module and database: tests share it, each on threads of its own."""
    overrides: dict[str, Any] = {}
    if sdk_db == "postgres":
        overrides["database_url"] = fresh_schema_url(request.getfixturevalue("postgres_url"))
    settings = sdk_test_settings(tmp_path_factory.mktemp("sdk") / "data", **overrides)
    with sdk_server(settings) as base_url:
        yield base_url


SdkFactory = Callable[..., LangGraphClient]


@pytest.fixture
async def sdk(sdk_url: str) -> AsyncIterator[SdkFactory]:
    """Connect the official SDK: ``sdk("viewer")``, ``sdk(api_key=...)``, ``sdk(url=proxy)``."""
    clients: list[LangGraphClient] = []

    def connect(
        role: str = "editor", *, api_key: str | None = None, url: str | None = None
    ) -> LangGraphClient:
        client = get_client(
            url=url or sdk_url,
            api_key=api_key or KEYS[role],  # explicit: never LANGGRAPH_API_KEY from the env
            timeout=httpx.Timeout(30.0, connect=5.0),
        )
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.aclose()
