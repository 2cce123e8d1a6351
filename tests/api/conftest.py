"""API fixtures: settings with one key per role, the app with its lifespan running, a client.

Override ``api_keys`` (``@pytest.mark.parametrize("api_keys", [[]])``) or ``settings_overrides``
to change what the app is built with; add test-only routes to ``app`` before using ``client``.
httpx's ASGITransport buffers whole responses: streamed routes need a real uvicorn instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from sight.settings import Settings, load_settings

# One key per role; each at least 16 characters, as settings require.
KEYS = {
    "viewer": "viewer-key-0123456789",
    "editor": "editor-key-0123456789",
    "admin": "admin-key-0123456789",
}


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
